"""Survey templates: the shipped default and the ones organisers build in the chat.

A question is of one of the kinds in bot/survey_kinds (a 1-5 rating, a single choice of
2-6 options, a free text...). Its wording is kept per language; an organiser's
own question has the wording they typed, shown to everyone. A template that an event
survey uses is locked: its questions no longer change, so results stay comparable.

Building a template is a dialog (SURVEY_BUILD): name, then for each question its text,
a choice's options (one per line), and whether it is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_
from bot.services import dialogs
from bot.services.errors import InvalidInput, NotAllowed, NotFound, Stale
from bot.services.users import Person, Role
from bot.survey_kinds import KINDS, kind_of
from storage.db import insert
from storage.models import Dialog, EventSurvey, SurveyQuestion, SurveyTemplate

QUESTION_LIMIT = 300
NAME_LIMIT = 80
OPTION_LIMIT = 40
MIN_OPTIONS, MAX_OPTIONS = 2, 6
MAX_QUESTIONS = 12
SURVEY_BUILD = "survey_build"
DEFAULT_KEY = "default"
DEFAULT_NAME = N_("Standard: quality, volume, practical use")

# The evaluation the family-assistant pilot asks for: quality, volume, applicability.
DEFAULT_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "kind": "rating",
        "required": True,
        "texts": {
            "lv": "Kā Jūs kopumā vērtējat nodarbības kvalitāti?",
            "en": "Overall, how would you rate the quality of the session?",
            "ru": "Как вы в целом оцениваете качество занятия?",
        },
    },
    {
        "kind": "choice",
        "required": True,
        "texts": {
            "lv": "Vai nodarbības apjoms bija piemērots?",
            "en": "Was the amount of content right?",
            "ru": "Подходящим ли был объём занятия?",
        },
        "options": [
            {"lv": "Par maz", "en": "Too little", "ru": "Слишком мало"},
            {"lv": "Tieši piemērots", "en": "Just right", "ru": "В самый раз"},
            {"lv": "Par daudz", "en": "Too much", "ru": "Слишком много"},
        ],
    },
    {
        "kind": "rating",
        "required": True,
        "texts": {
            "lv": "Cik noderīgs nodarbībā apgūtais būs Jūsu ikdienas darbā?",
            "en": "How useful will what you learned be in your daily work?",
            "ru": "Насколько полезно изученное будет в вашей повседневной работе?",
        },
    },
    {
        "kind": "text",
        "required": False,
        "texts": {
            "lv": "Ko Jūs uzlabotu?",
            "en": "What would you improve?",
            "ru": "Что бы вы улучшили?",
        },
    },
)


def wording(texts: dict[str, str], language: str) -> str:
    """The wording in this language, else Latvian, else whatever there is."""
    return texts.get(language) or texts.get("lv") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class QuestionView:
    id: int
    position: int
    kind: str
    required: bool
    texts: dict[str, str]
    options: tuple[dict[str, str], ...]

    def text(self, language: str) -> str:
        return wording(self.texts, language)

    def option(self, index: int, language: str) -> str:
        return wording(self.options[index], language)


@dataclass(frozen=True)
class TemplateView:
    id: int
    key: str | None
    name: str
    author_id: int | None
    questions: tuple[QuestionView, ...]
    in_use: bool

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT_KEY


def question_view(row: SurveyQuestion) -> QuestionView:
    return QuestionView(
        row.id,
        row.position,
        row.kind,
        row.required,
        dict(row.texts or {}),
        tuple(dict(o) for o in row.options or ()),
    )


async def load_questions(session: AsyncSession, template_id: int) -> tuple[QuestionView, ...]:
    rows = await session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.template_id == template_id)
        .order_by(SurveyQuestion.position)
    )
    return tuple(question_view(row) for row in rows)


async def load_template(session: AsyncSession, template_id: int) -> TemplateView:
    row = await session.get(SurveyTemplate, template_id)
    if row is None:
        raise NotFound(N_("This survey template does not exist."))
    in_use = bool(
        await session.scalar(
            select(func.count()).select_from(EventSurvey).where(EventSurvey.template_id == row.id)
        )
    )
    return TemplateView(
        row.id, row.key, row.name, row.author_id, await load_questions(session, row.id), in_use
    )


async def ensure_default_template(db: async_sessionmaker[AsyncSession]) -> int:
    """Create the shipped template once (safe to run at every start); a template created
    by an older release gets the current wording (same questions and options, so answers
    already given keep their meaning)."""
    async with db() as session:
        found = await session.scalar(
            select(SurveyTemplate.id).where(SurveyTemplate.key == DEFAULT_KEY)
        )
    if found is not None:
        await _refresh_default_wording(db, found)
        return found
    async with db.begin() as session:
        await session.execute(
            insert(session)(SurveyTemplate)
            .values(key=DEFAULT_KEY, name="Standard")
            .on_conflict_do_nothing(index_elements=[SurveyTemplate.key])
        )
        template_id = await session.scalar(
            select(SurveyTemplate.id).where(SurveyTemplate.key == DEFAULT_KEY)
        )
        assert template_id is not None
        if not await load_questions(session, template_id):
            for position, question in enumerate(DEFAULT_QUESTIONS):
                session.add(
                    SurveyQuestion(
                        template_id=template_id,
                        position=position,
                        kind=question["kind"],
                        required=question["required"],
                        texts=question["texts"],
                        options=question.get("options", []),
                    )
                )
        return template_id


async def _refresh_default_wording(db: async_sessionmaker[AsyncSession], template_id: int) -> None:
    query = (
        select(SurveyQuestion)
        .where(SurveyQuestion.template_id == template_id)
        .order_by(SurveyQuestion.position)
    )
    async with db() as session:
        stored = [(q.kind, q.texts, q.options) for q in await session.scalars(query)]
    shipped = [(q["kind"], q["texts"], q.get("options", [])) for q in DEFAULT_QUESTIONS]
    if stored == shipped[: len(stored)]:
        return  # the usual start: nothing to write
    async with db.begin() as session:
        for question, (kind, texts, options) in zip(
            await session.scalars(query), shipped, strict=False
        ):
            if question.kind != kind or len(question.options) != len(options):
                continue
            question.texts = dict(texts)
            question.options = [dict(option) for option in options]


def require_organiser(person: Person) -> None:
    if not person.can(Role.ORGANISER):
        raise NotAllowed()


async def templates(db: async_sessionmaker[AsyncSession], person: Person) -> list[TemplateView]:
    """Every template with at least one question, and the person's own empty ones; the
    default first."""
    require_organiser(person)
    async with db() as session:
        ids = list(
            await session.scalars(
                select(SurveyTemplate.id).order_by(SurveyTemplate.key.is_(None), SurveyTemplate.id)
            )
        )
        found = [await load_template(session, i) for i in ids]
    return [t for t in found if t.questions or t.author_id == person.id]


async def template(
    db: async_sessionmaker[AsyncSession], person: Person, template_id: int
) -> TemplateView:
    require_organiser(person)
    async with db() as session:
        return await load_template(session, template_id)


def _may_edit(person: Person, found: TemplateView) -> None:
    if found.is_default or not (person.can(Role.ADMIN) or found.author_id == person.id):
        raise NotAllowed()
    if found.in_use:
        raise InvalidInput(
            N_("This template is already used by a survey, so its questions cannot change.")
        )


# -- building a template in the chat -----------------------------------------------------


class BuildStep(StrEnum):
    """The template builder's dialog steps (and DONE once a template was made)."""

    NAME = "name"
    TEXT = "text"
    OPTIONS = "options"
    REQUIRED = "required"
    DONE = "done"


