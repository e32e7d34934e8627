"""Admin tools: /grant, /revoke, /users and /audit (role checks live in bot/services/roles)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.screens.admin import (
    Grant,
    PickToGrant,
    PickToRevoke,
    Revoke,
    UserFilter,
    Users,
    change_text,
    member_line,
    role_buttons,
    role_name,
)
from bot.screens.keyboard import Row, page_row
from bot.services import roles
from bot.services.users import Role
from handlers.common import Context, guarded, on_press, say, who


async def _role_command(update: Update, context: Context, granting: bool) -> None:
    person, tr = await who(update, context)
    roles.require(person, Role.ADMIN)
    args = context.args or []
    settings = context.runtime.settings
    if len(args) >= 2:
        role = roles.parse_role(args[-1])
        action = roles.grant if granting else roles.revoke
        change = await action(context.runtime.db, person, args[0], role, settings.admin_ids)
        await say(update, change_text(tr, change, granting))
        return
    usage = (
        tr._("Which role do you want to give? Or type /grant @username role.")
        if granting
        else tr._("Which role do you want to take away? Or type /revoke @username role.")
    )
    await say(update, usage, role_buttons(tr, granting))


@guarded
async def grant_command(update: Update, context: Context) -> None:
    await _role_command(update, context, granting=True)


@guarded
async def revoke_command(update: Update, context: Context) -> None:
    await _role_command(update, context, granting=False)


async def pick_to_grant(update: Update, context: Context, press: PickToGrant) -> None:
    await pick_person(update, context, press.role, press.page or 0, granting=True)


async def pick_to_revoke(update: Update, context: Context, press: PickToRevoke) -> None:
    await pick_person(update, context, press.role, press.page or 0, granting=False)


async def pick_person(
    update: Update, context: Context, role: Role, page: int, *, granting: bool
) -> None:
    """The people the role can go to (or be taken from)."""
    person, tr = await who(update, context)
    found, pages = await roles.members(
        context.runtime.db,
        person,
        context.runtime.settings.admin_ids,
        role,
        holders=not granting,
        page=page,
    )
    if not found:
        await say(update, tr._("Nobody to choose from."), edit=True)
        return
    choose = Grant if granting else Revoke
    pick = PickToGrant if granting else PickToRevoke
    rows: list[Row] = [[(m.label[:60], choose(role, m.id))] for m in found]
    if pages > 1:
        rows.append(page_row(lambda n: pick(role, n), page, pages))
    question = (
        tr._("Who should become {role}?", role=role_name(tr, role))
        if granting
        else tr._("Who should stop being {role}?", role=role_name(tr, role))
    )
    await say(update, question, rows, edit=True)


async def grant_to(update: Update, context: Context, press: Grant) -> None:
    await apply_pick(update, context, press.role, press.user_id, granting=True)


async def revoke_from(update: Update, context: Context, press: Revoke) -> None:
    await apply_pick(update, context, press.role, press.user_id, granting=False)


async def apply_pick(
    update: Update, context: Context, role: Role, user_id: int, *, granting: bool
) -> None:
    person, tr = await who(update, context)
    action = roles.grant if granting else roles.revoke
    change = await action(
        context.runtime.db, person, user_id, role, context.runtime.settings.admin_ids
    )
    await say(update, change_text(tr, change, granting), edit=True)


async def _list_users(update: Update, context: Context, role: Role | None, page: int) -> None:
    person, tr = await who(update, context)
    found, pages = await roles.members(
        context.runtime.db, person, context.runtime.settings.admin_ids, role, page=page
    )
    title = (
        tr._("<b>Users with the role {role}</b>", role=role_name(tr, role))
        if role
        else tr._("<b>All users</b>")
    )
    lines = [title, *(member_line(tr, m) for m in found)] if found else [title, tr._("Nobody yet.")]
    key = UserFilter(role.value) if role else UserFilter.ALL
    filters: Row = [(role_name(tr, r), Users(UserFilter(r.value), 0)) for r in Role]
    rows = [page_row(lambda n: Users(key, n), page, pages), filters] if pages > 1 else [filters]
    await say(update, "\n".join(lines), rows, edit=update.callback_query is not None)


@guarded
async def users_command(update: Update, context: Context) -> None:
    person, _ = await who(update, context)
    roles.require(person, Role.ADMIN)
    args = context.args or []
    role = roles.parse_role(args[0]) if args and args[0] not in ("all", "participant") else None
    await _list_users(update, context, role, 0)


async def users_page(update: Update, context: Context, press: Users) -> None:
    await _list_users(update, context, press.filter.role, press.page)


@guarded
async def audit_command(update: Update, context: Context) -> None:
    person, tr = await who(update, context)
    entries = await roles.audit_log(context.runtime.db, person)
    if not entries:
        await say(update, tr._("No role changes yet."))
        return
    lines = [tr._("<b>Latest role changes</b>")]
    for entry in entries:
        template = (
            tr._("{when}: {actor} gave {target} the role {role}")
            if entry.action == "grant"
            else tr._("{when}: {actor} took the role {role} from {target}")
        )
        lines.append(
            template.format(
                when=tr.datetime(entry.at),
                actor=escape(entry.actor),
                target=escape(entry.target),
                role=role_name(tr, entry.role),
            )
        )
    await say(update, "\n".join(lines))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("grant", grant_command))
    application.add_handler(CommandHandler("revoke", revoke_command))
    application.add_handler(CommandHandler("users", users_command))
    application.add_handler(CommandHandler("audit", audit_command))
    on_press(application, PickToGrant, pick_to_grant)
    on_press(application, PickToRevoke, pick_to_revoke)
    on_press(application, Grant, grant_to)
    on_press(application, Revoke, revoke_from)
    on_press(application, Users, users_page)
