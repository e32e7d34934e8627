"""/grant, /revoke and /users: their buttons."""

from __future__ import annotations

from enum import StrEnum

from bot.buttons import Button, button
from bot.services.users import Role


class UserFilter(StrEnum):
    """Whom /users lists: everyone, or the holders of one role."""

    ALL = "all"
    TRAINER = Role.TRAINER.value
    ORGANISER = Role.ORGANISER.value
    ADMIN = Role.ADMIN.value

    @property
    def role(self) -> Role | None:
        return None if self is UserFilter.ALL else Role(self.value)


@button("gr")
class PickToGrant(Button):
    role: Role
    page: int | None = None


@button("rv")
class PickToRevoke(Button):
    role: Role
    page: int | None = None


@button("gru")
class Grant(Button):
    role: Role
    user_id: int


@button("rvu")
class Revoke(Button):
    role: Role
    user_id: int


@button("us")
class Users(Button):
    filter: UserFilter
    page: int