@dataclass(frozen=True)
class BuildState:
    """Where the builder is."""

    step: BuildStep
    template_id: int | None
    kind: str | None


async def start_template(
    db: async_sessionmaker[AsyncSession], person: Person, now: datetime
) -> None:
    require_organiser(person)
    await dialogs.open_dialog(db, person.id, SURVEY_BUILD, BuildStep.NAME, now=now)


async def start_question(
    db: async_sessionmaker[AsyncSession],
    person: Person,
    template_id: int,
    kind: str,
    now: datetime,
) -> TemplateView:
    if kind not in KINDS:
        raise Stale()
    found = await template(db, person, template_id)
    _may_edit(person, found)
    if len(found.questions) >= MAX_QUESTIONS:
        raise InvalidInput(
            N_("A template can have at most {count} questions."), count=MAX_QUESTIONS
        )
    await dialogs.open_dialog(
        db,
        person.id,
        SURVEY_BUILD,
        BuildStep.TEXT,
        {"template": template_id, "kind": kind},
        now=now,
    )
    return found


def _clean(text: str) -> str:
    return " ".join(text.split())


async def typed(
    db: async_sessionmaker[AsyncSession], person: Person, text: str, now: datetime
) -> tuple[BuildState, int | None]:
    """A message typed into the builder; returns the next state and the template id once
    a new template was made."""
    require_organiser(person)
    dialog = person.dialog
    if dialog is None or dialog.name != SURVEY_BUILD:
        raise Stale()
    data = dict(dialog.data)
    if dialog.step == BuildStep.NAME:
        name = _clean(text)
        if not name or len(name) > NAME_LIMIT:
            raise InvalidInput(
                N_("Please give a name of 1 to {limit} characters."), limit=NAME_LIMIT
            )
        async with db.begin() as session:
            row = SurveyTemplate(name=name, author_id=person.id)
            session.add(row)
            await session.flush()
            template_id = row.id
        await dialogs.close_dialog(db, person.id, SURVEY_BUILD)
        return BuildState(BuildStep.DONE, template_id, None), template_id
    if dialog.step == BuildStep.TEXT:
        wording_ = _clean(text)
        if not wording_ or len(wording_) > QUESTION_LIMIT:
            raise InvalidInput(
                N_("Please type a question of 1 to {limit} characters."), limit=QUESTION_LIMIT
            )
        data["text"] = wording_
        data["language"] = person.language
        step = (
            BuildStep.OPTIONS if kind_of(str(data.get("kind"))).has_options else BuildStep.REQUIRED
        )
        await dialogs.move_dialog(db, person.id, SURVEY_BUILD, BuildStep.TEXT, step, data, now)
        return BuildState(step, data.get("template"), data.get("kind")), None
    if dialog.step == BuildStep.OPTIONS:
        options = [_clean(line) for line in text.splitlines() if _clean(line)]
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise InvalidInput(
                N_("Please type {low} to {high} options, one per line."),
                low=MIN_OPTIONS,
                high=MAX_OPTIONS,
            )
        if any(len(option) > OPTION_LIMIT for option in options):
            raise InvalidInput(
                N_("Each option can have at most {limit} characters."), limit=OPTION_LIMIT
            )
        if len(set(options)) != len(options):
            raise InvalidInput(N_("The options must differ from each other."))
        data["options"] = options
        await dialogs.move_dialog(
            db, person.id, SURVEY_BUILD, BuildStep.OPTIONS, BuildStep.REQUIRED, data, now
        )
        return BuildState(BuildStep.REQUIRED, data.get("template"), data.get("kind")), None
    raise InvalidInput(N_("Please use the buttons."))


