"""Someone holding the database file, its -wal file, a backup or the logs tries to tell
who gave which anonymous answer. Five people answer one after another on the running bot;
the attacker replays every commit in the -wal copies, reads the backup and the log, and
pairs people with answers by when each first became visible (the attack that linked
every answer before sealed drafts). On a named survey the same attack links everyone, so
the attack works; on an anonymous one every answer appears in one commit, at the close,
in random order: its best guess is chance."""

from __future__ import annotations

import io
import logging
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from tests.forensics import query, states
from tests.helpers import Clock
from tests.survey_kit import FIRST, attach, course, tick

END = FIRST + timedelta(hours=4)
ORDER = [2, 0, 4, 1, 3]  # who answers first, second... (not the order of their ids)

pytestmark = pytest.mark.sqlite_only(reason="replays the SQLite file and its -wal, page by page")


@pytest.fixture
def clock() -> Clock:
    return Clock(FIRST - timedelta(days=1))


@contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """The log as `kopiena run` writes it at its default level (INFO)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def copy_files(db_file: Path, to: Path) -> Path:
    """What an operator copying the files of the running bot gets: the file and its -wal."""
    to.mkdir()
    shutil.copy(db_file, to / db_file.name)
    wal = Path(f"{db_file}-wal")
    if wal.exists():
        shutil.copy(wal, to / wal.name)
    return to / db_file.name


def backup(db_file: Path, to: Path) -> Path:
    source = sqlite3.connect(db_file)
    target = sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()
    return to


async def answer_one_after_another(
    sandbox: Sandbox, clock: Clock, tmp_path: Path, *, anonymous: bool
) -> tuple[list[bytes], dict[int, str], dict[int, int], str]:
    """Run the story; return every database state the attacker can see (in time order),
    each answerer's written answer, their user ids, and the log."""
    db_file = Path(str(sandbox.settings.database_url).split("///", 1)[1])
    with captured_log() as log:
        olga, event_id, _sessions, people, ids = await course(sandbox, sessions=1)
        await attach(olga, event_id, anonymous=anonymous)
        clock.set(END + timedelta(minutes=15))
        await tick(sandbox)
        marks = {i: f"mark{secrets.token_hex(6)}" for i in ORDER}
        copies = []
        for n, i in enumerate(ORDER):
            person = people[i]
            await person.press("📝 Answer")
            await person.press(str(1 + i))
            await person.press("Just right")
            await person.press(str(5 - i))
            assert "Thank you" in (await person.send(f"Better coffee {marks[i]}")).last.text
            if n == 2:
                copies.append(copy_files(db_file, tmp_path / "during"))
                copies.append(backup(db_file, tmp_path / "backup.db"))
        copies.append(copy_files(db_file, tmp_path / "before-close"))
        clock.set(END + timedelta(days=7, minutes=16))
        await tick(sandbox)
        copies.append(copy_files(db_file, tmp_path / "after-close"))
    timeline = [state for copy in copies for state in states(copy, tmp_path)]
    return timeline, marks, {i: ids[i] for i in ORDER}, log.getvalue()


def first_seen_participants(timeline: list[bytes], folder: Path) -> dict[int, int]:
    seen: dict[int, int] = {}
    for index, image in enumerate(timeline):
        for (user_id,) in query(image, folder, "SELECT user_id FROM survey_participants"):
            seen.setdefault(user_id, index)
    return seen


def first_seen_marks(timeline: list[bytes], marks: dict[int, str]) -> dict[int, int]:
    """Where each written answer first appears anywhere in the raw bytes (live rows, free
    pages, overflow pages, old page images), by state."""
    seen: dict[int, int] = {}
    for index, image in enumerate(timeline):
        for person, mark in marks.items():
            if mark.encode() in image:
                seen.setdefault(person, index)
    return seen


