"""Finding FAQ entries by what people type, in Latvian, English or Russian.

A small in-memory index, pure Python, rebuilt from the database when the FAQ changes
(bot/services/faq.py decides when). How a query meets an entry:

- case and diacritics are folded away: "Reģistrācija" and "registracija" are one word;
- words are cut to a light stem (common lv/ru/en endings stripped, then at most
  STEM_LENGTH letters), so "pieteikties" meets "pieteikšanās" and "сертификата" meets
  "сертификат";
- a small table of synonyms adds a shared concept token ("apliecība", "certificate",
  "сертификат" -> ~certificate), so a paraphrase or another language still meets the
  entry;
- a word the index has never seen is matched to known words with character trigrams
  (typos: "regsitracija", "sertifkats");
- entries are ranked with BM25 (question words count double), and a hit "fits" when it
  covers a fair share of the query's information (idf mass).

Nothing here knows about the database or Telegram.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.services.municipalities import fold

STEM_LENGTH = 6
MIN_STEM = 3
MAX_WORD = 30  # longer "words" are noise (a pasted link, a key held down)
MAX_QUERY_WORDS = 24  # a 4,000-character question is searched by its first words
QUESTION_WEIGHT = 2
K1 = 1.2
B = 0.75
CONCEPT_WEIGHT = 0.8
FUZZY_MIN = 0.6
FUZZY_CANDIDATES = 3
MIN_COVERAGE = 0.3  # share of the query's idf mass the best hit must cover to "fit"
WEAK_COVERAGE = 0.5  # at most this share, a hit must also match a topic of the FAQ
RELATIVE_CUTOFF = 0.25  # further hits must score at least this share of the best one

WORD = re.compile(r"[^\W_]+")
# Phrases that mean one thing, joined before words are split (folded text).
PHRASES = {"sign up": "signup", "free of charge": "free", "log in": "login"}

# Endings stripped before cutting to STEM_LENGTH, longest first (folded: no diacritics).
LATIN_SUFFIXES = sorted(
    """
    ajiem ajam ajai ajos ajas iem ies ija iju ijas ijai ijam ijos ami am as os us es is
    ai ei em u a e i s o ations ation ings ing ed ly
    """.split(),  # noqa: SIM905 (a word list reads better as text)
    key=len,
    reverse=True,
)
CYRILLIC_SUFFIXES = sorted(
    """
    иями ями ами ого его ому ему ыми ими ться тся ешь ает ить ать ять еть ия ие ии ию ией
    ов ев ей ой ии ый ая яя ое ее ые ую юю ом ем ам ям ах ях ых их а я ы и е о у ю ь
    """.split(),  # noqa: SIM905
    key=len,
    reverse=True,
)

# Words that carry no meaning for finding an answer (folded), in the three languages.
STOPWORDS = frozenset(
    """
    a an and are as at be by can could do does for from have how i if in is it me my of on
    or the this that to what when which who will with would you your there please hello hi
    thanks thank want wanted know up much many any some there get got should shall
    ka ko kas kur kad vai un ir es man mums mes jus tu par uz no ar pie lai to tas ta tie
    ja ne nav bet ari var varu varam vajag jau vel kam lab labdien sveiki paldies ludzu
    gribeju gribetu pajautat jautat jautajums sakiet pastastiet kads kada kadi kadas
    bus but bija esmu esam mans mana manu mani manas musu jusu savs sava savu tavs
    и в во не на с со по к ко у о об от до за из как что где когда ли или а но же бы мне
    меня мы вы я это этот эта то для при здравствуите привет спасибо пожалуиста подскажите
    скажите хотел хотела хочу можно какая какои какие какое каков мои моя мое мой
    будет был была было
    tiek tika tiks tikt im ll ve don doesn isn won
    """.split()  # noqa: SIM905
)
# The names of what every entry is about ("mācības", "course", "обучение"): in a
# question they say nothing about which entry answers it, only noise that lets an
# entry that happens to repeat them win.
GENERIC = frozenset(
    """
    macibas macibam macibu macibos kurss kursa kursu kursam kursi kursiem kursos
    seminars seminara seminaru apmaciba apmacibas apmacibu training trainings course
    courses seminar seminars programme program обучение обучения обучению обучении курс
    курса курсу курсе курсы курсов семинар семинара семинаре
    """.split()  # noqa: SIM905
)

# Words that mean the same thing for a social worker asking about trainings. Each group
# becomes one concept token, added next to the words' own stems.
SYNONYMS: dict[str, str] = {
    "register": """
        pieteikties pieteikšanās pieteikums pieteikt reģistrēties reģistrācija reģistrēt
        register registration registering sign signup enrol enroll enrolment apply
        application записаться запись регистрация зарегистрироваться регистрироваться
        заявка pierakstīties pierakstīt pieraksts записаться записать
    """,
    "cancel": """
        atteikties atteikt atcelt atcelšana atsaukt atteikums nevarēšu neizdosies
        saslimu slims slima slimība cancel cancelling cancellation withdraw unregister
        ill sick illness отменить отмена отказаться отказ отписаться заболел заболела
        болею
    """,
    "waitlist": """
        gaidītāju gaidīšanas rinda rindā saraksts brīvu brīvas aizņemtas aizņemts waiting
        waitlist queue list full taken очередь ожидания лист список мест заняты
    """,
    "place": """
        kur norises notiek adrese telpa strazde where venue location address place
        held room где место адрес проходит проводится зал
    """,
    "certificate": """
        apliecība apliecības sertifikāts sertifikātu apliecinājums izsniegts izsniedz
        certificate certificates proof diploma completion сертификат удостоверение
        справка свидетельство выдают
    """,
    "hours": """
        stundas stundu stundām apmeklējums apmeklēt apmeklētība klātbūtne kavēt kavējums
        hours attendance attend attended miss missed absent часов часы посещение
        посещать пропустить присутствие
    """,
    "contact": """
        kontakti kontaktinformācija sazināties zvanīt tālrunis telefons e-pasts epasts
        koordinators runāt vērsties contact call phone email coordinator reach ask speak
        talk контакт контакты связаться позвонить звонить телефон почта координатор
        обращаться
    """,
    "online": """
        tiešsaistē tiešsaiste attālināti saite zoom teams online remote link video
        tiešraide онлайн дистанционно ссылка удаленно трансляция
    """,
    "cost": """
        maksa maksā cena bezmaksas samaksa izmaksas cost costs price fee fees free pay
        paid charge стоимость стоит цена платить платно бесплатно оплата
    """,
    "travel": """
        ceļš ceļa nokļūt transports autobuss vilciens braukt izdevumi kompensācija
        kompensē benzīns degviela biļete biļetes naktsmītne nakšņot pārnakšņot travel
        transport bus ticket tickets fuel petrol accommodation stay overnight reimbursed
        reimbursement доехать дорога проезд транспорт автобус поезд билет бензин
        проживание ночлег компенсация компенсируют
    """,
    "access": """
        pieejamība pieejams ratiņkrēsls invaliditāte vajadzības lifts uzbrauktuve kāpnes
        accessible accessibility wheelchair disability needs lift elevator ramp stairs
        доступность доступ коляска инвалидность инвалидной потребности лифт пандус
        лестница
    """,
    "privacy": """
        dati datu personas privātums glabāt dzēst data personal privacy gdpr store delete
        данные персональные конфиденциальность хранить удалить
    """,
    "survey": """
        aptauja aptauju anketa atsauksmes novērtējums vērtējums survey feedback
        questionnaire evaluation form опрос анкета отзыв оценка
    """,
    "eligible": """
        piedalīties piedalās dalība strādāju strādā darbinieki darbinieks speciālisti
        bāriņtiesa participate participation eligible join workers worker specialists
        участвовать участие работаю работают работники работник специалисты
    """,
    "time": """
        cikos sākas sākums sākuma beidzas ilgst ilgums pulksten begin begins start starts
        starting finish duration schedule начало начинается заканчивается длится
        расписание
    """,
    "familyassistant": """
        ģimenes asistents asistenta asistentu family assistant assistants семейный
        ассистент ассистента
    """,
    "summerschool": """
        vasaras skola skolā summer school летняя школа
    """,
}


def _strip(word: str) -> str:
    suffixes = CYRILLIC_SUFFIXES if "а" <= word[-1] <= "я" else LATIN_SUFFIXES
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A folded word's light stem: 'registracija' -> 'regist', 'сертификата' -> 'сертиф'."""
    return _strip(word)[:STEM_LENGTH]