async def finish_question(
    db: async_sessionmaker[AsyncSession], person: Person, template_id: int, required: bool
) -> TemplateView:
    """The required/optional button: add the question the dialog holds."""
    require_organiser(person)
    dialog = person.dialog
    if (
        dialog is None
        or dialog.name != SURVEY_BUILD
        or dialog.step != BuildStep.REQUIRED
        or dialog.data.get("template") != template_id
    ):
        raise Stale()
    data = dialog.data
    language = str(data.get("language") or person.language)
    async with db.begin() as session:
        # Taking the dialog row in the same transaction: a double press adds one question.
        taken = await session.execute(
            delete(Dialog).where(
                Dialog.user_id == person.id,
                Dialog.name == SURVEY_BUILD,
                Dialog.step == BuildStep.REQUIRED,
            )
        )
        if not taken.rowcount:
            raise Stale()
        found = await load_template(session, template_id)
        _may_edit(person, found)
        if len(found.questions) >= MAX_QUESTIONS:
            raise InvalidInput(
                N_("A template can have at most {count} questions."), count=MAX_QUESTIONS
            )
        session.add(
            SurveyQuestion(
                template_id=template_id,
                position=len(found.questions),
                kind=str(data["kind"]),
                required=required,
                texts={language: str(data["text"])},
                options=[{language: str(o)} for o in data.get("options", [])],
            )
        )
    return await template(db, person, template_id)