def best_guess(
    timeline: list[bytes], participants: dict[int, int], marks: dict[int, str]
) -> dict[int, int]:
    """Pair each answerer, in the order they appeared, with the first answer that became
    visible at or after that moment (ties: the answer stored first in the file)."""
    appeared = first_seen_marks(timeline, marks)
    free = dict(appeared)
    guess = {}
    for user_id, since in sorted(participants.items(), key=lambda item: item[1]):
        candidates = [p for p, at in free.items() if at >= since] or list(free)
        if not candidates:
            break
        image = timeline[min(free[p] for p in candidates)]
        chosen = min(candidates, key=lambda p: (free[p], image.find(marks[p].encode())))
        guess[user_id] = chosen
        del free[chosen]
    return guess


async def test_the_attack_links_every_named_answer(
    sandbox: Sandbox, clock: Clock, tmp_path: Path
) -> None:
    timeline, marks, ids, _log = await answer_one_after_another(
        sandbox, clock, tmp_path, anonymous=False
    )
    participants = first_seen_participants(timeline, tmp_path)
    guess = best_guess(timeline, {ids[i]: participants[ids[i]] for i in ORDER}, marks)
    assert guess == {ids[i]: i for i in ORDER}  # 5 of 5: the attack itself works


async def test_nobody_holding_the_files_or_the_log_can_link_anonymous_answers(
    sandbox: Sandbox, clock: Clock, tmp_path: Path
) -> None:
    timeline, marks, ids, log = await answer_one_after_another(
        sandbox, clock, tmp_path, anonymous=True
    )
    participants = first_seen_participants(timeline, tmp_path)
    assert set(ids.values()) <= set(participants)  # who answered is known, in order...
    assert sorted(participants[ids[i]] for i in ORDER) == [participants[ids[i]] for i in ORDER]

    # ...but no answer is readable anywhere until the close, and then all at once.
    appeared = first_seen_marks(timeline, marks)
    assert set(appeared) == set(ORDER)
    (release,) = set(appeared.values())
    assert release > max(participants.values())
    before = timeline[release - 1]
    assert not any(
        mark.encode() in image for image in timeline[:release] for mark in marks.values()
    )
    drafts = query(before, tmp_path, "SELECT length(sealed) FROM survey_participants")
    assert len({length for (length,) in drafts}) == 1  # every sealed draft the same size

    # In the release commit the answers are stored in the order of fresh random ids, and
    # every draft is emptied at once: nothing there singles anyone out.
    image = timeline[release]
    stored = query(
        image,
        tmp_path,
        "SELECT r.id, a.text FROM survey_responses r JOIN survey_answers a "
        "ON a.response_id = r.id WHERE a.text IS NOT NULL ORDER BY r.id",
    )
    by_mark = {mark: person for person, mark in marks.items()}
    in_id_order = [by_mark[text.rsplit(" ", 1)[1]] for _, text in stored]
    in_file_order = sorted(ORDER, key=lambda p: image.find(marks[p].encode()))
    assert in_file_order in (in_id_order, in_id_order[::-1])  # a page fills from its end
    earlier_ids = {
        row[0]
        for state in timeline[:release]
        for row in query(state, tmp_path, "SELECT id FROM survey_responses")
    }
    assert not earlier_ids & {response_id for response_id, _ in stored}
    assert query(image, tmp_path, "SELECT count(*) FROM survey_participants WHERE sealed IS NULL")
    assert query(
        image, tmp_path, "SELECT count(*) FROM survey_responses WHERE user_id IS NOT NULL"
    ) == [(0,)]

    # The attacker's best guess therefore rests on the random ids alone.
    guess = best_guess(timeline, {ids[i]: participants[ids[i]] for i in ORDER}, marks)
    assert list(guess.values()) == in_file_order
    correct = sum(guess[ids[i]] == i for i in ORDER)
    print(f"attacker linked {correct} of {len(ORDER)} (chance: 1 on average)")

    # The log (INFO, the default) holds no answer and no name.
    assert not any(mark in log for mark in marks.values())
    assert "Better coffee" not in log
    for name in ("Anna", "Baiba", "Cilda", "Dace", "Elza"):
        assert name not in log
