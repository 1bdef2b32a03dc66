"""Occupations ↔ majors: the knowledge that words alone miss.

An enterprise writes "招聘数控车床操作工"; a school posts "数控技术专业（高职专科）". They share
no useful word, but the 国家职业分类大典 knows the job as 车工 / 多工序数控机床操作调整工, and
the major profiles (职业面向) and the MOHRSS guide link those occupations to majors. This
module reads the crosswalk that scripts/build_crosswalk.py writes to config/crosswalk/
(lazily, once per process) and answers:

- `recognize_occupations(text)`: occupations a text names (job titles, strong evidence) or
  describes (BM25 over definitions and tasks, weaker evidence), scored in [0, 1];
- `majors_for(codes)`: the majors linked to occupations, with the links' sources;
- `majors_in_text(text)`: catalog majors a program posting names;
- `document_tags(...)` / `query_tags(text)`: the tags search stores on documents and looks
  up for a query, with weights and explanations ("车工 → 数控技术应用专业: 职业面向").
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import math
import re
import statistics
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from matchmaker.data import data_dir
from matchmaker.text.tokenizer import normalize_text, tokenize, word_ends

if TYPE_CHECKING:
    import bm25s

CROSSWALK_DIR = data_dir("crosswalk")

SOURCES = ("profile", "mohrss")
SOURCE_NAMES = {"profile": "职业面向", "mohrss": "人社部专业职业对应指引"}
# Posting categories whose postings are jobs, so the occupations they name are worth a tag.
JOB_CATEGORIES = ("talent", "apprenticeship", "internship")

# --- evidence weights (tuned on the development set as general weights, never per query) ----
TITLE_SCORE = 0.95  # a job title or occupation name found in the text's first line
BODY_SCORE = 0.15  # … found further on (duties paragraphs mention other jobs and tasks)
SHORT_TITLE_SCORE = 0.85  # two-character titles (车工, 电工) are a little less sure
BM25_MAX = 0.7  # lexical similarity to an occupation's definition never beats a title
BM25_SCALE = 3.0  # coverage (matched share of the text's information) × this, capped at 1
BM25_SHARPNESS = 1.0  # how fast the runners-up fall off: (score / best score) ** this
BM25_MIN = 0.12  # below this, similarity is noise: nothing rather than noise
BM25_MIN_WORDS = 2  # distinct shared words (not counting a word inside another) …
SPECIFIC_IDF = 4.5  # … unless one is rare among occupations (in under ~1% of them: 测绘, 育种)
BM25_CANDIDATES = 8
PROFILE_TITLE_SCORE = 0.9  # a job title from a major's 职业面向 that the 大典 lacks
PROFILE_POST_SCORE = 0.3  # a post (岗位) from a major's 职业面向
EXTRA_EVIDENCE = 0.5  # how much a second piece of evidence for a tag adds (noisy-OR, damped)
QUERY_OCCUPATIONS = 5  # recognized occupations a query expands to majors
NAMED_MAJOR_SCORE = 1.0  # "数控技术专业" in a need: the need names the major itself

# --- link strengths: how strongly an occupation calls for a major -------------------------
SOURCE_STRENGTH = {("mohrss", "profile"): 1.0, ("profile",): 0.9, ("mohrss",): 0.8}
PARENT_GROUP_FACTOR = 0.85  # the major's profile names the occupation's group
CHILD_FACTOR = 0.5  # the text names a group; the major is linked to one of its occupations
SIBLING_FACTOR = 0.25  # the major is linked to several other occupations of the same group …
SIBLING_MIN = 1  # … at least this many
RANK_DECAY = 0.05  # the occupations a profile lists first are its main ones
MAJOR_TO_OCCUPATION_FACTOR = 0.8

LEVEL_MARKERS = (  # order matters: 职教本科 before 本科, 高职专科 before 专科
    ("职教本科", "职教本科"),
    ("职业本科", "职教本科"),
    ("高职本科", "职教本科"),
    ("高职专科", "高职专科"),
    ("高职", "高职专科"),
    ("大专", "高职专科"),
    ("专科", "高职专科"),
    ("中职", "中职"),
    ("中专", "中职"),
    ("技工", "中职"),
    ("职高", "中职"),
    ("普通本科", "普通本科"),
    ("本科", "职教本科"),
)
# "数控技术专业（高职）", "护理专业毕业生" name a major; "翻译专业资料", "专业课程" do not.
NAMED_AS_MAJOR = re.compile(
    r"(?:等|类|及相关|或相关|相关)?专业"
    r"(?:$|[^\u4e00-\u9fff]|毕业|应届|学生|学历|背景|优先|人才|方向|招生|班|的学生|的毕业|及相关)"
)
FIRST_LINE = re.compile(r"[\n。；;!！?？]")
FIRST_LINE_MAX = 40


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    level: int  # 1–4; 4 is an occupation, 3 a small group (细类组), 1–2 larger groups
    parent: str | None


@dataclass(frozen=True)
class Major:
    code: str
    name: str
    level: str  # 中职 | 高职专科 | 职教本科 | 普通本科
    class_code: str
    class_name: str
    category_name: str


@dataclass(frozen=True)
class OccupationMatch:
    code: str
    name: str
    score: float  # in [0, 1]
    evidence: str  # human-readable: 岗位名称「车工」, 职业定义相近（车床、数控）


@dataclass(frozen=True)
class MajorLink:
    major_code: str
    occupation_code: str  # the occupation the text named (not the group the link went through)
    linked_code: str  # the occupation or group the sources link the major to
    sources: tuple[str, ...]
    strength: float  # in (0, 1]

    def explanation(self, occupation_name: str, major_name: str) -> str:
        occupations = _data().occupations
        via = ""
        if self.linked_code != self.occupation_code:
            linked = occupations[self.linked_code]
            if linked.level < 4:
                kind = "职业组"
            else:
                kind = "同组职业" if occupations[self.occupation_code].level == 4 else "组内职业"
            via = f"（经{kind}{linked.name}）"
        return f"{occupation_name} → {major_name}专业{via}: " + _source_names(self.sources)

    def restricted(self, allowed: set[str]) -> MajorLink | None:
        """The same link with only the allowed sources (weaker), or None if none is left."""
        kept = tuple(s for s in self.sources if s in allowed)
        if kept == self.sources or not kept:
            return self if kept else None
        strength = self.strength * _source_strength(kept) / _source_strength(self.sources)
        return MajorLink(self.major_code, self.occupation_code, self.linked_code, kept, round(strength, 4))


@dataclass(frozen=True)
class MajorRef:
    code: str
    name: str
    level: str
    explicit: bool  # named as "…专业" or with its level, not just a word in passing


# --- data ----------------------------------------------------------------------------------


class _Phrases:
    """Leftmost-longest dictionary matching of phrases (normalized) in normalized text."""

    def __init__(self, entries: Iterable[tuple[str, str]], *, whole_words: bool = True):
        self.whole_words = whole_words
        self.targets: dict[str, list[str]] = defaultdict(list)
        for phrase, target in entries:
            phrase = normalize_text(phrase)
            if len(phrase) >= 2 and target not in self.targets[phrase]:
                self.targets[phrase].append(target)
        self.targets = dict(self.targets)
        self.max_length = max((len(p) for p in self.targets), default=0)

    def find(self, text: str) -> list[tuple[int, str]]:
        """(start, phrase) of non-overlapping matches; two-character phrases only as whole words."""
        found: list[tuple[int, str]] = []
        words: set[int] | None = None
        i = 0
        while i < len(text):
            for length in range(min(self.max_length, len(text) - i), 1, -1):
                phrase = text[i : i + length]
                if phrase not in self.targets:
                    continue
                if length == 2 and self.whole_words:  # "车工" must not match inside "汽车工程师"
                    words = words if words is not None else word_ends(text)
                    if i not in words or i + 2 not in words:
                        continue
                found.append((i, phrase))
                i += length
                break
            else:
                i += 1
        return found


@dataclass
class _Crosswalk:
    occupations: dict[str, Occupation]
    majors: dict[str, Major]
    majors_by_name: dict[str, list[str]]
    links_by_occupation: dict[str, list[tuple[str, tuple[str, ...], int]]]  # → (major, sources, rank)
    occupations_by_major: dict[str, list[tuple[str, tuple[str, ...], int]]]
    children: dict[str, list[str]]
    occupation_phrases: _Phrases
    major_names: _Phrases
    profile_phrases: _Phrases  # phrase → "kind:major_code"
    bm25: bm25s.BM25  # over occupations with a definition
    bm25_codes: list[str]
    bm25_vocab: dict[str, frozenset[str]]  # code → its document's tokens
    idf: dict[str, float]
    unknown_idf: float  # for words no occupation document has
    sectors: dict[str, dict]


_lock = threading.Lock()


@functools.cache
def _load(directory: Path | Traversable) -> _Crosswalk:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

    def rows(name: str) -> list[dict[str, str]]:
        with (directory / name).open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    occupations, texts, phrase_entries, children = {}, {}, [], defaultdict(list)
    for row in rows("occupations.csv"):
        code = row["code"]
        occupations[code] = Occupation(code, row["name"], int(row["level"]), row["parent"] or None)
        if row["parent"]:
            children[row["parent"]].append(code)
        if row["definition"] or row["tasks"]:
            texts[code] = f"{row['definition']} {row['tasks']}".strip()
        phrase_entries += [(p, code) for p in row["phrases"].split("|") if p]

    majors, by_name = {}, defaultdict(list)
    for row in rows("majors.csv"):
        majors[row["code"]] = Major(
            row["code"], row["name"], row["level"], row["class_code"], row["class_name"], row["category_name"]
        )
        by_name[normalize_text(row["name"])].append(row["code"])

    by_occupation, by_major = defaultdict(list), defaultdict(list)
    for row in rows("major_occupation.csv"):
        link = tuple(row["sources"].split("|")), int(row["profile_rank"] or 0)
        by_occupation[row["occupation_code"]].append((row["major_code"], *link))
        by_major[row["major_code"]].append((row["occupation_code"], *link))

    profile_entries = [(row["phrase"], f"{row['kind']}:{row['major_code']}") for row in rows("major_phrases.csv")]

    # BM25 documents: the name and job titles (twice: they are the strongest words), then
    # the definition and tasks.
    codes = sorted(texts)
    phrases_of = defaultdict(list)
    for phrase, code in phrase_entries:
        phrases_of[code].append(phrase)
    corpus = [tokenize(" ".join(phrases_of[code] * 2) + " " + texts[code]) for code in codes]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    df: dict[str, int] = defaultdict(int)
    for tokens in corpus:
        for token in set(tokens):
            df[token] += 1
    idf = {t: math.log(1 + (len(corpus) - n + 0.5) / (n + 0.5)) for t, n in df.items()}
    unknown_idf = statistics.median(idf.values())

    sectors = json.loads((directory / "sectors.json").read_text(encoding="utf-8"))
    return _Crosswalk(
        occupations=occupations,
        majors=majors,
        majors_by_name=dict(by_name),
        links_by_occupation=dict(by_occupation),
        occupations_by_major=dict(by_major),
        children=dict(children),
        occupation_phrases=_Phrases(phrase_entries),
        major_names=_Phrases(((n, n) for n in by_name), whole_words=False),
        profile_phrases=_Phrases(profile_entries),
        bm25=retriever,
        bm25_codes=codes,
        bm25_vocab={code: frozenset(tokens) for code, tokens in zip(codes, corpus, strict=True)},
        idf=idf,
        unknown_idf=unknown_idf,
        sectors=sectors,
    )


def _data() -> _Crosswalk:
    with _lock:  # one load even when two request threads ask at once
        return _load(CROSSWALK_DIR)


def load() -> None:
    """Load the crosswalk now (e.g. at worker start) instead of on the first call."""
    _data()


def occupation(code: str) -> Occupation | None:
    return _data().occupations.get(code)


def major(code: str) -> Major | None:
    return _data().majors.get(code)


# --- recognizing occupations ------------------------------------------------------------------


def _first_line_end(text: str) -> int:
    match = FIRST_LINE.search(text)
    return min(match.start() if match else len(text), FIRST_LINE_MAX)


def _named_occupations(text: str) -> dict[str, tuple[float, str]]:
    """code → (score, evidence) for occupation names and job titles found in normalized text."""
    data = _data()
    title_end = _first_line_end(text)
    found: dict[str, tuple[float, str]] = {}
    for start, phrase in data.occupation_phrases.find(text):
        codes = data.occupation_phrases.targets[phrase]
        base = TITLE_SCORE if start < title_end else BODY_SCORE
        if len(phrase) == 2:
            base = min(base, SHORT_TITLE_SCORE)
        score = base / math.sqrt(len(codes))  # a title shared by several occupations is less sure
        for code in codes:
            kind = "职业名称" if normalize_text(data.occupations[code].name) == phrase else "岗位名称"
            if score > found.get(code, (0.0, ""))[0]:
                found[code] = (score, f"{kind}「{phrase}」")
    return found


def _described_occupations(text: str) -> dict[str, tuple[float, str]]:
    """code → (score, evidence) by BM25 of the text against occupation definitions and tasks."""
    data = _data()
    tokens = [t for t in dict.fromkeys(tokenize(text)) if len(t) > 1]  # "好", "师" match anything
    known = [t for t in tokens if t in data.idf]
    if not known:
        return {}
    scores = data.bm25.get_scores(known)
    # Coverage: the share of what the text says that the description matches. Words the
    # occupations never use ("五险一金", brand names) count as rare words in the ceiling.
    ceiling = sum(data.idf[t] for t in known) + data.unknown_idf * (len(tokens) - len(known))
    order = scores.argsort()[::-1][:BM25_CANDIDATES]
    top = float(scores[order[0]])
    if top <= 0:
        return {}
    confidence = min(1.0, top / ceiling * BM25_SCALE) * BM25_MAX
    found = {}
    for index in order:
        # The best match gets the confidence; the others fall off with their distance to it.
        score = confidence * (float(scores[index]) / top) ** BM25_SHARPNESS
        if score < BM25_MIN:
            break
        code = data.bm25_codes[index]
        shared = [t for t in known if t in data.bm25_vocab[code]]
        # One common shared word ("支持", "主管") is a coincidence, not a description.
        words = [t for t in shared if not any(t != u and t in u for u in shared)]
        if len(words) < BM25_MIN_WORDS and not any(data.idf[t] >= SPECIFIC_IDF for t in words):
            continue
        shown = sorted(shared, key=lambda t: -data.idf[t])[:3]
        found[code] = (score, "职业定义相近（" + "、".join(shown) + "）")
    return found


def recognize_occupations(text: str, limit: int = 5, *, described: bool = True) -> list[OccupationMatch]:
    """Occupations (or occupation groups) a text names or describes, best first.

    `described=False` keeps only the occupations the text names (a job title, an occupation's
    name): the strong evidence, without guesses from words it shares with definitions.
    """
    normalized = normalize_text(text or "")
    if not normalized:
        return []
    data = _data()
    named = _named_occupations(normalized)
    described = _described_occupations(normalized) if described else {}
    matches = []
    for code in named.keys() | described.keys():
        name_score, name_evidence = named.get(code, (0.0, ""))
        text_score, text_evidence = described.get(code, (0.0, ""))
        # Both kinds of evidence agreeing is worth a little more than the stronger one alone.
        score = min(1.0, max(name_score, text_score) + 0.25 * min(name_score, text_score))
        evidence = "；".join(e for e in (name_evidence, text_evidence) if e)
        matches.append(OccupationMatch(code, data.occupations[code].name, round(score, 4), evidence))
    matches.sort(key=lambda m: (-m.score, m.code))
    return matches[:limit]


# --- occupations → majors ------------------------------------------------------------------


def _source_strength(sources: tuple[str, ...]) -> float:
    return SOURCE_STRENGTH[tuple(sorted(sources))]


def _source_names(sources: tuple[str, ...]) -> str:
    return "、".join(SOURCE_NAMES[s] for s in sources)


def _strength(sources: tuple[str, ...], rank: int) -> float:
    return _source_strength(sources) * (1 - RANK_DECAY * min(max(rank - 1, 0), 5))


def majors_for(occupation_codes: Iterable[str]) -> dict[str, list[MajorLink]]:
    """Major code → the links that justify it, strongest first.

    An occupation reaches the majors linked to it, and (more weakly) the majors whose
    profile names its group; a group reaches the majors linked to its occupations.
    """
    data = _data()
    found: dict[str, list[MajorLink]] = defaultdict(list)
    for code in occupation_codes:
        occ = data.occupations.get(code)
        if occ is None:
            continue
        routes = [(code, 1.0)]
        if occ.level == 4 and occ.parent:
            routes.append((occ.parent, PARENT_GROUP_FACTOR))
        if occ.level == 3:
            routes += [(child, CHILD_FACTOR) for child in data.children.get(code, [])]
        for linked, factor in routes:
            for major_code, sources, rank in data.links_by_occupation.get(linked, []):
                strength = round(_strength(sources, rank) * factor, 4)
                found[major_code].append(MajorLink(major_code, code, linked, sources, strength))
        if occ.level == 4 and occ.parent and SIBLING_FACTOR:
            for major_code, link in _sibling_links(code, occ.parent).items():
                found[major_code].append(link)
    return {m: sorted(links, key=lambda link: -link.strength) for m, links in found.items()}


def _sibling_links(code: str, group: str) -> dict[str, MajorLink]:
    """Majors linked to several other occupations of the same small group: 车工's group
    (机械冷加工人员) has 铣工, 磨工, 多工序数控机床操作调整工…, all linked to 数控技术."""
    data = _data()
    best: dict[str, MajorLink] = {}
    count: dict[str, int] = defaultdict(int)
    for sibling in data.children.get(group, []):
        if sibling == code:
            continue
        for major_code, sources, rank in data.links_by_occupation.get(sibling, []):
            count[major_code] += 1
            strength = round(_strength(sources, rank) * SIBLING_FACTOR, 4)
            if strength > (best[major_code].strength if major_code in best else 0):
                best[major_code] = MajorLink(major_code, code, sibling, sources, strength)
    return {m: link for m, link in best.items() if count[m] >= SIBLING_MIN}


def occupations_for_major(major_code: str) -> list[tuple[str, tuple[str, ...], float]]:
    """(occupation code, sources, strength) of the occupations a major leads to."""
    return sorted(
        ((o, s, _strength(s, r)) for o, s, r in _data().occupations_by_major.get(major_code, [])),
        key=lambda item: (-item[2], item[0]),
    )


# --- majors named in text ---------------------------------------------------------------------


def _stated_level(text: str) -> str | None:
    for marker, level in LEVEL_MARKERS:
        if marker in text:
            return level
    return None


def majors_in_text(text: str, *, explicit_only: bool = False, level: str | None = None) -> list[MajorRef]:
    """Catalog majors a text names: "数控技术专业（高职专科）招生" → 数控技术 (460103).

    With the level stated (in the text, else `level`), the name's code at that level;
    otherwise every code with that name. `explicit_only` keeps names followed by 专业 (for
    descriptions, where a bare major name is often a course or a field, not the program).
    """
    normalized = normalize_text(text or "")
    data = _data()
    level = _stated_level(normalized) or level
    found: dict[str, MajorRef] = {}
    for start, name in data.major_names.find(normalized):
        explicit = bool(NAMED_AS_MAJOR.match(normalized, start + len(name)))
        if explicit_only and not explicit:
            continue
        codes = data.majors_by_name[name]
        at_level = [c for c in codes if data.majors[c].level == level]
        for code in at_level or codes:
            m = data.majors[code]
            ref = MajorRef(code, m.name, m.level, explicit or bool(at_level))
            found.setdefault(code, ref)
    return list(found.values())


# --- tags ------------------------------------------------------------------------------------


def document_tags(direction: str, category: str, title: str, description: str) -> tuple[str, ...]:
    """Tags to store on an index document: majors the posting names, and for job postings
    (talent, apprenticeship, internship) the occupations it names."""
    del direction  # needs and offers are tagged alike; the query side decides what answers what
    in_title = majors_in_text(title)
    # "掌握药学专业知识" in a 药学 program's description is the program itself, not other levels.
    level = _stated_level(normalize_text(title or ""))
    in_description = [
        m
        for m in majors_in_text(description, explicit_only=True, level=level)
        if m.name not in {t.name for t in in_title}
    ]
    tags = [f"major:{m.code}" for m in in_title + in_description]
    if category in JOB_CATEGORIES:
        named = _named_occupations(normalize_text(title or ""))
        if not named:  # the title names no job: take the ones the description names
            named = _named_occupations(normalize_text(description or ""))
        tags += [f"occupation:{code}" for code in sorted(named)]
    return tuple(dict.fromkeys(tags))


def _occupation_majors(matches: list[OccupationMatch], allowed: set[str]) -> dict[str, list[tuple[float, str]]]:
    """Major code → (weight, explanation) of each recognized occupation that reaches it."""
    data = _data()
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for match in matches:
        for major_code, links in majors_for([match.code]).items():
            kept = [r for r in (link.restricted(allowed) for link in links) if r]
            if kept:  # the strongest link is enough: the others repeat the same occupation
                link = max(kept, key=lambda r: r.strength)
                found[major_code].append(
                    (match.score * link.strength, link.explanation(match.name, data.majors[major_code].name))
                )
    return found


def _profile_phrase_majors(normalized: str) -> dict[str, list[tuple[float, str]]]:
    """Major code → (weight, explanation) for job titles and posts of its 职业面向 found in the text."""
    data = _data()
    title_end = _first_line_end(normalized)
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for start, phrase in data.profile_phrases.find(normalized):
        for target in data.profile_phrases.targets[phrase]:
            kind, major_code = target.split(":")
            weight = PROFILE_TITLE_SCORE if kind == "职业" else PROFILE_POST_SCORE
            if start >= title_end:
                weight *= BODY_SCORE / TITLE_SCORE
            found[major_code].append(
                (weight, f"{phrase} → {data.majors[major_code].name}专业: {SOURCE_NAMES['profile']}（{kind}）")
            )
    return found


def _combine(evidence: list[tuple[float, str]]) -> tuple[float, str]:
    """Several pieces of evidence for one tag: the strongest, raised towards 1 by a damped
    noisy-OR of the others (they are not independent: one text, related occupations)."""
    evidence = sorted(evidence, key=lambda item: -item[0])
    weight, reason = evidence[0]
    for other, _ in evidence[1:]:
        weight += (1 - weight) * min(other, 1.0) * EXTRA_EVIDENCE
    return round(min(weight, 1.0), 4), reason


def query_tags(
    text: str, *, sources: Iterable[str] = SOURCES, limit: int | None = None, described: bool = True
) -> list[tuple[str, float, str]]:
    """(tag, weight in [0, 1], explanation) to look up for a query or a need's text, best first.

    - `major:<code>`: majors reachable from the occupations the text names or describes,
      majors whose 职业面向 names a job title or post in the text, and majors it names;
    - `occupation:<code>`: occupations the text names, and those of the majors it names
      (so that a program finds the needs that ask for its graduates).
    `sources` limits the major–occupation evidence (e.g. to ("mohrss",) for evaluation);
    `limit` keeps the strongest tags (a long duties paragraph can reach a few hundred);
    `described=False` leaves out occupations guessed from a description (see recognize_occupations).
    """
    allowed = set(sources)
    data = _data()
    normalized = normalize_text(text or "")
    evidence: dict[str, list[tuple[float, str]]] = defaultdict(list)

    matches = recognize_occupations(normalized, limit=QUERY_OCCUPATIONS, described=described)
    for match in matches:
        evidence[f"occupation:{match.code}"].append((match.score, f"{match.name}: {match.evidence}"))
    for major_code, found in _occupation_majors(matches, allowed).items():
        evidence[f"major:{major_code}"] += found
    if "profile" in allowed:
        for major_code, found in _profile_phrase_majors(normalized).items():
            evidence[f"major:{major_code}"] += found

    for ref in majors_in_text(normalized, explicit_only=True):
        evidence[f"major:{ref.code}"].append((NAMED_MAJOR_SCORE, f"需求点名「{ref.name}专业」"))
        for occupation_code, link_sources, strength in occupations_for_major(ref.code):
            kept = tuple(s for s in link_sources if s in allowed)
            if kept:
                strength *= _source_strength(kept) / _source_strength(link_sources)
                evidence[f"occupation:{occupation_code}"].append(
                    (
                        MAJOR_TO_OCCUPATION_FACTOR * strength,
                        f"{ref.name}专业 → {data.occupations[occupation_code].name}: {_source_names(kept)}",
                    )
                )

    tags = [(tag, *_combine(found)) for tag, found in evidence.items()]
    return sorted(tags, key=lambda item: (-item[1], item[0]))[:limit]


# --- sectors ---------------------------------------------------------------------------------


def sectors_of(tag: str) -> frozenset[str]:
    """Sector codes a crosswalk tag clearly belongs to ("major:410107" → {"tea"}), for
    shared-sector reasoning. Empty when nothing is clear."""
    kind, _, code = tag.partition(":")
    data = _data()
    found = set()
    for sector, links in data.sectors.items():
        if kind == "major" and code in data.majors:
            if code in links["majors"] or data.majors[code].class_code in links["major_classes"]:
                found.add(sector)
        elif kind == "occupation" and code in data.occupations:
            group = code if data.occupations[code].level == 3 else data.occupations[code].parent
            if code in links["occupations"] or group in links["occupation_groups"]:
                found.add(sector)
        elif kind == "industry" and any(code.startswith(i) for i in links["industries"]):
            found.add(sector)
    return frozenset(found)


def describe_tag(tag: str) -> dict[str, str] | None:
    """`{tag, kind, code, name}` for a `major:<code>` or `occupation:<code>` tag the crosswalk knows, else None."""
    kind, _, code = tag.partition(":")
    if kind == "major" and (found := major(code)) is not None:
        return {"tag": tag, "kind": kind, "code": code, "name": f"{found.name}（{found.level}）"}
    if kind == "occupation" and (found := occupation(code)) is not None:
        return {"tag": tag, "kind": kind, "code": code, "name": found.name}
    return None
