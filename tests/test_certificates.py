"""Certificates end to end: the rule (80 % by default, the survey optionally), issue after
the last session, the PDF's text, /verify and its deep link, revoke, reissue, and
attendance corrected after issue."""

from __future__ import annotations

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import Certificate, EventSurvey
from tests.certkit import (
    AFTER,
    CODE,
    answered_survey,
    course,
    documents,
    mark,
    messages,
    pdf_text,
    set_language,
    tick,
)
from tests.eventkit import NOT_ALLOWED, db, organiser
from tests.helpers import Clock, onboard
from tests.survey_kit import attach

PEOPLE = [
    ("Anna Ābele-Ģērmane", "cesu-novads"),  # 4 of 4
    ("Pēteris Kalniņš", "cesu-novads"),  # 3 of 4
    ("Cilda Čakste", "talsu-novads"),  # 4 of 4, no survey answer
]
ANNA, PETERIS, CILDA = 700_000, 700_001, 700_002


async def certificate_codes(sandbox: Sandbox) -> dict[int, list[tuple[str, str, int]]]:
    async with db(sandbox)() as session:
        found: dict[int, list[tuple[str, str, int]]] = {}
        for cert in await session.scalars(select(Certificate).order_by(Certificate.id)):
            found.setdefault(cert.user_id, []).append((cert.code, cert.status, cert.number))
        return found


async def test_rule_issue_verify_revoke_reissue_and_corrections(
    sandbox: Sandbox, clock: Clock
) -> None:
    olga = await organiser(sandbox)
    event_id, sessions, (anna, peteris, cilda) = await course(sandbox, PEOPLE)
    await set_language(sandbox, anna, "lv")
    await attach(olga, event_id, mode="Once, after the last session", anonymous=False)
    await mark(olga, sessions, anna, True)
    await mark(olga, sessions[:3], peteris, True)
    await mark(olga, sessions, cilda, True)

    screen = await olga.press_data(f"ct:{event_id}")
    assert "at least 80 % of the hours" in screen.last.text
    screen = await olga.press("☐ Survey required")
    assert "and answered the feedback survey" in screen.last.text
    async with db(sandbox)() as session:
        survey_id = await session.scalar(select(EventSurvey.id))
    for person in (anna, peteris):
        await answered_survey(sandbox, survey_id, sessions[-1], person)

    # Before the last session ends nothing is issued.
    clock.set(AFTER.replace(hour=11))
    await tick(sandbox)
    assert await certificate_codes(sandbox) == {}

    clock.set(AFTER)
    await tick(sandbox)
    codes = await certificate_codes(sandbox)
    assert list(codes) == [anna]  # Pēteris has 75 %, Cilda did not answer the survey
    [(caption, pdf)] = documents(sandbox, ANNA)
    anna_code = CODE.search(caption).group(1)  # type: ignore[union-attr]
    assert "Apsveicam" in caption
    text = pdf_text(pdf.content)
    assert "Anna Ābele-Ģērmane" in text
    assert "APLIECĪBA" in text
    assert "16 no 16" in text
    assert anna_code in text
    assert "Ģimenes asistentu kurss" in text
    assert "Olga Organizatore" in text
    assert f"verify {anna_code}" in text
    assert documents(sandbox, PETERIS) == [] and documents(sandbox, CILDA) == []
    cilda_chat = sandbox.user(CILDA, "Cilda", language_code="en")
    assert "16 h of 16 h attended; answer the feedback survey for the certificate" in (
        (await cilda_chat.send("/my")).last.text
    )

    # The organiser lowers the rule to 75 %: Pēteris gets his.
    await olga.press_data(f"ctp:{event_id}:75")
    await tick(sandbox)
    [(caption, pdf)] = documents(sandbox, PETERIS)
    peteris_code = CODE.search(caption).group(1)  # type: ignore[union-attr]
    text = pdf_text(pdf.content)
    assert "Pēteris Kalniņš" in text and "12 of 16" in text and "CERTIFICATE" in text
    assert documents(sandbox, CILDA) == []

    # Anyone can verify, also someone who never set up a profile, by command or link.
    stranger = sandbox.user(880_001, "Vera", language_code="en")
    answer = (await stranger.send(f"/verify {anna_code.lower()}")).last.text
    assert "Valid" in answer and "Anna Ābele-Ģērmane" in answer
    assert "Attended: 16 h of 16 h" in answer
    other = sandbox.user(880_002, "Ivo", language_code="en")
    answer = (await other.send(f"/start verify_{anna_code.replace('-', '')}")).last.text
    assert "Valid" in answer and "Ģimenes asistentu kurss" in answer
    assert "Wrong" not in answer
    assert "No certificate" in (await other.send("/verify ZZZZ-ZZZZ")).last.text

    # Revoke with a reason: verification says so, and Anna is told.
    await olga.press_data(f"ctu:{event_id}:{anna}")
    await olga.press("🚫 Revoke")
    replies = await olga.send("Apmeklējums reģistrēts kļūdaini")
    assert "is revoked" in replies.last.text
    await tick(sandbox)
    assert "atsaucis" in messages(sandbox, ANNA)[-1]
    answer = (await stranger.send(f"/verify {anna_code}")).last.text
    assert "Revoked" in answer and "Apmeklējums reģistrēts kļūdaini" in answer

    # Reissue Pēteris's certificate: a new code, marked as a duplicate.
    await olga.press_data(f"ctu:{event_id}:{peteris}")
    replies = await olga.press("🔁 Reissue")
    duplicate_code = CODE.search(replies.last.text).group(1)  # type: ignore[union-attr]
    assert duplicate_code != peteris_code
    await tick(sandbox)
    caption, pdf = documents(sandbox, PETERIS)[-1]
    assert "duplicate" in caption and "DUPLICATE" in pdf_text(pdf.content)
    answer = (await stranger.send(f"/verify {duplicate_code}")).last.text
    assert "Valid" in answer and "This is a duplicate." in answer

    # Attendance corrected after issue: present at session 4 too -> 16 of 16.
    await mark(olga, sessions[3:], peteris, True)
    await tick(sandbox)
    caption, pdf = documents(sandbox, PETERIS)[-1]
    assert "corrected" in caption and "16 of 16" in pdf_text(pdf.content)
    assert "now shows 16 h of 16 h" in caption  # hours and minutes in the chat, no decimals
    assert "16 h of 16 h" in (await stranger.send(f"/verify {peteris_code}")).last.text
    # ... and absent at two sessions -> 50 %, below the rule: revoked, and he is told.
    await mark(olga, sessions[2:], peteris, False)
    await tick(sandbox)
    assert "no longer meets the rule" in messages(sandbox, PETERIS)[-1]
    answer = (await stranger.send(f"/verify {peteris_code}")).last.text
    assert "Revoked" in answer and "8 h of 16 h" not in answer
    # Back to 3 of 4: valid again.
    await mark(olga, sessions[2:3], peteris, True)
    await tick(sandbox)
    assert "Valid" in (await stranger.send(f"/verify {duplicate_code}")).last.text
    assert "valid again" in documents(sandbox, PETERIS)[-1][0]

    # Issue by hand for Cilda (no survey answer): an exception the rule does not undo.
    await olga.press_data(f"ctu:{event_id}:{cilda}")
    replies = await olga.press("🎓 Issue by hand")
    assert "issued" in replies.last.text
    await tick(sandbox)
    await tick(sandbox)
    assert len(documents(sandbox, CILDA)) == 1
    statuses = await certificate_codes(sandbox)
    assert [status for _, status, _ in statuses[cilda]] == ["valid"]
    # Running again changes nothing and sends nothing more.
    sent_before = len(sandbox.api.calls)
    await tick(sandbox)
    assert len(sandbox.api.calls) == sent_before


