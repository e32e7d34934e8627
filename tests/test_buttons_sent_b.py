"""Every button the bot sends in onboarding, the profile, the main menu, the FAQ (for
everyone and for organisers) and the funder's report parses back to the typed value it
was packed from.

The flows below walk these features as people use them against the fake Bot API; then
every callback data in every inline keyboard the bot sent or edited in is parsed with
`parse_any`, and must pack back to exactly the same data.
"""

from __future__ import annotations

from bot.sandbox import Sandbox, SandboxUser
from bot.screens import faq as faq_screens
from bot.screens import funder_report as funder_screens
from bot.screens import menu as menu_screens
from bot.screens import onboarding as onboarding_screens
from bot.screens import privacy as privacy_screens
from bot.screens import profile as profile_screens
from bot.screens.keyboard import Noop
from tests.buttonkit import round_trip, sent_data
from tests.faq_helpers import load_examples
from tests.helpers import ADMIN_ID, make_event, make_organiser, onboard


async def onboarding_flow(sandbox: Sandbox) -> SandboxUser:
    """A newcomer: the language, consent, a name, the municipality list paged both ways,
    a misspelt municipality, /help and /forget before finishing, then the workplace
    skipped."""
    ilze = sandbox.user(501, "Ilze Kalniņa", language_code="en")
    await ilze.send("/start")
    await ilze.press("English")
    await ilze.send("/forget")
    await ilze.press("No, keep it")
    await ilze.press("✅ I agree")
    await ilze.press("Use “Ilze Kalniņa”")
    await ilze.press("▶")
    await ilze.press("2/")  # the page number: answered, nothing changes
    await ilze.press("◀")
    await ilze.send("Cēsiss")
    await ilze.press("Show the full list")
    await ilze.press("Cēsu")
    replies = await ilze.press("Skip")
    assert "Main menu" in replies.texts[-1]
    return ilze


async def profile_flow(ilze: SandboxUser) -> None:
    await ilze.press("❓ Help")
    await ilze.press("👤 Profile")
    await ilze.press("✏️ Name")
    await ilze.press("Cancel")
    await ilze.press("✏️ Municipality")
    await ilze.press("▶")
    await ilze.press("Other (not a municipality)")
    await ilze.press("✏️ Workplace")
    await ilze.press("Remove")
    await ilze.press("📅 Trainings")
    await ilze.send("/start")
    await ilze.press("🔒 Privacy")
    await ilze.send("/start")
    await ilze.press("📋 My registrations")


async def faq_flow(anna: SandboxUser) -> None:
    await anna.send("/start")
    await anna.press("📚 FAQ")
    await anna.press("Certificates and hours")
    await anna.press_at(0, 0)  # the first question of the topic
    await anna.press("👍 Yes")
    await anna.press("👎 No")
    await anna.press("◀ Certificates and hours")
    await anna.press("📚 All topics")
    await anna.press("Registration and cancelling")
    await anna.send("When does the Sociālais darbs training start?")
    await anna.send("how do I get a certificate")
    await anna.press("✉️ Ask the organisers")
    await anna.press("Cancel")
    await anna.send("xyzzy plugh nothing matches")
    await anna.press("✉️ Ask the organisers")
    await anna.press("📨 Send this question")


async def faq_staff_flow(olga: SandboxUser) -> None:
    await olga.press("✍️ Answer")
    await olga.send("Jā, nākamgad.")
    await olga.press("📚 Add to the FAQ")
    await olga.press("Other questions")
    await olga.press("🌐 Language")
    await olga.press("Latviešu")
    await olga.press("✏️ Question")
    await olga.send("Vai būs vasaras skola?")
    await olga.press("✅ Save")
    await olga.press("🗑 Delete")
    await olga.press("No, keep it")
    await olga.press("✏️ Edit")
    await olga.press("🗂 Topic")
    await olga.press("Cancel")
    await olga.press("🗑 Delete")
    await olga.press("🗑 Yes, delete")
    await olga.send("/faq")
    await olga.press("➕ New entry")
    await olga.press("Cancel")
    await olga.send("/questions")
    await olga.send("/start")
    await olga.press("📨 Open questions")


async def test_every_button_sent_in_onboarding_profile_menu_and_faq_parses_back(
    sandbox: Sandbox,
) -> None:
    await load_examples(sandbox)
    ilze = await onboarding_flow(sandbox)
    await profile_flow(ilze)
    olga = await make_organiser(sandbox, 502, "Olga Ozola")
    await make_event(sandbox, 502, programme="Ģimenes asistenti")
    anna = await onboard(sandbox, 503, "Anna Bērziņa")
    await faq_flow(anna)
    await faq_staff_flow(olga)
    await olga.send("/funder")
    replies = await olga.press("Ģimenes asistenti")
    assert replies.last.file is not None
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    menu = await admin.send("/start")  # the admin's menu has every button
    assert "👥 Users" in menu.last.button_labels
    # Last: the language changes, so later labels would be in Latvian.
    await ilze.send("/profile")
    await ilze.press("🌐 Language")
    await ilze.press("Latviešu")

    kinds = round_trip(sent_data(sandbox))
    expected = {
        onboarding_screens.ChooseLanguage,
        onboarding_screens.Agree,
        onboarding_screens.UseTelegramName,
        onboarding_screens.SkipWorkplace,
        onboarding_screens.PickMunicipality,
        onboarding_screens.MunicipalityPage,
        onboarding_screens.CancelEdit,
        profile_screens.EditField,
        profile_screens.ChangeLanguage,
        menu_screens.MenuButton,
        menu_screens.HelpButton,
        privacy_screens.ForgetConfirmed,
        privacy_screens.ForgetCancelled,
        Noop,
        faq_screens.Topics,
        faq_screens.TopicPage,
        faq_screens.OpenEntry,
        faq_screens.Vote,
        faq_screens.Ask,
        faq_screens.SendSearched,
        faq_screens.Cancel,
        faq_screens.QueuePage,
        faq_screens.AnswerQuestion,
        faq_screens.PublishAnswer,
        faq_screens.NewEntry,
        faq_screens.EditEntry,
        faq_screens.DeleteEntry,
        faq_screens.DeleteConfirmed,
        faq_screens.ChangeDraft,
        faq_screens.DraftTopic,
        faq_screens.DraftLanguage,
        faq_screens.SaveDraft,
        funder_screens.ProgrammeReport,
    }
    assert expected - set(kinds) == set(), "these buttons were never sent by the flows"
    # Every press was understood: no "This button is no longer valid." along the way.
    stale = [
        call
        for call in sandbox.api.calls
        if call.method == "answerCallbackQuery"
        and "no longer valid" in str(call.params.get("text", ""))
    ]
    assert stale == []
