"""Why a result ranked where it did: pure functions from ranking facts to an explanation.

The same explanation is returned by the API and printed by the CLI; pages render it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from matchmaker.taxonomy import Taxonomy

SNIPPET_CHARS = 120


@dataclass
class Evidence:
    """What the ranking knew about one result."""

    lexical_rank: int | None = None
    lexical_score: float | None = None
    matched_terms: tuple[str, ...] = ()
    semantic_rank: int | None = None
    similarity: float | None = None
    relative_similarity: float | None = None
    crosswalk: list[tuple[str, float]] = field(default_factory=list)  # (explanation, weight)
    contributions: dict[str, float] = field(default_factory=dict)  # channel or signal → score part
    signals: list[dict[str, Any]] = field(default_factory=list)  # structured signals, see matching


def explain(evidence: Evidence, title: str, description: str) -> dict[str, Any]:
    """The explanation object of one result."""
    reasons_zh: list[str] = []
    if evidence.matched_terms:
        reasons_zh.append("关键词匹配：" + "、".join(evidence.matched_terms[:6]))
    for text, _ in evidence.crosswalk[:3]:
        reasons_zh.append(text)
    if evidence.relative_similarity is not None and evidence.relative_similarity >= 0.5:
        reasons_zh.append(f"语义相近（相似度 {evidence.similarity:.2f}）")
    reasons_zh.extend(signal["detail_zh"] for signal in evidence.signals)
    return {
        "summary_zh": "；".join(reasons_zh) or "语义相近",
        "lexical": None
        if evidence.lexical_rank is None
        else {
            "rank": evidence.lexical_rank,
            "bm25": round(evidence.lexical_score or 0.0, 4),
            "matched_terms": list(evidence.matched_terms),
        },
        "semantic": None
        if evidence.semantic_rank is None
        else {
            "rank": evidence.semantic_rank,
            "similarity": round(evidence.similarity or 0.0, 4),
            "relative_similarity": round(evidence.relative_similarity or 0.0, 4),
        },
        "crosswalk": [{"explanation": text, "weight": round(weight, 4)} for text, weight in evidence.crosswalk],
        "signals": evidence.signals,
        "contributions": {name: round(value, 6) for name, value in evidence.contributions.items()},
        "snippet_html": highlight(title + "｜" + description, evidence.matched_terms),
    }


def highlight(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """An HTML-escaped window of the text around the first matched term, terms wrapped in <mark>."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 4)
    window = text[start : start + width]
    marked = []
    position = 0
    for match in pattern.finditer(window):
        marked.append(html.escape(window[position : match.start()]))
        marked.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    marked.append(html.escape(window[position:]))
    return ("…" if start else "") + "".join(marked) + ("…" if start + width < len(text) else "")


def sector_signal(shared: Sequence[str], taxonomy: Taxonomy, contribution: float) -> dict[str, Any]:
    names = "、".join(taxonomy.sectors[c].name for c in shared if c in taxonomy.sectors)
    return {
        "name": "sector",
        "detail_zh": f"共同产业：{names}",
        "detail": f"shared sectors: {', '.join(shared)}",
        "contribution": round(contribution, 6),
    }


REGION_DETAILS = {
    "county": ("同一区县", "same county"),
    "prefecture": ("同一市州", "same prefecture"),
    "province": ("同在贵州省", "same province"),
}


def region_signal(level: str, label: str | None, contribution: float) -> dict[str, Any]:
    zh, en = REGION_DETAILS[level]
    return {
        "name": "region",
        "detail_zh": f"{zh}（{label}）" if label else zh,
        "detail": en,
        "contribution": round(contribution, 6),
    }


def category_signal(read_as: str, need: str, offer: str, taxonomy: Taxonomy, contribution: float) -> dict[str, Any]:
    """The need as it was read ("读作企业的人才需求（把握 92%）") and the kind of offer that answers it."""
    names = taxonomy.categories[need].name, taxonomy.categories[offer].name
    return {
        "name": "category",
        "detail_zh": f"{read_as}；{names[1]}供给可以答复",
        "detail": f"complementary categories: {need} need ↔ {offer} offer",
        "contribution": round(contribution, 6),
    }


def needs_sought_signal(read_as: str, contribution: float) -> dict[str, Any]:
    """A need found by a search for needs: the query read as that kind of need ("读作企业的学徒需求")."""
    return {
        "name": "category",
        "detail_zh": f"{read_as}，与此需求同类",
        "detail": "the query reads as this kind of need",
        "contribution": round(contribution, 6),
    }


def freshness_signal(published_at: str, contribution: float) -> dict[str, Any]:
    age_days = max(0, (datetime.now(UTC) - datetime.fromisoformat(published_at)).days)
    when = "今天发布" if age_days == 0 else f"{age_days} 天前发布"
    return {
        "name": "freshness",
        "detail_zh": when,
        "detail": f"published {age_days} days ago",
        "contribution": round(contribution, 6),
    }
