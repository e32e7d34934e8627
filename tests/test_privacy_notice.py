"""The privacy notice names the data controller, a contact and how long data is kept,
as the operator configured them."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.sandbox import Sandbox
from tests.helpers import ADMIN_ID, onboard


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        data_controller="Labklājības ministrija, Skolas iela 28, Rīga",
        data_contact="dati@example.lv",
        retention_months=24,
    )


async def test_the_notice_names_controller_contact_and_retention(sandbox: Sandbox) -> None:
    liga = await onboard(sandbox, 401, "Līga Liepa", language="lv")
    lines = (await liga.send("/privacy")).last.text.split("\n\n")
    assert (
        "Kas atbild. Pārzinis: Labklājības ministrija, Skolas iela 28, Rīga. "
        "Jautājumi par Jūsu datiem: dati@example.lv."
    ) in lines
    assert (
        "Cik ilgi. Jūsu dati tiek glabāti ne ilgāk kā 24 mēnešus pēc tam, kad pēdējo reizi "
        "izmantojāt Kopienu; ar /forget tos var dzēst agrāk."
    ) in lines
    anna = await onboard(sandbox, 402, "Anna Bērziņa")
    text = (await anna.send("/privacy")).last.text
    assert "Data controller: Labklājības ministrija, Skolas iela 28, Rīga." in text
    assert "kept at most 24 months after you last use Kopiena" in text


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_CONTROLLER", "Biedrība „Kopā”")
    monkeypatch.setenv("RETENTION_MONTHS", "12")
    settings = Settings(_env_file=None)
    assert settings.data_controller == "Biedrība „Kopā”" and settings.retention_months == 12


async def test_with_no_retention_period_the_notice_says_data_stays_until_forget(
    database_url: str,
) -> None:
    settings = Settings(_env_file=None, database_url=database_url, admin_ids=frozenset({ADMIN_ID}))
    async with Sandbox(settings) as sandbox:
        liga = await onboard(sandbox, 401, "Līga Liepa", language="lv")
        lines = (await liga.send("/privacy")).last.text.split("\n\n")
        assert "Cik ilgi. Jūsu dati tiek glabāti, līdz Jūs tos izdzēšat ar /forget." in lines
        assert sandbox.errors == []
