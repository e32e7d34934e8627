"""/grant, /revoke, /users and /audit: their buttons and what they show."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from bot.buttons import Button, button
from bot.i18n import Translator
from bot.screens.keyboard import Rows
from bot.services.roles import Member, RoleChange
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


def role_name(tr: Translator, role: Role | str) -> str:
    names = {"trainer": tr._("trainer"), "organiser": tr._("organiser"), "admin": tr._("admin")}
    return names.get(str(role), str(role))


def member_line(tr: Translator, member: Member) -> str:
    held = ", ".join(role_name(tr, role) for role in member.roles) or tr._("participant")
    return f"{escape(member.label)} (id {member.telegram_id}) — {held}"


def change_text(tr: Translator, change: RoleChange, granting: bool) -> str:
    values = {"who": escape(change.member.label), "role": role_name(tr, change.role)}
    if granting:
        if change.changed:
            return tr._("{who} is now {role}.", **values)
        return tr._("{who} already is {role}.", **values)
    if change.changed:
        return tr._("{who} is no longer {role}.", **values)
    return tr._("{who} was not {role}.", **values)


def role_buttons(tr: Translator, granting: bool) -> Rows:
    pick = PickToGrant if granting else PickToRevoke
    return [[(role_name(tr, role), pick(role)) for role in Role]]