def words(text: str) -> list[str]:
    """Folded words worth searching for, in order (no stopwords, no noise)."""
    folded = fold(text)
    for phrase, joined in PHRASES.items():
        if phrase in folded:
            folded = folded.replace(phrase, joined)
    return [
        word
        for word in WORD.findall(folded)
        if 1 < len(word) <= MAX_WORD and word not in STOPWORDS and word not in GENERIC
    ]


def _concepts() -> tuple[dict[str, str], frozenset[str]]:
    table: dict[str, str] = {}
    known: set[str] = set()
    for concept, group in SYNONYMS.items():
        for word in WORD.findall(fold(group)):
            table.setdefault(stem(word), f"~{concept}")
            known.add(word)
    return table, frozenset(known)


# stem -> concept token, and the synonym words (typos are matched against them too)
CONCEPTS, CONCEPT_WORDS = _concepts()


def trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class Document:
    """What is searchable of one entry: its questions and answers in every language."""

    entry_id: int
    texts: Sequence[tuple[str, str]]  # (question, answer) per language


@dataclass(frozen=True)
class Hit:
    entry_id: int
    score: float
    coverage: float  # share of the query's idf mass this entry matched


class SearchIndex:
    def __init__(self, documents: Iterable[Document]) -> None:
        self.entry_ids: list[int] = []
        counts: list[Counter[str]] = []
        self.vocabulary: dict[str, str] = {}  # folded word -> stem
        for document in documents:
            terms: Counter[str] = Counter()
            for question, answer in document.texts:
                for weight, text in ((QUESTION_WEIGHT, question), (1, answer)):
                    for word in words(text):
                        term = self.vocabulary.setdefault(word, stem(word))
                        terms[term] += weight
                        concept = CONCEPTS.get(term)
                        if concept:
                            terms[concept] += weight
            self.entry_ids.append(document.entry_id)
            counts.append(terms)
        self.size = len(self.entry_ids)
        lengths = [sum(terms.values()) for terms in counts]
        average = (sum(lengths) / self.size) if self.size else 1.0
        # term -> {document index: BM25 term-frequency part}, precomputed per document
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        for index, terms in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[index] / average)
            for term, frequency in terms.items():
                self.postings[term][index] = frequency * (K1 + 1) / (frequency + norm)
        self.idf = {
            term: math.log(1 + (self.size - len(found) + 0.5) / (len(found) + 0.5))
            for term, found in self.postings.items()
        }
        self.unknown_idf = (sum(self.idf.values()) / len(self.idf)) if self.idf else 1.0
        # Typos are matched against the entries' words and the synonym table's words.
        self._lookalikes = dict.fromkeys(CONCEPT_WORDS, "") | self.vocabulary
        for word in self._lookalikes:
            self._lookalikes[word] = stem(word)
        self._trigrams: dict[str, list[str]] = defaultdict(list)
        for word in self._lookalikes:
            for gram in trigrams(word):
                self._trigrams[gram].append(word)

    def _similar(self, word: str) -> list[tuple[str, float]]:
        """Known words that look like `word` (a typo), with their Dice similarity."""
        grams = trigrams(word)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._trigrams.get(gram, ()))
        scored = []
        for candidate, common in shared.most_common(40):
            similarity = 2 * common / (len(grams) + len(trigrams(candidate)))
            if similarity >= FUZZY_MIN:
                scored.append((candidate, similarity))
        scored.sort(key=lambda pair: -pair[1])
        return scored[:FUZZY_CANDIDATES]

    def query_terms(self, text: str) -> list[dict[str, float]]:
        """For each query word, the index terms it stands for and how much each counts."""
        return [terms for terms, _ in self._query(text)]

    def _query(self, text: str) -> list[tuple[dict[str, float], bool]]:
        """query_terms, each with whether the word was found as typed (not as a typo)."""
        result: list[tuple[dict[str, float], bool]] = []
        seen: set[str] = set()
        for word in words(text):
            if word in seen:
                continue
            seen.add(word)
            if len(seen) > MAX_QUERY_WORDS:
                break
            own = stem(word)
            terms: dict[str, float] = {}
            if own in self.postings:
                terms[own] = 1.0
            concept = CONCEPTS.get(own)
            concept_weight = CONCEPT_WEIGHT
            as_typed = bool(terms) or concept is not None
            if not terms and concept is None:
                for candidate, similarity in self._similar(word):
                    term = self._lookalikes[candidate]
                    if term in self.postings:
                        terms[term] = max(terms.get(term, 0.0), similarity)
                    if term in CONCEPTS and concept is None:
                        concept, concept_weight = CONCEPTS[term], similarity * CONCEPT_WEIGHT
            if concept and concept in self.postings:
                terms[concept] = max(terms.get(concept, 0.0), concept_weight)
            result.append((terms, as_typed))
        return result

    def search(self, text: str, limit: int = 3) -> list[Hit]:
        """The best entries for `text`, best first; only those that fit the query."""
        if not self.size:
            return []
        query = self._query(text)
        if not query:
            return []
        groups = [terms for terms, _ in query]
        # A word the index does not know counts as much as the query's known words on
        # average: the corpus's mean idf is inflated by a long tail of rare names.
        weights = [{t: self.idf[t] * w for t, w in terms.items()} for terms in groups]
        known = [max(group.values()) for group in weights if group]
        unknown = sum(known) / len(known) if known else self.unknown_idf
        total = sum(max(group.values()) if group else unknown for group in weights)
        scores: dict[int, float] = defaultdict(float)
        for group in weights:
            for term, weight in group.items():
                for index, part in self.postings[term].items():
                    scores[index] += weight * part
        if not scores:
            return []
        ranked = heapq.nlargest(limit * 3, scores.items(), key=lambda item: (item[1], -item[0]))
        top = ranked[0][1]
        hits = []
        for index, score in ranked:
            # Coverage: the share of the query's idf mass this entry matched, each query
            # word counted once, by the best of its terms.
            matched = sum(
                max((w for t, w in group.items() if index in self.postings[t]), default=0.0)
                for group in weights
            )
            coverage = min(1.0, matched / total) if total else 0.0
            if coverage < MIN_COVERAGE or score < RELATIVE_CUTOFF * top:
                continue
            if not self._on_topic(index, query, coverage):
                continue
            hits.append(Hit(self.entry_ids[index], score, coverage))
            if len(hits) == limit:
                break
        return hits

    def _on_topic(
        self, index: int, query: list[tuple[dict[str, float], bool]], coverage: float
    ) -> bool:
        """Weak matches are no answer ("mans dators nestrādā" is not about the entry that
        says "strādā"): a hit that covers at most half of the question must match a topic
        of the synonym table with a word as typed, not only through a typo's lookalike."""
        if coverage > WEAK_COVERAGE:
            return True
        return any(
            as_typed and term.startswith("~") and index in self.postings[term]
            for terms, as_typed in query
            for term in terms
        )


def has_words(text: str) -> bool:
    """Whether `text` has anything to search for (not only spaces, emoji or punctuation)."""
    return any(1 < len(word) <= MAX_WORD for word in WORD.findall(fold(text)))
