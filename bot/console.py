"""`kopiena console`: the real bot in a terminal, against the local fake Bot API.

The bot's messages are printed with their buttons numbered; typing a number presses
a button of the newest message that has buttons, anything else is sent as a message.
`/as <id or name> [lv|en|ru]` switches the simulated user; `/quit` ends.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TextIO

from bot.config import LANGUAGES, Settings
from bot.sandbox import Reply, Sandbox, SandboxUser

FIRST_CONSOLE_ID = 1001
HELP = (
    "Type a message or a command, a number to press a button, "
    "'/as <id or name> [lv|en|ru]' to switch user, '/quit' to end."
)


class Console:
    def __init__(self, sandbox: Sandbox, out: TextIO) -> None:
        self.sandbox = sandbox
        self.out = out
        self.users: dict[str, SandboxUser] = {}
        self._ids = itertools.count(FIRST_CONSOLE_ID)
        self.current = self.switch("Anna")
        self.buttons: list[tuple[dict, str]] = []

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
        return user

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
        """Act on one typed line; False when the user wants to quit."""
        line = line.rstrip("\n")
        if not line.strip():
            return True
        if line.strip() in {"/quit", "/exit"}:
            return False
        if line.startswith("/as"):
            parts = line.split()
            if len(parts) < 2 or (len(parts) > 2 and parts[2] not in LANGUAGES):
                self.say("usage: /as <id or name> [lv|en|ru]")
                return True
            user = self.switch(parts[1], parts[2] if len(parts) > 2 else None)
            self.say(f"-- now you are {user.first_name} (id {user.id}, {user.language_code})")
            return True
        if line.strip().isdigit() and self.buttons:
            number = int(line.strip())
            if not 1 <= number <= len(self.buttons):
                self.say(f"-- no button {number}; there are {len(self.buttons)}")
                return True
            message, data = self.buttons[number - 1]
            if not data:
                self.say("-- that button opens a link; nothing to press here")
                return True
            self.show(await self.current.press_data(data, message or None))
            return True
        self.show(await self.current.send(line))
        return True


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
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not stdin.isatty():
                console.say(f"{console.current.first_name}> {line.rstrip()}")
            if not await console.handle(line):
                break
        for error in sandbox.errors:
            console.say(f"-- handler error: {error!r}")
    return 0
