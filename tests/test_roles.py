"""Roles: admins grant and revoke, everything is audited, nobody else can."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from storage.models import RoleAudit, UserRole
from tests.conftest import ADMIN_ID
from tests.helpers import onboard, stored_user


async def role_rows(sandbox: Sandbox) -> list[tuple[int, str]]:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        rows = await session.execute(select(UserRole.user_id, UserRole.role))
        return sorted(tuple(row) for row in rows)


async def audit_count(sandbox: Sandbox) -> int:
    assert sandbox.runtime is not None
    async with sandbox.runtime.db() as session:
        return await session.scalar(select(func.count()).select_from(RoleAudit)) or 0


async def test_admin_grants_by_id_username_and_list_and_revokes(sandbox: Sandbox) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    anna = await onboard(sandbox, 401, "Anna Bērziņa", username="anna_b")
    await onboard(sandbox, 402, "Pēteris Kalniņš", username="peteris")

    replies = await admin.send("/grant 401 trainer")
    assert replies.texts == ["Anna Bērziņa @anna_b is now trainer."]
    replies = await admin.send("/grant @Peteris organizer")
    assert replies.texts == ["Pēteris Kalniņš @peteris is now organiser."]
    replies = await admin.send("/grant @peteris organiser")
    assert replies.texts == ["Pēteris Kalniņš @peteris already is organiser."]

    await admin.send("/grant")
    replies = await admin.press("admin")
    assert "Who should become admin?" in replies.last.text
    assert "Admin Adminiete" not in replies.last.button_labels  # already admin via ADMIN_IDS
    replies = await admin.press("Anna Bērziņa")
    assert replies.last.text == "Anna Bērziņa @anna_b is now admin."

    replies = await admin.send("/users trainer")
    assert "Anna Bērziņa @anna_b (id 401) — admin, trainer" in replies.last.text
    assert "Pēteris" not in replies.last.text
    replies = await admin.send("/users")
    assert "Pēteris Kalniņš @peteris (id 402) — organiser" in replies.last.text
    assert f"Admin Adminiete (id {ADMIN_ID}) — admin" in replies.last.text

    await admin.send("/revoke")
    await admin.press("admin")
    replies = await admin.press("Anna Bērziņa")
    assert replies.last.text == "Anna Bērziņa @anna_b is no longer admin."
    replies = await admin.send(f"/revoke {ADMIN_ID} admin")
    assert "ADMIN_IDS" in replies.texts[0]

    anna_id = (await stored_user(sandbox, 401)).id  # type: ignore[union-attr]
    assert (anna_id, "trainer") in await role_rows(sandbox)
    replies = await admin.send("/audit")
    log = replies.last.text
    assert log.count("Admin Adminiete gave") == 3 and log.count("took the role") == 1
    assert "took the role admin from Anna Bērziņa" in log
    assert await audit_count(sandbox) == 4

    # The new trainer's profile shows it.
    replies = await anna.send("/profile")
    assert "Roles: participant, trainer" in replies.last.text


async def test_non_admin_can_use_no_admin_command_or_button(sandbox: Sandbox) -> None:
    await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    mallory = await onboard(sandbox, 403, "Mallory Meža", username="mallory")
    victim = await onboard(sandbox, 404, "Zane Liepa")
    victim_id = (await stored_user(sandbox, 404)).id  # type: ignore[union-attr]
    mallory_id = (await stored_user(sandbox, 403)).id  # type: ignore[union-attr]
    before = await role_rows(sandbox)

    for command in (
        "/grant 403 admin",
        "/grant",
        "/revoke 9001 admin",
        "/users",
        "/audit",
        "/users admin",
    ):
        replies = await mallory.send(command)
        assert replies.texts == ["Sorry, you are not allowed to do that."], command
    for data in (
        f"gru:admin:{mallory_id}",
        f"rvu:trainer:{victim_id}",
        "gr:admin",
        "rv:organiser:0",
        "us:all:0",
        "menu:users",
        "menu:audit",
    ):
        replies = await mallory.press_data(data)
        assert replies.alert == "Sorry, you are not allowed to do that.", data
        assert replies.messages == []
    assert await role_rows(sandbox) == before
    assert await audit_count(sandbox) == 0

    help_text = (await mallory.send("/help")).last.text
    assert "/grant" not in help_text and "/profile" in help_text
    menu = (await mallory.send("/start")).last.button_labels
    assert "👥 Users" not in menu
    assert victim is not None


async def test_admin_sees_admin_tools_and_bad_references_are_explained(sandbox: Sandbox) -> None:
    admin = await onboard(sandbox, ADMIN_ID, "Admin Adminiete")
    assert "/grant" in (await admin.send("/help")).last.text
    assert "👥 Users" in (await admin.send("/start")).last.button_labels
    replies = await admin.send("/grant @nobody trainer")
    assert replies.texts[0].startswith("I don't know anyone as “@nobody”")
    replies = await admin.send("/grant 401 wizard")
    assert replies.texts[0] == "Unknown role “wizard”. Roles: trainer, organiser, admin."
    replies = await admin.press_data("gru:trainer:999999")
    assert replies.alert is not None and "I don't know anyone" in replies.alert
    replies = await admin.press_data("gru:superuser:1")
    assert replies.alert == "This button is no longer valid."
    assert await audit_count(sandbox) == 0
