"""`kopiena console`: the real bot in a terminal, against the local fake Bot API.

The bot's messages are printed with their buttons numbered; typing a number (or
`/press N`) presses a button of the newest message that has buttons, anything else is
sent as a message. A line that starts with a backslash is sent as it is without it
(`\\25` sends "25"), a line that ends with a backslash goes on in the next line (a
message of several lines). Messages the bot sends to the other simulated users are
shown too, marked with the recipient. `/as <id or name> [lv|en|ru]` switches the
simulated user; `/quit` ends.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TextIO

from bot.config import LANGUAGES, Settings
from bot.sandbox import Reply, Sandbox, SandboxUser, reply_from

FIRST_CONSOLE_ID = 1001
HELP = (
    "Type a message or a command; a number or '/press N' presses button N; "
    "'\\' first sends the line as text (\\25 sends 25); '\\' at the end of a line "
    "goes on in the next line; '/as <id or name> [lv|en|ru]' switches user; '/quit' ends."
)


class Console:
    def __init__(self, sandbox: Sandbox, out: TextIO) -> None:
        self.sandbox = sandbox
        self.out = out
        self.users: dict[str, SandboxUser] = {}
        self._ids = itertools.count(FIRST_CONSOLE_ID)
        self.buttons: list[tuple[dict, str]] = []
        self.current = self.switch("Anna")
        self.seen = 0  # API calls already shown

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def switch(self, who: str, language: str | None = None) -> SandboxUser:
        key = who.lower()
        user = self.users.get(key)
        if user is None:
            telegram_id = int(who) if who.lstrip("-").isdigit() else next(self._ids)
            name = who if not who.lstrip("-").isdigit() else f"User {who}"
            user = self.sandbox.user(telegram_id, name, language_code=language or "lv")
            self.users[key] = user
        elif language:
            user.language_code = language
        self.current = user
        self.buttons = []  # numbers belong to the previous user's messages
        return user

    def name_of(self, chat_id: int) -> str:
        for user in self.users.values():
            if user.id == chat_id:
                return f"{user.first_name} (id {chat_id})"
        return f"id {chat_id}"

    def show_others(self) -> None:
        """What the bot sent to other simulated users since the last look."""
        calls = self.sandbox.api.calls
        for call in calls[self.seen :]:
            chat_id = call.chat_id
            if chat_id is None or chat_id == self.current.id or call.answered != "ok":
                continue
            if not call.method.startswith("send"):
                continue
            reply = reply_from(call)
            prefix = f"to {self.name_of(chat_id)}> "
            if reply.text:
                self.say(prefix + reply.text.replace("\n", "\n     "))
            if reply.file is not None:
                self.say(f"{prefix}[file {reply.file.filename}]")
            if reply.button_labels:
                self.say("     (buttons: " + " | ".join(reply.button_labels) + ")")
        self.seen = len(calls)

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.method in {"answerCallbackQuery", "sendChatAction"}:
                if reply.params.get("text"):
                    self.say(f"  (notice) {reply.params['text']}")
                continue
            if reply.method == "editMessageReplyMarkup" and not reply.buttons:
                continue  # buttons removed after a press: nothing new to read
            label = "edited" if reply.method.startswith("edit") else "bot"
            if reply.text:
                self.say(f"{label}> " + reply.text.replace("\n", "\n     "))
            if reply.file is not None:
                self.say(f"{label}> [file {reply.file.filename}, {len(reply.file.content)} bytes]")
            if reply.buttons:
                message = self.sandbox.api.chats[self.current.id].get(reply.message_id or 0)
                self.buttons = []
                for row in reply.buttons:
                    cells = []
                    for button in row:
                        self.buttons.append((message or {}, button.get("callback_data", "")))
                        target = f" -> {button['url']}" if "url" in button else ""
                        cells.append(f"[{len(self.buttons)}] {button['text']}{target}")
                    self.say("     " + "  ".join(cells))

    async def handle(self, line: str) -> bool:
        """Act on one typed line (or lines joined by a trailing backslash); False when
        the user wants to quit."""
        try:
            return await self._handle(line.rstrip("\n"))
        finally:
            self.show_others()

    async def _handle(self, line: str) -> bool:
        if not line.strip():
            return True
        if line.startswith("\\"):
            self.show(await self.current.send(line[1:]))
            return True
        if line.strip() in {"/quit", "/exit"}:
            return False
        if line.split()[0] == "/press":
            argument = line.split()[1:]
            if len(argument) != 1 or not argument[0].isdigit():
                self.say("usage: /press N (the number shown before a button)")
                return True
            return await self.press(int(argument[0]))
        if line.startswith("/as"):
            parts = line.split()
            if len(parts) < 2 or (len(parts) > 2 and parts[2] not in LANGUAGES):
                self.say("usage: /as <id or name> [lv|en|ru]")
                return True
            user = self.switch(parts[1], parts[2] if len(parts) > 2 else None)
            self.say(f"-- now you are {user.first_name} (id {user.id}, {user.language_code})")
            return True
        if line.strip().isdigit() and self.buttons:
            return await self.press(int(line.strip()))
        self.show(await self.current.send(line))
        return True

    async def press(self, number: int) -> bool:
        if not 1 <= number <= len(self.buttons):
            self.say(f"-- no button {number}; there are {len(self.buttons)}")
            return True
        message, data = self.buttons[number - 1]
        if not data:
            self.say("-- that button opens a link; nothing to press here")
            return True
        self.show(await self.current.press_data(data, message or None))
        return True


async def read_message(stdin: TextIO) -> str:
    """One typed line, or several when each but the last ends with a backslash."""
    lines: list[str] = []
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return "\n".join(lines)
        line = line.rstrip("\n")
        if line.endswith("\\") and not line.endswith("\\\\"):
            lines.append(line[:-1])
            continue
        lines.append(line)
        return "\n".join(lines) + "\n"


async def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    async with Sandbox(settings) as sandbox:
        console = Console(sandbox, out)
        console.say(f"Kopiena console, database {settings.database_url}")
        console.say(HELP)
        console.say(f"-- you are {console.current.first_name} (id {console.current.id})")
        while True:
            if stdin.isatty():
                out.write(f"{console.current.first_name}> ")
                out.flush()
            line = await read_message(stdin)
            if not line:
                break
            if not stdin.isatty():
                echo = line.rstrip("\n").replace("\n", "\n     ")
                console.say(f"{console.current.first_name}> {echo}")
            if not await console.handle(line):
                break
        for error in sandbox.errors:
            console.say(f"-- handler error: {error!r}")
    return 0
