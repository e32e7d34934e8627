"""The real Application wired to the fake Bot API, and simulated users to drive it.

Used by the end-to-end tests, the benchmarks and `kopiena console`:

    async with Sandbox(settings) as sandbox:
        anna = sandbox.user(1001, "Anna", language_code="lv")
        replies = await anna.send("/start")
        await anna.press("Latviešu")
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.app import build_application, on_startup, on_stop
from bot.config import Settings
from bot.fakeapi import ApiCall, FakeBotApi, UploadedFile
from bot.outbox import dispatcher
from bot.pipeline import pipeline_of
from bot.runtime import Runtime, system_clock
from storage import inbox
from storage.migrate import upgrade

SANDBOX_TOKEN = "123456789:SANDBOX-token-for-the-fake-bot-api-0000"


@dataclass
class Reply:
    """One thing the bot did in a chat: a message sent, edited or a file."""

    method: str
    text: str
    buttons: list[list[dict[str, Any]]]
    message_id: int | None
    params: dict[str, Any]

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    @property
    def file(self) -> UploadedFile | None:
        for key in ("document", "photo"):
            if isinstance(self.params.get(key), UploadedFile):
                return self.params[key]
        return None


class Replies(list[Reply]):
    """What the bot did in answer to one action of a user."""

    @property
    def messages(self) -> Replies:
        """Messages the user can read: new ones, files and edited texts."""
        return [r for r in self if r.method.startswith("send") or r.method == "editMessageText"]

    @property
    def texts(self) -> list[str]:
        """The texts the user can read (a file without a caption adds none)."""
        return [r.text for r in self.messages if r.text or r.file is None]

    @property
    def file(self) -> UploadedFile | None:
        """The file the bot sent, wherever it came among the replies (None: no file)."""
        files = [r.file for r in self if r.file is not None]
        assert len(files) <= 1, "the bot sent more than one file"
        return files[0] if files else None

    @property
    def last(self) -> Reply:
        assert self.messages, "the bot sent no message"
        return self.messages[-1]

    @property
    def inline_results(self) -> list[dict[str, Any]]:
        """The results offered for an inline query (answerInlineQuery), if any."""
        for reply in self:
            if reply.method == "answerInlineQuery":
                return list(reply.params.get("results") or [])
        return []

    @property
    def alert(self) -> str | None:
        """The notice shown for a pressed button (answerCallbackQuery text), if any."""
        for reply in self:
            if reply.method == "answerCallbackQuery":
                return reply.params.get("text")
        return None


def reply_from(call: ApiCall) -> Reply:
    message = call.result if isinstance(call.result, dict) else {}
    markup = message.get("reply_markup") or call.params.get("reply_markup") or {}
    return Reply(
        method=call.method,
        text=str(message.get("text") or message.get("caption") or ""),
        buttons=markup.get("inline_keyboard", []) if isinstance(markup, dict) else [],
        message_id=message.get("message_id") or call.params.get("message_id"),
        params=call.params,
    )


class Sandbox:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = system_clock,
        read_timeout: float = 10.0,
        api_root: str | None = None,
    ) -> None:
        """`api_root`: use a fake Bot API already running elsewhere (a benchmark runs one
        in its own process); then `api` records nothing."""
        self.settings = settings
        self.api_root = api_root
        self.clock = clock
        self.read_timeout = read_timeout
        self.api = FakeBotApi()
        self.errors: list[BaseException] = []
        self._update_ids = itertools.count(1)
        self.application: Application | None = None
        self.runtime: Runtime | None = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self.api_root is None:
            self.api_root = await self.api.start()
        await asyncio.to_thread(upgrade, self.settings.database_url)
        await self.start_application()
        assert self.runtime is not None
        # The same database may hold updates of an earlier session (kopiena console).
        self._update_ids = itertools.count(await inbox.highest_id(self.runtime.db) + 1)

    async def start_application(self) -> Application:
        """Build and start a fresh Application on the same database and fake API."""
        self.runtime = Runtime.from_settings(self.settings, clock=self.clock)
        application = build_application(
            self.runtime, SANDBOX_TOKEN, api_root=self.api_root, read_timeout=self.read_timeout
        )
        # First, so it sees every failure, including those the pipeline tries again.
        handlers = dict(application.error_handlers)
        application.error_handlers.clear()
        application.add_error_handler(self._record_error)
        application.error_handlers.update(handlers)
        await application.initialize()
        await on_startup(application)
        await application.start()
        await pipeline_of(application).recover()
        # Tests read what the start-up pass sent (missed reminders...) once it is done.
        await dispatcher(application).settle()
        self.application = application
        return application

    async def stop_application(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        await pipeline_of(application).drain(within=30)
        await on_stop(application)
        if application.running:
            await application.stop()
        await application.shutdown()
        if self.runtime is not None:
            await self.runtime.close()

    async def stop(self) -> None:
        await self.stop_application()
        await self.api.stop()

    async def _record_error(self, update: object, context: Any) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    def user(
        self,
        telegram_id: int,
        first_name: str = "Anna",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "lv",
    ) -> SandboxUser:
        return SandboxUser(self, telegram_id, first_name, last_name, username, language_code)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def deliver(self, updates: list[dict[str, Any]]) -> list[str]:
        """Deliver updates as one getUpdates batch and wait until all new ones are handled;
        returns "done" or "parked" for each update not stored before."""
        assert self.application is not None, "the sandbox is not started"
        handled = await pipeline_of(self.application).accept(updates)
        return list(await asyncio.gather(*handled))

    async def process(self, update: dict[str, Any]) -> str | None:
        """Deliver an update as polling does (stored, then handled in its sender's lane)
        and wait until it is handled. Returns "done" or "parked", or None for an update
        id that was stored before (nothing happens)."""
        assert self.application is not None, "the sandbox is not started"
        handled = await pipeline_of(self.application).accept([update])
        return await handled[0] if handled else None


@dataclass
class SandboxUser:
    sandbox: Sandbox
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "lv"
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _queries: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": self.id, "type": "private", "first_name": self.first_name},
            "from": self.as_dict(),
            **content,
        }

    async def _act(self, update: dict[str, Any]) -> Replies:
        before = len(self.sandbox.api.calls)
        await self.sandbox.process({"update_id": self.sandbox.next_update_id(), **update})
        return self.replies_since(before)

    def text_update(self, text: str) -> dict[str, Any]:
        """The update Telegram sends when this user types `text` (not delivered)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.sandbox.next_update_id(), "message": self._message(**content)}

    def press_update(self, data: str, message: dict[str, Any]) -> dict[str, Any]:
        """The update Telegram sends when this user presses a button (not delivered)."""
        update_id = self.sandbox.next_update_id()
        query_id = f"q{self.id}-{update_id}"
        self._queries.add(query_id)
        callback = {
            "id": query_id,
            "from": self.as_dict(),
            "chat_instance": f"ci-{self.id}",
            "data": data,
            "message": message,
        }
        return {"update_id": update_id, "callback_query": callback}

    def replies_since(self, index: int) -> Replies:
        return Replies(
            reply_from(call)
            for call in self.sandbox.api.calls[index:]
            if call.answered == "ok"
            and (
                call.chat_id == self.id
                or call.params.get("callback_query_id") in self._queries
                or call.params.get("inline_query_id") in self._queries
            )
        )

    async def send(self, text: str) -> Replies:
        before = len(self.sandbox.api.calls)
        await self.sandbox.process(self.text_update(text))
        return self.replies_since(before)

    async def send_sticker(self) -> Replies:
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": "👍",
        }
        return await self._act({"message": self._message(sticker=sticker)})

    async def send_photo(self) -> Replies:
        photo = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        return await self._act({"message": self._message(photo=photo)})

    def messages(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat as they look now (after edits and deletions)."""
        return list(self.sandbox.api.chats.get(self.id, {}).values())

    def last_message(self) -> dict[str, Any]:
        messages = self.messages()
        assert messages, f"the bot has sent nothing to {self.id}"
        return messages[-1]

    def find_button(self, label: str, message: dict[str, Any] | None = None) -> tuple[dict, str]:
        """The newest bot message with a button whose text contains `label`."""
        candidates = [message] if message else list(reversed(self.messages()))
        for candidate in candidates:
            rows = (candidate.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        return candidate, button["callback_data"]
        raise AssertionError(f"no button {label!r} in the chat of {self.id}")

    def button_at(self, row: int = 0, column: int = 0) -> tuple[dict[str, Any], str]:
        """The button at (row, column) of the newest bot message that has buttons."""
        for candidate in reversed(self.messages()):
            rows = (candidate.get("reply_markup") or {}).get("inline_keyboard", [])
            if rows:
                return candidate, rows[row][column]["callback_data"]
        raise AssertionError(f"no buttons in the chat of {self.id}")

    async def press_at(self, row: int = 0, column: int = 0) -> Replies:
        message, data = self.button_at(row, column)
        return await self.press_data(data, message)

    async def press_where(self, data: str) -> Replies:
        """Press the newest button whose callback data is exactly `data`."""
        for candidate in reversed(self.messages()):
            for row in (candidate.get("reply_markup") or {}).get("inline_keyboard", []):
                if any(button.get("callback_data") == data for button in row):
                    return await self.press_data(data, candidate)
        raise AssertionError(f"no button with data {data!r} in the chat of {self.id}")

    async def press(self, label: str, message: dict[str, Any] | None = None) -> Replies:
        message, data = self.find_button(label, message)
        return await self.press_data(data, message)

    async def send_inline_query(
        self, query: str, *, offset: str = "", chat_type: str | None = "sender"
    ) -> Replies:
        """Type `@bot query` in a chat: an inline_query update, as Telegram sends it."""
        query_id = f"iq{self.id}-{self.sandbox.next_update_id()}"
        self._queries.add(query_id)
        inline: dict[str, Any] = {
            "id": query_id,
            "from": self.as_dict(),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return await self._act({"inline_query": inline})

    async def press_data(self, data: str, message: dict[str, Any] | None = None) -> Replies:
        """Press a button with any callback data, as a forged or stale press would."""
        before = len(self.sandbox.api.calls)
        await self.sandbox.process(self.press_update(data, message or self.last_message()))
        return self.replies_since(before)
