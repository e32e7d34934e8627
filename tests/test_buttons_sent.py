"""Every button the bot actually sends parses back to the typed value it was packed from.

The flows below walk the event features as people use them (the catalogue, a card,
registering, /my, cancelling, the staff screens, the team, the new-event wizard, editing,
check-in, reports, reminders, announcements, certificates, roles) against the fake Bot
API; then every callback data in every inline keyboard the bot sent or edited in is
parsed with `parse_any`, and must pack back to exactly the same data.
"""

from __future__ import annotations

from datetime import timedelta

from bot.outbox import dispatch_due
from bot.sandbox import Sandbox, SandboxUser
from bot.screens import admin as admin_screens
from bot.screens import announcements as announcement_screens
from bot.screens import attendance as attendance_screens
from bot.screens import certificates as certificate_screens
from bot.screens import edit_event as edit_screens
from bot.screens import event_staff as staff_screens
from bot.screens import event_team as team_screens
from bot.screens import events as event_screens
from bot.screens import hours as hours_screens
from bot.screens import new_event as wizard_screens
from bot.screens import privacy as privacy_screens
from bot.screens import reminders as reminder_screens
from bot.screens import reports as report_screens
from bot.screens.keyboard import Noop
from tests.buttonkit import round_trip, sent_data
from tests.eventkit import register
from tests.helpers import ADMIN_ID, Clock, make_event, make_organiser, onboard


async def participant_flows(anna: SandboxUser, event_id: int) -> None:
    await anna.send("/events")
    await anna.press("▶")  # the catalogue's second page
    await anna.press("◀")
    await anna.send(f"/start event_{event_id}")
    await anna.press("📆 Add to calendar")
    await anna.press("📝 Register")
    await anna.press("◀ Back")
    await anna.press("📝 Register")
    await anna.press("✅ Yes, register")
    await anna.press("📋 My registrations")
    await anna.press("✖ Cancel my registration")
    await anna.press("No, keep it")
    await anna.send("/my")
    await anna.send("/settings")
    await anna.press("🔕 Off:")
    await anna.press("🔕 Turn off all reminders")
    await anna.press("🔔 Turn reminders on")
    await anna.send("/hours")
    await anna.send("/forget")
    await anna.press("No, keep it")


async def staff_flows(olga: SandboxUser, event_id: int, approval_id: int) -> None:
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("👥 Registrants")
    await olga.press("◀ Back")
    await olga.press("🏘 By municipality")
    await olga.press("◀ Back")
    await olga.press("🗓 Sessions and check-in")
    await olga.press("▶ Check-in 1")
    await olga.press("✔ Mark attendance")
    await olga.press_at(0, 0)  # the first person: present
    await olga.press("◀ Sessions")
    await olga.press("◀ Back")

    await olga.press("⏰ Reminders and announcements")
    await olga.press("⏰ Reminder times")
    await olga.press("➕")
    await olga.press("↩ Back to the default")
    await olga.press("◀ Back")
    await olga.press("✖")  # a planned reminder: ask to cancel it
    await olga.press("◀ Back")
    await olga.press("📣 New announcement")
    await olga.send("Lūdzu, paņemiet līdzi personu apliecinošu dokumentu.")
    await olga.press("✅ Registered")
    await olga.press("In one hour")
    await olga.press("✏️ Change the text")
    await olga.send("Lūdzu, paņemiet līdzi pasi.")
    await olga.press("✅ Schedule")
    await olga.press("⏰ Reminders and announcements")
    await olga.press("📣 ")
    await olga.press("✏️ Change the text")
    await olga.press("✖ Cancel")
    await olga.send("/remind")
    await olga.press("Ģimenes asistentu kurss")
    await olga.send("Tikšanās sāksies laikā.")
    await olga.press("👥 Everyone registered")
    await olga.press("Now")
    await olga.press("✅ Send now")

    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("🎓 Certificates")
    await olga.press("60 %")
    await olga.press("Survey required")
    await olga.press("👥 People and certificates")
    await olga.press_at(0, 0)
    await olga.press("◀ Back")
    await olga.press("◀ Back")
    await olga.press("🏷 Programme")
    await olga.press("◀ Back")

    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Approval")
    await olga.press("No, first come first served")  # then the card again
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Certificate rule")
    await olga.press("70 %")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("Place")
    await olga.press("Clear")
    await olga.press("⚙️ Manage")
    await olga.press("✏️ Edit")
    await olga.press("👩‍🏫 Trainers")
    await olga.press("➕ Add a trainer")
    await olga.send("Olga")
    await olga.press("◀ Back")
    await olga.press("◀ Back")
    await olga.press("🗓 Sessions")
    await olga.press("✏️ 1.")
    await olga.press("✖ Cancel")
    await olga.press("🗑 Delete 1.")
    await olga.press("◀ Back")
    await olga.press("➕ Add a session")
    await olga.press("✖ Cancel")
    await olga.press("◀ Back")
    await olga.press("📄 Copy as a new draft")
    await olga.press("✖ Cancel")
    await olga.press("◀ Back")
    await olga.press("❌ Cancel event")
    await olga.press("◀ Back")

    await olga.send(f"/start event_{approval_id}")
    await olga.press("⚙️ Manage")
    await olga.press("✋ Requests")
    await olga.press("🏘 Approve by municipality")
    await olga.press("◀ Back")
    await olga.press("✖ ")  # decline the first request: asks for a reason
    await olga.press("◀ Back")


