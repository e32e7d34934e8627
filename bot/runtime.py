"""What every handler and job shares: settings, the database and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import CallbackContext

from bot.config import Settings
from bot.keys import derive, installation_secret
from bot.logs import set_pseudonym_secret
from bot.services.sealing import Sealer
from storage.db import Database, create_engine, create_sessionmaker


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    db: Database
    clock: Callable[[], datetime] = field(default=system_clock)
    sealer: Sealer = field(init=False, repr=False)
    # Chats of people who ran /forget: messages already claimed for them are not sent.
    forgotten_chats: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        secret = installation_secret(self.settings)
        self.sealer = Sealer(derive(secret, "anonymous-drafts"))
        set_pseudonym_secret(secret)

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], datetime] = system_clock
    ) -> Runtime:
        engine = create_engine(settings.database_url, hide_parameters=settings.log_level != "DEBUG")
        return cls(settings=settings, engine=engine, db=create_sessionmaker(engine), clock=clock)

    async def close(self) -> None:
        await self.engine.dispose()


RUNTIME_KEY = "runtime"


def get_runtime(context: CallbackContext[Any, Any, Any, Any]) -> Runtime:
    return context.application.bot_data[RUNTIME_KEY]