async def test_only_the_organiser_manages_certificates_and_bad_input_is_refused(
    sandbox: Sandbox, clock: Clock
) -> None:
    await organiser(sandbox)
    event_id, _, (anna, *_) = await course(sandbox, PEOPLE[:1])
    intruder = await onboard(sandbox, 602, "Ieva Ielauza")
    for data in (
        f"ct:{event_id}",
        f"ctp:{event_id}:50",
        f"cts:{event_id}:1",
        f"ctl:{event_id}:0",
        f"cti:{event_id}:{anna}",
    ):
        replies = await intruder.press_data(data)
        assert replies.alert == NOT_ALLOWED, data
    olga = sandbox.user(501, "Olga", language_code="en")
    assert "could not accept" in ((await olga.press_data(f"ctp:{event_id}:33")).alert or "")
    assert "not registered" in ((await olga.press_data(f"cti:{event_id}:99999")).alert or "")
    assert (await olga.press_data("ctr:99999")).alert is not None
    assert await certificate_codes(sandbox) == {}
    # An unknown or malformed code answers clearly.
    assert "for example" in (await intruder.send("/verify")).last.text
    assert "No certificate" in (await intruder.send("/verify " + "Ā" * 500)).last.text


def test_the_drawn_qr_code_has_exactly_the_dark_modules_of_the_link() -> None:
    import segno

    from bot.pdf import _qr_runs, verify_link

    link = verify_link("kopiena_bot", "YDW4CWRP")
    assert link == "https://t.me/kopiena_bot?start=verify_YDW4CWRP"
    size, runs = _qr_runs(link)
    drawn = [[False] * size for _ in range(size)]
    for row, column, length in runs:
        for x in range(column, column + length):
            assert not drawn[row][x]
            drawn[row][x] = True
    expected = [[bool(module) for module in row] for row in segno.make(link, error="m").matrix]
    assert drawn == expected
