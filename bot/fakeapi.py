"""A fake Telegram Bot API server on 127.0.0.1 for tests, benchmarks and `kopiena console`.

python-telegram-bot talks to it over real HTTP (`base_url`). It records every call,
answers like Telegram does (messages with increasing ids, `True` where the Bot API
returns it, 400 for text it would reject), serves `getUpdates` from a queue, and
injects faults on demand: 429 with retry_after, 500, a timeout, and 403 blocked.

Once a webhook is set (setWebhook), queued updates are posted to it instead, with the
secret header, as Telegram does: an update leaves the queue only when the webhook answers
200, anything else is posted again a moment later. `balance(urls)` stands in for a load
balancer in front of several instances: posts then go to those URLs in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from enum import Enum
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

BOT_ID = 7000000001
BOT_USERNAME = "kopiena_sandbox_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024

# Parameters that the Bot API takes as plain strings; python-telegram-bot sends every
# other parameter JSON-encoded, so these must not be decoded ("123" stays text).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "query",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "title",
        "url",
        "language_code",
        "next_offset",
        "name",
        "emoji",
        "action",
        "question",
        "file_id",
        "switch_pm_text",
        "switch_pm_parameter",
        "sticker",
        "secret_token",
        "ip_address",
    }
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_RETRY = 0.2  # seconds before an update the webhook did not take is posted again
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)


class Fault(Enum):
    RETRY_AFTER = "429"
    SERVER_ERROR = "500"
    TIMEOUT = "timeout"
    BLOCKED = "403"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float
    answered: str = "ok"  # "ok", or the HTTP status of the error that answered it
    result: Any = None  # a snapshot of what the API answered

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return (
            int(value)
            if isinstance(value, int | str) and str(value).lstrip("-").isdigit()
            else None
        )


@dataclass
class UploadedFile:
    filename: str
    content: bytes


@dataclass
class _PlannedFault:
    kind: Fault
    method: str | None
    chat_id: int | None
    remaining: int
    retry_after: int
    delay: float

    def matches(self, method: str, chat_id: int | None) -> bool:
        return (self.method is None or self.method == method) and (
            self.chat_id is None or self.chat_id == chat_id
        )


class _TelegramHtml(HTMLParser):
    """Checks HTML the way Telegram does and keeps the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Unmatched end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(html_text: str) -> str:
    """The text a user sees for HTML `html_text`; ValueError where Telegram answers 400."""
    parser = _TelegramHtml()
    parser.feed(html_text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    if parser.error:
        raise ValueError(f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.text)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


@dataclass
class FakeBotApi:
    bot_id: int = BOT_ID
    bot_username: str = BOT_USERNAME
    # Telegram-like limits (benchmarks): more than `limit_rate` sends in any second, or a
    # second send to one chat within a second, answers 429 retry_after=1. 0: off.
    limit_rate: int = 0
    keep_calls: bool = True  # False: count only (long benchmarks)
    calls: list[ApiCall] = field(default_factory=list)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    # chat id -> message id -> message as Telegram would return it (kept current after edits)
    chats: dict[int, dict[int, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    commands: dict[str | None, list[dict[str, str]]] = field(default_factory=dict)
    # Benchmarks press buttons of messages this server never sent (they live on the
    # simulated phones); lenient edits accept those instead of answering 400.
    lenient: bool = False
    # Seconds every call but getUpdates takes to answer, as real Telegram's tens of ms do.
    latency: float = 0.0

    def __post_init__(self) -> None:
        self._faults: list[_PlannedFault] = []
        self._blocked: set[int] = set()
        self._answered_queries: set[str] = set()
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._updates_changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._sleepers: set[asyncio.Task[None]] = set()
        self._recent_sends: deque[float] = deque()
        self._chat_sends: dict[int, float] = {}
        self.stats: dict[str, Any] = {"sent": 0, "limited": 0, "first": None, "last": None}
        self._reset_answers()
        self.root = ""
        # Webhook delivery: what setWebhook set, the load balancer's targets, and how
        # each post was answered (HTTP status, or "error": no answer).
        self.webhook: dict[str, Any] | None = None
        self.targets: list[str] = []
        self.webhook_posts: Counter[str] = Counter()
        self.webhook_delivered: list[tuple[int, str]] = []  # (update id, target) once 200
        self.webhook_sets = 0  # setWebhook calls (each instance makes one at its start)
        self._turn = itertools.count()
        self._retry_at: dict[int, float] = {}
        self._posting: set[int] = set()
        self._deliverer: asyncio.Task[None] | None = None
        self._last_webhook_error: tuple[int, str] | None = None

    # -- lifecycle ---------------------------------------------------------------

    def _reset_answers(self) -> None:
        # For benchmarks: when each person's update was put, and how long the bot took to
        # make its first call in answer (a message, edit or button answer to that person).
        self._waiting_since: dict[int, float] = {}
        self._query_owner: dict[str, int] = {}
        self.answer_seconds: dict[int, float] = {}
        self.press_answers: dict[str, list[int]] = {}  # query id -> [accepted, refused]
        self.documents: Counter[int] = Counter()  # chat id -> files sent
        self.polls = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/stats", self._stats)
        app.router.add_post("/updates", self._put_updates)
        app.router.add_get("/answers", self._answers)
        app.router.add_post("/reset", self._reset)
        app.router.add_post("/balance", self._balance)
        app.router.add_get("/webhook", self._webhook_stats)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        bound_port = server.sockets[0].getsockname()[1]
        self.root = f"http://{host}:{bound_port}"
        return self.root

    async def stop(self) -> None:
        self._updates_changed.set()
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
            self._deliverer = None
        for task in list(self._sleepers):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- what tests set up ------------------------------------------------------------

    def inject(
        self,
        kind: Fault,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 5.0,
    ) -> None:
        """Answer the next `times` matching calls with a fault instead of a result.

        TIMEOUT holds the request `delay` seconds and then answers 504; the message is
        not delivered, as when a request never reached Telegram.
        """
        self._faults.append(_PlannedFault(kind, method, chat_id, times, retry_after, delay))

    def block(self, chat_id: int) -> None:
        """From now on every call to this chat answers 403 'bot was blocked by the user'."""
        self._blocked.add(chat_id)

    def balance(self, targets: list[str]) -> None:
        """Post webhook updates to these URLs in turn (a load balancer), not to the
        URL the bot set; a retry goes to the next one."""
        self.targets = list(targets)

    def put_update(self, update: dict[str, Any]) -> None:
        self._updates.append(update)
        self._updates_changed.set()
        for key, content in update.items():
            if key != "update_id" and isinstance(content, dict):
                person = (content.get("from") or {}).get("id")
                if isinstance(person, int):
                    self._waiting_since.setdefault(person, time.monotonic())
                    if key == "callback_query":
                        self._query_owner[str(content.get("id"))] = person
                break

    def _note_answer(self, call: ApiCall) -> None:
        query = call.params.get("callback_query_id")
        if call.method == "answerCallbackQuery" and query is not None:
            tally = self.press_answers.setdefault(str(query), [0, 0])
            tally[0 if call.answered == "ok" else 1] += 1
        if call.answered != "ok":
            return
        if call.method == "sendDocument" and call.chat_id is not None:
            self.documents[call.chat_id] += 1
        person = call.chat_id
        if person is None or person not in self._waiting_since:
            person = self._query_owner.get(str(query)) if query is not None else None
        if person is not None and person in self._waiting_since:
            self.answer_seconds[person] = time.monotonic() - self._waiting_since.pop(person)

    # -- what tests read ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        return [call for call in self.calls if call.chat_id == chat_id and call.answered == "ok"]

    # -- the server ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._read_params(request)
        call = ApiCall(method=method, params=params, at=time.monotonic())
        if method == "getUpdates":
            self.polls += 1
        elif self.keep_calls:
            self.calls.append(call)
        if self.latency and method != "getUpdates":
            await asyncio.sleep(self.latency)
        try:
            if self.limit_rate and method.startswith("send"):
                self._enforce_limits(call)
            await self._maybe_fail(call)
            result = await self._dispatch(method, params)
            if method.startswith("send"):
                self._count_send(call.at)
            if self.keep_calls:
                call.result = copy.deepcopy(result)
        except ApiError as error:
            call.answered = f"{error.code}"
            self._note_answer(call)
            return error.response()
        if method != "getUpdates":
            self._note_answer(call)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                upload = UploadedFile(value.filename, value.file.read())
                file_id = f"file-{next(self._file_ids)}"
                self.files[file_id] = upload
                params[name] = upload
            elif name in STRING_PARAMS:
                params[name] = value
            else:
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    params[name] = value
        return params

    def _enforce_limits(self, call: ApiCall) -> None:
        """Telegram's limits as a 429: `limit_rate` per second overall, one per chat."""
        now = call.at
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        chat = call.chat_id or 0
        if len(self._recent_sends) >= self.limit_rate or now - self._chat_sends.get(chat, -9) < 1.0:
            self.stats["limited"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        self._recent_sends.append(now)
        self._chat_sends[chat] = now

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats)

    async def _put_updates(self, request: web.Request) -> web.Response:
        for update in await request.json():
            self.put_update(update)
        return web.json_response({"ok": True})

    async def _answers(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "polls": self.polls,
                "commands": len(self.commands),
                "answer_seconds": {str(k): v for k, v in self.answer_seconds.items()},
                "press_answers": self.press_answers,
                "documents": {str(k): v for k, v in self.documents.items()},
            }
        )

    async def _balance(self, request: web.Request) -> web.Response:
        self.balance(list((await request.json())["targets"]))
        return web.json_response({"ok": True})

    async def _webhook_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "set": self.webhook is not None,
                "sets": self.webhook_sets,
                "pending": len(self._updates),
                "posts": dict(self.webhook_posts),
                "delivered": len(self.webhook_delivered),
            }
        )

    # -- webhook delivery ----------------------------------------------------------------

    async def _deliver_webhook(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as client:
            while self.webhook is not None:
                now = time.monotonic()
                ready = [
                    update
                    for update in self._updates
                    if update["update_id"] not in self._posting
                    and self._retry_at.get(update["update_id"], 0) <= now
                ]
                room = int(self.webhook.get("max_connections") or 40) - len(self._posting)
                if not ready or room <= 0:
                    self._updates_changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WEBHOOK_RETRY / 2):
                            await self._updates_changed.wait()
                    continue
                for update in ready[:room]:
                    self._posting.add(update["update_id"])
                    task = asyncio.create_task(self._post_update(client, self.webhook, update))
                    self._sleepers.add(task)
                    task.add_done_callback(self._sleepers.discard)

    async def _post_update(self, client: Any, webhook: dict[str, Any], update: Any) -> None:
        import aiohttp

        update_id = update["update_id"]
        target = (
            self.targets[next(self._turn) % len(self.targets)] if self.targets else webhook["url"]
        )
        headers = {}
        if webhook.get("secret_token"):
            headers[SECRET_HEADER] = str(webhook["secret_token"])
        status: int | None = None
        try:
            async with client.post(
                target, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=30)
            ) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            status = None
        finally:
            self._posting.discard(update_id)
            self._updates_changed.set()
        self.webhook_posts["error" if status is None else str(status)] += 1
        if status == 200:
            self._updates = [u for u in self._updates if u["update_id"] != update_id]
            self._retry_at.pop(update_id, None)
            self.webhook_delivered.append((update_id, target))
        else:
            self._retry_at[update_id] = time.monotonic() + WEBHOOK_RETRY
            self._last_webhook_error = (
                int(time.time()),
                "Connection refused"
                if status is None
                else f"Wrong response from the webhook: {status}",
            )

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deleteWebhook(params)
        self.webhook_sets += 1
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": int(params.get("max_connections") or 40),
        }
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if self._deliverer is None or self._deliverer.done():
            self._deliverer = asyncio.create_task(self._deliver_webhook())
        self._updates_changed.set()
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._updates_changed.set()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
            if self._last_webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._last_webhook_error
        return info

    async def _reset(self, request: web.Request) -> web.Response:
        self._reset_answers()
        self.commands.clear()
        return web.json_response({"ok": True})

    def _count_send(self, at: float) -> None:
        self.stats["sent"] += 1
        self.stats["first"] = self.stats["first"] or at
        self.stats["last"] = at

    async def _maybe_fail(self, call: ApiCall) -> None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(call.method, call.chat_id):
                fault.remaining -= 1
                if fault.kind is Fault.TIMEOUT:
                    call.answered = "504"  # the client usually gives up before we answer
                await self._raise(fault)
        if call.chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    async def _raise(self, fault: _PlannedFault) -> None:
        if fault.kind is Fault.RETRY_AFTER:
            raise ApiError(
                429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
            )
        if fault.kind is Fault.SERVER_ERROR:
            raise ApiError(500, "Internal Server Error")
        if fault.kind is Fault.BLOCKED:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        await asyncio.sleep(fault.delay)
        raise ApiError(504, "Gateway Timeout")

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Kopiena",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _new_message(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        if chat_id <= 0:
            chat["title"] = "Group"
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **content,
        }
        if self.keep_calls:
            self.chats[chat_id][message["message_id"]] = message
        return message

    def _text_content(self, params: dict[str, Any], key: str, limit: int) -> dict[str, Any]:
        raw = params.get(key)
        if raw is None:
            return {}
        raw = str(raw)
        text = raw
        if params.get("parse_mode") == "HTML":
            try:
                text = visible_text(raw)
            except ValueError as exc:
                raise ApiError(400, str(exc)) from None
        if not text.strip() and key == "text":
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(
                400, f"Bad Request: {'message' if key == 'text' else 'caption'} is too long"
            )
        return {key: text}

    def _markup(self, params: dict[str, Any]) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and len(data.encode()) > 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            return {"reply_markup": markup}
        return {}

    def _find(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        message = self.chats.get(int(chat_id or 0), {}).get(int(message_id or 0))
        if message is None and self.lenient:
            message = self._new_message(int(chat_id or 0), {"text": "…"})
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is not None:
            return await handler(params)
        if method.startswith("send"):
            return self._new_message(int(params["chat_id"]), self._markup(params))
        return True

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._updates_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._updates_changed.wait(), timeout=float(params.get("timeout") or 0)
                )
        limit = int(params.get("limit") or 100)
        return [u for u in self._updates if u["update_id"] >= offset][:limit]

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id in self._answered_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._answered_queries.add(query_id)
        return True

    async def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id"))
        if query_id in self._answered_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: too many inline query results")
        for result in results:
            content = result.get("input_message_content") or {}
            if content.get("parse_mode") == "HTML":
                try:
                    visible_text(str(content.get("message_text", "")))
                except ValueError as exc:
                    raise ApiError(400, str(exc)) from None
        self._answered_queries.add(query_id)
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[params.get("language_code")] = params.get("commands", [])
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(params.get("language_code"), [])

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        content = self._text_content(params, "text", MAX_TEXT)
        if not content:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._new_message(int(params["chat_id"]), {**content, **self._markup(params)})

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        upload = params.get("document")
        document: dict[str, Any] = {"file_id": f"doc-{next(self._file_ids)}", "file_unique_id": "u"}
        if isinstance(upload, UploadedFile):
            document |= {"file_name": upload.filename, "file_size": len(upload.content)}
        content = {"document": document, **self._text_content(params, "caption", MAX_CAPTION)}
        return self._new_message(int(params["chat_id"]), {**content, **self._markup(params)})

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        upload = params.get("photo")
        size = len(upload.content) if isinstance(upload, UploadedFile) else 0
        photo = [
            {
                "file_id": f"photo-{next(self._file_ids)}",
                "file_unique_id": "p",
                "width": 800,
                "height": 600,
                "file_size": size,
            }
        ]
        content = {"photo": photo, **self._text_content(params, "caption", MAX_CAPTION)}
        return self._new_message(int(params["chat_id"]), {**content, **self._markup(params)})

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._find(params)
        content = self._text_content(params, "text", MAX_TEXT)
        markup = self._markup(params)
        if content.get("text") == message.get("text") and markup.get("reply_markup") == message.get(
            "reply_markup"
        ):
            raise ApiError(400, "Bad Request: message is not modified")
        message.update(content)
        message.pop("reply_markup", None)
        message.update(markup)
        message["edit_date"] = int(time.time())
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._find(params)
        message.pop("reply_markup", None)
        message.update(self._markup(params))
        return message

    async def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        self._find(params)
        del self.chats[int(params["chat_id"])][int(params["message_id"])]
        return True


async def _serve_forever(
    limit_rate: int, keep_calls: bool, lenient: bool, latency_ms: float
) -> None:
    api = FakeBotApi(
        limit_rate=limit_rate, keep_calls=keep_calls, lenient=lenient, latency=latency_ms / 1000
    )
    print(await api.start(), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # a fake Bot API in its own process, for benchmarks
    import argparse

    parser = argparse.ArgumentParser(description="A fake Telegram Bot API on 127.0.0.1")
    parser.add_argument("--limit-rate", type=int, default=0, help="answer 429 above this rate")
    parser.add_argument("--count-only", action="store_true", help="keep no calls, only counts")
    parser.add_argument(
        "--lenient", action="store_true", help="accept edits of messages it never sent"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="time every call takes (not getUpdates)"
    )
    args = parser.parse_args()
    asyncio.run(_serve_forever(args.limit_rate, not args.count_only, args.lenient, args.latency_ms))
