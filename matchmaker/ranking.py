"""How a candidate scores: features that can be explained, combined by weights learned on judged queries.

Pure functions, no I/O. For a candidate document and what the search knows of the seeker
(`Source`), `features` gives values in [0, 1] (one negative: the seeker's own side):

    lexical              BM25 over jieba tokens, scaled by the query's best
    semantic             embedding similarity relative to the query's best (`semantic_spread` below it counts 0)
    crosswalk_named      an occupation or major the text names leads to the document (job title → major)
    crosswalk_described  the same from an occupation guessed from the text's words (weaker evidence)
    answers              the document is the kind of offer that answers the need (category and side)
    own_side             the document comes from the seeker's own side (a competitor, not a counterpart)
    sector               shared sectors (named in the text, or the posting's)
    region               same county > prefecture > province
    freshness            newer than the other candidates (0 when all are as old)
    X×answers            a channel's value when the document answers the need (a field match of
                         the right kind of counterpart counts for more than either alone)

The score is Σ weight × feature; each product is one of the result's explained
contributions. The weights (data/ranking/weights.json) are fitted by scripts/train_ranking.py
on the judged sets and the older needs → programs set, with cross-validation by query.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from matchmaker.data import data_dir
from matchmaker.indexing.base import IndexDocument
from matchmaker.intent import Intent
from matchmaker.taxonomy import Taxonomy

FEATURES = (
    "lexical",
    "semantic",
    "crosswalk_named",
    "crosswalk_described",
    "answers",
    "own_side",
    "sector",
    "region",
    "freshness",
    "lexical×answers",
    "semantic×answers",
    "crosswalk_named×answers",
    "crosswalk_described×answers",
)
# A field match counts for more when the document is also the right kind of counterpart.
INTERACTIONS = ("lexical", "semantic", "crosswalk_named", "crosswalk_described")
REGION_CLOSENESS = {"county": 1.0, "prefecture": 0.5, "province": 0.1}
FRESHNESS_HALF_LIFE_DAYS = 90


@dataclass(frozen=True)
class Offer:
    """An offer posting looking for the needs it answers (matching an offer)."""

    kind: str
    subtype: str | None
    category: str


@dataclass(frozen=True)
class Source:
    """What a search or match starts from: the need it reads (or the offer it matches), sectors, region."""

    intent: Intent | None = None  # the need being answered: read from a query, or a need posting's
    offer: Offer | None = None  # or the offer whose needs are sought
    sectors: tuple[str, ...] = ()
    region_code: str | None = None
    # A search filtered to needs: the query describes the needs sought, posted by the other side.
    needs_sought: bool = False


@dataclass(frozen=True)
class Weights:
    """Feature weights and the score below which a result is not shown (learned; see the module docstring)."""

    features: dict[str, float]
    threshold: float = 0.0
    announce: float = 0.0  # the score from which a match is worth telling the counterpart about
    trained: dict = field(default_factory=dict)  # how they were fitted (for the record)

    def score(self, values: dict[str, float]) -> dict[str, float]:
        """Each feature's contribution (weight × value), the non-zero ones."""
        return {name: weight * value for name, value in values.items() if value and (weight := self.features.get(name))}

    @classmethod
    def load(cls) -> Weights:
        stored = json.loads((data_dir("ranking") / "weights.json").read_text(encoding="utf-8"))
        return cls(
            stored["features"],
            stored.get("threshold", 0.0),
            stored.get("announce", stored.get("threshold", 0.0)),
            stored.get("trained", {}),
        )


@functools.cache
def learned_weights() -> Weights:
    return Weights.load()


def answers(document: IndexDocument, source: Source, taxonomy: Taxonomy) -> tuple[float, float]:
    """(how well the document answers, how much it is the seeker's own side) for this source."""
    if document.direction == "offer" and source.intent is not None:
        answer = own = 0.0
        for (side, category), p in source.intent.probabilities.items():
            if taxonomy.is_counterpart(side, document.kind, document.organization_subtype):
                answer += p * taxonomy.answer_strength(category, document.category)
            else:
                own += p
        return answer, own
    if document.direction == "need" and source.intent is not None and source.needs_sought:
        return source.intent.probabilities.get((document.kind, document.category), 0.0), 0.0
    if document.direction == "need" and source.offer is not None:
        if taxonomy.is_counterpart(document.kind, source.offer.kind, source.offer.subtype):
            return taxonomy.answer_strength(document.category, source.offer.category), 0.0
        return 0.0, 1.0
    return 0.0, 0.0


def region_level(taxonomy: Taxonomy, a: str | None, b: str | None) -> str | None:
    """How close two regions are: the same county, the same prefecture, or both in the province."""
    if not a or not b or a not in taxonomy.regions or b not in taxonomy.regions:
        return None
    if a == b and taxonomy.regions[a].level == "county":
        return "county"
    pa, pb = taxonomy.regions[a].prefecture, taxonomy.regions[b].prefecture
    if pa and pa == pb:
        return "prefecture"
    return "province"


def freshness(published_at: str | None, now: datetime) -> float:
    if not published_at:
        return 0.0
    age = max(0, (now - datetime.fromisoformat(published_at)).days)
    return math.pow(0.5, age / FRESHNESS_HALF_LIFE_DAYS)


def features(
    document: IndexDocument,
    source: Source,
    channels: dict[str, float],
    taxonomy: Taxonomy,
    *,
    freshness_floor: float,
    now: datetime,
) -> dict[str, float]:
    """The feature values of one candidate; `channels` holds its scaled lexical, semantic and crosswalk values."""
    answer, own = answers(document, source, taxonomy)
    shared = [s for s in source.sectors if s in document.sectors]
    level = region_level(taxonomy, source.region_code, document.region_code)
    values = {
        "lexical": channels.get("lexical", 0.0),
        "semantic": channels.get("semantic", 0.0),
        "crosswalk_named": channels.get("crosswalk_named", 0.0),
        "crosswalk_described": channels.get("crosswalk_described", 0.0),
        "answers": answer,
        "own_side": own,
        "sector": min(len(shared), 2) / 2,
        "region": REGION_CLOSENESS[level] if level else 0.0,
        "freshness": max(0.0, freshness(document.published_at, now) - freshness_floor),
    }
    for name in INTERACTIONS:
        values[f"{name}×answers"] = values[name] * answer
    return values
