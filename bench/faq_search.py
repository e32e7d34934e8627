"""FAQ search over 2,000 entries: latency and top-3 hit rate. Prints figures, asserts nothing.

    python bench/faq_search.py [--rounds 25]

Builds a temporary SQLite database (migrations applied) with the 15 entries of
examples/faq.yaml plus 1,985 generated ones: questions about specific trainings in
specific municipalities, in Latvian, English and Russian, like those an FAQ collects over
a few years. Then it runs the labelled queries of bench/faq_queries.yaml (tuned on,
hold-out, fresh) through `bot.services.faq.search` (the call the bot makes, including
the check that the index is current) and through the in-memory index alone.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import faq, faq_editor
from bot.services.faq_io import parse
from bot.services.municipalities import all_municipalities
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade

TOTAL = 2000

TRAININGS = [
    (
        "Darbs ar ģimenēm krīzes situācijā",
        "Working with families in crisis",
        "Работа с семьями в кризисной ситуации",
    ),
    (
        "Gadījuma vadīšana sociālajā darbā",
        "Case management in social work",
        "Ведение случая в социальной работе",
    ),
    ("Motivējošā intervēšana", "Motivational interviewing", "Мотивационное интервьюирование"),
    (
        "Supervīzija un izdegšanas novēršana",
        "Supervision and preventing burnout",
        "Супервизия и профилактика выгорания",
    ),
    (
        "Jauniešu atbalsts pēc ārpusģimenes aprūpes",
        "Supporting young people leaving care",
        "Поддержка молодёжи после внесемейного ухода",
    ),
    (
        "Vardarbības atpazīšana ģimenē",
        "Recognising domestic violence",
        "Распознавание насилия в семье",
    ),
    (
        "Sociālās prasmes ģimenēm ar bērniem",
        "Social skills for families with children",
        "Социальные навыки для семей с детьми",
    ),
    (
        "Darbs ar personām ar garīga rakstura traucējumiem",
        "Working with people with mental disorders",
        "Работа с людьми с психическими расстройствами",
    ),
    (
        "Starpinstitucionālā sadarbība bērnu tiesību aizsardzībā",
        "Inter-agency work in child protection",
        "Межведомственное сотрудничество в защите прав детей",
    ),
    ("Ētika sociālajā darbā", "Ethics in social work", "Этика в социальной работе"),
    ("Klientu lietu dokumentēšana", "Documenting client cases", "Документирование дел клиентов"),
    ("Kopienas sociālais darbs", "Community social work", "Общинная социальная работа"),
]

# (lv question, lv answer, en question, en answer, ru question, ru answer, category)
TEMPLATES = [
    (
        "Kur notiek mācības “{lv}” ({place})?",
        "Mācības “{lv}” notiek {place}, {venue_lv}. Sākums plkst. {hour}:00, ierašanās no "
        "{early}:30.",
        "Where is the training “{en}” ({place}) held?",
        "The training “{en}” is held in {place}, {venue_en}. It starts at {hour}:00; doors open "
        "at {early}:30.",
        "Где проходит обучение «{ru}» ({place})?",
        "Обучение «{ru}» проходит в {place}, {venue_ru}. Начало в {hour}:00, вход с {early}:30.",
        "venues",
    ),
    (
        "Vai mācībām “{lv}” ({place}) ir tiešsaistes daļa?",
        "Jā, {days}. dienu mācības “{lv}” notiek tiešsaistē; pārējās dienas klātienē {place}.",
        "Does the training “{en}” ({place}) have an online part?",
        "Yes, day {days} of “{en}” is online; the other days are in person in {place}.",
        "Есть ли у обучения «{ru}» ({place}) онлайн-часть?",
        "Да, {days}-й день обучения «{ru}» проходит онлайн, остальные дни очно в {place}.",
        "online",
    ),
    (
        "Cik stundu ilgst mācības “{lv}” ({place})?",
        "Mācības “{lv}” ilgst {hours} akadēmiskās stundas {days} dienās.",
        "How many hours does “{en}” ({place}) last?",
        "“{en}” lasts {hours} academic hours over {days} days.",
        "Сколько часов длится обучение «{ru}» ({place})?",
        "Обучение «{ru}» длится {hours} академических часов за {days} дня.",
        "certificates",
    ),
    (
        "Kas vada mācības “{lv}” ({place})?",
        "Mācības “{lv}” vada pieredzējis supervizors un sociālā darba lektors no {place}.",
        "Who leads the training “{en}” ({place})?",
        "“{en}” is led by an experienced supervisor and a social work lecturer from {place}.",
        "Кто ведёт обучение «{ru}» ({place})?",
        "Обучение «{ru}» ведут опытный супервизор и преподаватель социальной работы из {place}.",
        "other",
    ),
    (
        "Vai uz mācībām “{lv}” ({place}) var pieteikt kolēģi?",
        "Jā, ja kolēģis strādā {place} sociālajā dienestā un ir aizpildījis profilu čatā.",
        "Can I register a colleague for “{en}” ({place})?",
        "Yes, if your colleague works for the social service in {place} and has a profile in the "
        "chat.",
        "Можно ли записать коллегу на обучение «{ru}» ({place})?",
        "Да, если коллега работает в социальной службе {place} и заполнил профиль в чате.",
        "registration",
    ),
    (
        "Kāda ir mācību “{lv}” dienas kārtība ({place})?",
        "Dienas kārtība: {hour}:00 ievads, {mid}:00 darbs grupās, {late}:00 noslēgums. Kafijas "
        "pauzes ir iekļautas.",
        "What is the agenda of “{en}” ({place})?",
        "Agenda: {hour}:00 introduction, {mid}:00 group work, {late}:00 closing. Coffee breaks "
        "are included.",
        "Какая программа дня обучения «{ru}» ({place})?",
        "Программа: {hour}:00 вступление, {mid}:00 работа в группах, {late}:00 завершение. "
        "Кофе-паузы включены.",
        "venues",
    ),
    (
        "Vai mācību “{lv}” materiāli ({place}) būs pieejami pēc tam?",
        "Prezentācijas un darba lapas nosūtīsim dalībniekiem e-pastā nedēļas laikā pēc mācībām "
        "{place}.",
        "Will the materials of “{en}” ({place}) be available afterwards?",
        "Slides and worksheets are e-mailed to participants within a week after the training in "
        "{place}.",
        "Будут ли материалы обучения «{ru}» ({place}) доступны после?",
        "Презентации и рабочие листы мы отправим участникам по e-mail в течение недели после "
        "обучения в {place}.",
        "other",
    ),
]
VENUES = [
    ("sociālā dienesta zālē", "in the social service's hall", "в зале социальной службы"),
    ("novada domes sēžu zālē", "in the council's meeting room", "в зале заседаний думы края"),
    ("kultūras namā", "at the culture house", "в доме культуры"),
    (
        "bibliotēkas semināru telpā",
        "in the library's seminar room",
        "в семинарском зале библиотеки",
    ),
]


def generated(count: int, seed: int = 5) -> list[faq.EntryData]:
    rng = random.Random(seed)
    places = [m.name for m in all_municipalities()]
    combos = [(t, p, tr) for t in range(len(TEMPLATES)) for p in places for tr in TRAININGS]
    rng.shuffle(combos)
    entries = []
    for number, (template, place, (lv, en, ru)) in enumerate(combos[:count]):
        venue = rng.choice(VENUES)
        hour = rng.choice([9, 10, 11])
        values = {
            "lv": lv,
            "en": en,
            "ru": ru,
            "place": place,
            "venue_lv": venue[0],
            "venue_en": venue[1],
            "venue_ru": venue[2],
            "hour": hour,
            "early": hour - 1,
            "mid": hour + 2,
            "late": hour + 5,
            "days": rng.choice([2, 3]),
            "hours": rng.choice([8, 12, 16, 24]),
        }
        lv_q, lv_a, en_q, en_a, ru_q, ru_a, category = TEMPLATES[template]
        entries.append(
            faq.EntryData(
                f"gen-{number}",
                category,
                {
                    "lv": (lv_q.format(**values), lv_a.format(**values)),
                    "en": (en_q.format(**values), en_a.format(**values)),
                    "ru": (ru_q.format(**values), ru_a.format(**values)),
                },
            )
        )
    return entries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def hit_rate(db, queries: list[dict[str, str]], keys: dict[str, str]) -> tuple[int, list]:  # type: ignore[no-untyped-def]
    found, misses = 0, []
    for query in queries:
        titles = await faq.search(db, query["query"], "en")
        top = [keys.get(t.question) for t in titles]
        if query["expect"] in top:
            found += 1
        else:
            misses.append((query["kind"], query["query"], top))
    return found, misses


async def main(rounds: int) -> None:
    labelled = yaml.safe_load((ROOT / "bench" / "faq_queries.yaml").read_text(encoding="utf-8"))
    examples = parse((ROOT / "examples" / "faq.yaml").read_text(encoding="utf-8"))
    keys = {entry.versions["en"][0]: entry.key for entry in examples}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        db = create_sessionmaker(engine)
        try:
            await faq_editor.import_entries(db, examples)
            small = await hit_rate(db, labelled["queries"], keys)
            small_holdout = await hit_rate(db, labelled["holdout"], keys)
            small_fresh = await hit_rate(db, labelled["fresh"], keys)
            await faq_editor.import_entries(db, generated(TOTAL - len(examples)))
            started = time.perf_counter()
            await faq.warm_up(db)
            build = time.perf_counter() - started

            service, index_only = [], []
            cache = await faq._index(db)
            texts = [q["query"] for q in labelled["queries"]]
            for _ in range(rounds):
                for text in texts:
                    started = time.perf_counter()
                    await faq.search(db, text, "lv")
                    service.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    cache.index.search(text, 3)
                    index_only.append((time.perf_counter() - started) * 1000)
            long_text = (
                "Labdien! Vai pēc mācībām saņemšu sertifikātu un cik stundas jāapmeklē? " * 60
            )[:4000]
            long_times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await faq.search(db, long_text, "lv")
                long_times.append((time.perf_counter() - started) * 1000)

            negatives = [t for t in labelled["negatives"] if await faq.search(db, t, "en")]
            big = await hit_rate(db, labelled["queries"], keys)
            big_holdout = await hit_rate(db, labelled["holdout"], keys)
            big_fresh = await hit_rate(db, labelled["fresh"], keys)
            async with db() as session:
                count = (await faq._stamp(session))[0]
        finally:
            await engine.dispose()

    n, h, f = len(labelled["queries"]), len(labelled["holdout"]), len(labelled["fresh"])
    print(f"FAQ search benchmark: {count} entries (15 examples + generated), lv/en/ru each")
    print(f"index build: {build * 1000:.0f} ms")
    print(
        f"search via the service ({len(service)} runs): "
        f"p50 {statistics.median(service):.2f} ms, p95 {percentile(service, 0.95):.2f} ms"
    )
    print(
        f"index alone ({len(index_only)} runs): "
        f"p50 {statistics.median(index_only):.2f} ms, p95 {percentile(index_only, 0.95):.2f} ms"
    )
    print(
        f"4,000-character question ({len(long_times)} runs): "
        f"p50 {statistics.median(long_times):.2f} ms, p95 {percentile(long_times, 0.95):.2f} ms"
    )
    for label, labelled_hits, holdout_hits, fresh_hits in (
        (f"{TOTAL} entries", big, big_holdout, big_fresh),
        ("15 entries", small, small_holdout, small_fresh),
    ):
        print(
            f"top-3 hit rate, {label}: labelled {labelled_hits[0]}/{n} = "
            f"{labelled_hits[0] / n:.0%}, hold-out {holdout_hits[0]}/{h} = "
            f"{holdout_hits[0] / h:.0%}, fresh {fresh_hits[0]}/{f} = {fresh_hits[0] / f:.0%}"
        )
    print(
        f"questions the FAQ does not answer that still got results: "
        f"{len(negatives)}/{len(labelled['negatives'])} {negatives}"
    )
    for kind, text, top in big[1] + big_holdout[1] + big_fresh[1]:
        print(f"  miss ({kind}): {text!r} -> {top}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="times each query is run")
    asyncio.run(main(parser.parse_args().rounds))