async def wizard_flow(olga: SandboxUser, day: str) -> None:
    await olga.send("/new_event")
    await olga.send("Supervīzija sociālajiem darbiniekiem")
    await olga.press("Skip")  # description
    await olga.send("Cēsis, Raunas iela 4")
    await olga.press("Skip")  # online link
    await olga.send("12")
    await olga.press("Yes, I approve")
    await olga.press("No limit")
    await olga.press("Until the first session")
    await olga.send(day)
    await olga.send("10:00")
    await olga.press("↩ Another date")
    await olga.send(day)
    await olga.send("10:00")
    await olga.send("14:00")
    await olga.press("▶ Continue")
    await olga.press("Survey required")
    await olga.press("90 %")
    await olga.press("No programme")
    await olga.press("💾 Save as draft")
    await olga.press("Open the card")
    await olga.press("✅ Publish")


async def admin_flows(admin: SandboxUser) -> None:
    await admin.send("/grant")
    await admin.press("trainer")
    await admin.press("Olga")
    await admin.send("/revoke")
    await admin.press("trainer")
    await admin.send("/users")
    await admin.press("organiser")


async def test_every_button_the_event_features_send_parses_back_to_its_value(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await make_organiser(sandbox, 700, "Olga Organizatore")
    admin = sandbox.user(ADMIN_ID, "Admin", language_code="en")
    event_id = await make_event(sandbox, 700, title="Ģimenes asistentu kurss", days=3)
    approval_id = await make_event(sandbox, 700, title="Supervīzija", needs_approval=True)
    for number in range(5):  # enough for a second catalogue page
        await make_event(sandbox, 700, title=f"Kurss {number + 1}", days=1)
    anna = await onboard(sandbox, 801, "Anna Bērziņa")
    berta = await onboard(sandbox, 802, "Berta Kalniņa", municipality="talsi")
    cita = await onboard(sandbox, 803, "Cita Ozola", municipality="riga")
    await register(berta, event_id)
    for person in (anna, berta, cita):
        await person.send(f"/start event_{approval_id}")
        await person.press("📝 Register")
        await person.press("✅ Send request")
    await olga.press("✅ Approve")  # from the message that announced Anna's request

    await participant_flows(anna, event_id)
    await staff_flows(olga, event_id, approval_id)
    day = (clock() + timedelta(days=50)).astimezone(sandbox.settings.tz).strftime("%d.%m.%Y")
    await wizard_flow(olga, day)
    await admin_flows(admin)

    # What the outbox sends: the announcement, and a reminder the day before the course.
    assert sandbox.application is not None
    await dispatch_due(sandbox.application)
    clock.advance(days=30)
    await dispatch_due(sandbox.application)

    # After the first day: attendance, then a learning record with hours in it.
    clock.advance(days=1)
    await olga.send(f"/start event_{event_id}")
    await olga.press("⚙️ Manage")
    await olga.press("🗓 Sessions and check-in")
    await olga.press("✔ Attendance 1")
    await olga.press_at(0, 0)
    await olga.press_at(1, 0)
    await berta.send("/hours")

    kinds = round_trip(sent_data(sandbox))
    expected = {
        Noop,
        event_screens.CataloguePage,
        event_screens.OpenCard,
        event_screens.AskToRegister,
        event_screens.ConfirmRegistration,
        event_screens.CalendarFile,
        event_screens.MyList,
        event_screens.AskToCancel,
        event_screens.ConfirmCancel,
        staff_screens.Manage,
        staff_screens.Decide,
        staff_screens.DecideInList,
        staff_screens.Requests,
        staff_screens.ChooseMunicipality,
        staff_screens.ApproveAll,
        staff_screens.DeclineWithoutReason,
        staff_screens.ApproveMunicipality,
        staff_screens.AskCancelEvent,
        staff_screens.CancelEvent,
        report_screens.Registrants,
        report_screens.MunicipalitySummary,
        report_screens.Export,
        attendance_screens.Sessions,
        attendance_screens.StartCheckIn,
        attendance_screens.Roster,
        attendance_screens.MarkPresent,
        reminder_screens.StaffReminders,
        reminder_screens.Offsets,
        reminder_screens.AskSkip,
        reminder_screens.Skip,
        reminder_screens.MuteAll,
        reminder_screens.MuteEvent,
        reminder_screens.MuteFromReminder,
        announcement_screens.PickEvent,
        announcement_screens.PickAudience,
        announcement_screens.PickTime,
        announcement_screens.ConfirmDraft,
        announcement_screens.BackToText,
        announcement_screens.CancelDraft,
        announcement_screens.ShowOne,
        announcement_screens.EditText,
        announcement_screens.AskCancelOne,
        certificate_screens.CertificateRules,
        certificate_screens.SetPercent,
        certificate_screens.SetSurveyNeeded,
        certificate_screens.AskProgramme,
        certificate_screens.People,
        certificate_screens.CertificateHolder,
        certificate_screens.IssueByHand,
        edit_screens.EditEvent,
        edit_screens.EditField,
        edit_screens.SetByButton,
        edit_screens.PublishDraft,
        team_screens.Trainers,
        team_screens.AskTrainer,
        team_screens.SessionsToEdit,
        team_screens.AddSession,
        team_screens.MoveSession,
        team_screens.AskDeleteSession,
        team_screens.DeleteSession,
        team_screens.AskCopy,
        wizard_screens.Choose,
        wizard_screens.Discard,
        wizard_screens.Publish,
        wizard_screens.SaveDraft,
        privacy_screens.ForgetConfirmed,
        privacy_screens.ForgetCancelled,
        hours_screens.RecordFile,
        admin_screens.PickToGrant,
        admin_screens.PickToRevoke,
        admin_screens.Grant,
        admin_screens.Users,
    }
    missing = sorted(kind.__name__ for kind in expected - set(kinds))
    assert not missing, f"the flows never showed these buttons: {missing}"


async def test_forged_values_that_fit_a_button_change_nothing(sandbox: Sandbox) -> None:
    """Typed fields take some values no screen ever offers (any word as a wizard or edit
    choice, any municipality code, any reminder time): the services refuse them."""
    olga = await make_organiser(sandbox, 700, "Olga Organizatore")
    event_id = await make_event(sandbox, 700, title="Ģimenes asistentu kurss", days=1)
    await olga.send(f"/start event_{event_id}")
    before = (await olga.press("⚙️ Manage")).last.text
    await olga.send("/new_event")
    await olga.send("Supervīzija")
    stale = "This button is no longer valid."
    for data, alert in (
        (f"ev:set:{event_id}:zzz", stale),
        (f"ev:set:{event_id}:p7", "from 50 to 100"),
        ("nw:description:yes", stale),
        ("nw:certificate:p70", stale),  # the wizard is not at that step
        (f"eqm:{event_id}:Nowhere", stale),
        (f"ro:{event_id}:a:999999999", stale),
    ):
        replies = await olga.press_data(data)
        assert replies.alert is not None and alert in replies.alert, (data, replies.alert)
        assert replies.texts == [], data
    await olga.send("Apraksts paliek vietā.")  # the other buttons paused the wizard
    await olga.press("▶ Continue the training")
    replies = await olga.send("Apraksts paliek vietā.")
    assert "Where does it take place" in replies.last.text  # the wizard goes on as before
    await olga.send(f"/start event_{event_id}")
    assert (await olga.press("⚙️ Manage")).last.text == before
