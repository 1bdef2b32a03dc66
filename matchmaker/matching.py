"""Search and matching: build the query, gather candidates from the index, rank, explain, hydrate.

Candidates come from three channels of the search backend under the same hard filters:
lexical (BM25 over jieba tokens), semantic (embedding similarity) and crosswalk (programs
tagged with the majors that lead to the occupations a text names). Their scores are fused
(indexing.fusion), then structured signals (complementary category, shared sectors,
region proximity, freshness) add small, explained boosts. Results are hydrated from the
database in rank order.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from matchmaker.errors import InvalidInput, MatchmakerError, Message
from matchmaker.explain import Evidence, category_signal, explain, freshness_signal, region_signal, sector_signal
from matchmaker.extensions import db
from matchmaker.indexing import fusion
from matchmaker.indexing.base import (
    IndexDocument,
    IndexMissing,
    IndexStale,
    LexicalHit,
    SearchError,
    SearchFilters,
    SemanticHit,
    TaggedHit,
)
from matchmaker.indexing.documents import embedding_text
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import backlog, require_current_index
from matchmaker.models import Organization, Posting, local_today
from matchmaker.taxonomy import get_taxonomy
from matchmaker.text import crosswalk
from matchmaker.text.tokenizer import tokenize

CROSSWALK_SOURCES = crosswalk.SOURCES
MAX_QUERY_CHARS = 500
MAX_RESULTS = 100
JOB_TITLE_SCORE = 0.9  # crosswalk score of an occupation named by a job title in the text


@dataclass(frozen=True)
class RankingWeights:
    """How the channels and signals combine; measured on the relevance set (docs/BENCHMARKS.md)."""

    fusion: str = "score"  # "score" (weighted sum of scaled scores) or "rrf"
    lexical: float = 0.5
    semantic: float = 1.0
    crosswalk: float = 1.5
    rrf_k: float = 60.0
    semantic_spread: float = 0.04  # cosine distance below the query's best at which similarity counts 0
    candidates: int = 200  # per channel
    crosswalk_tags: int = 60  # strongest crosswalk tags looked up per query
    crosswalk_sources: tuple[str, ...] = CROSSWALK_SOURCES  # evidence the crosswalk may use
    category: float = 0.5  # the result answers the need (complementarity table)
    sector: float = 0.05  # per shared sector, at most two
    county: float = 0.06
    prefecture: float = 0.04
    province: float = 0.01
    freshness: float = 0.02  # at publication, halving every 90 days


DEFAULT_WEIGHTS = RankingWeights()


class SearchUnavailable(MatchmakerError):
    status = 503
    code = "search_unavailable"
    message = Message("搜索索引暂不可用。", "The search index is not available.")


@dataclass
class RankedResult:
    posting: Posting
    score: float
    explanation: dict[str, Any]


@dataclass
class SearchResults:
    results: list[RankedResult]
    total: int
    facets: dict[str, dict[str, int]]
    query: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)  # how far behind the database the index is


@dataclass(frozen=True)
class Source:
    """What a match starts from: a posting, or a query read as a need. Drives the signals."""

    category: str
    sectors: tuple[str, ...]
    region_code: str | None
    direction: str
    job_title: str | None = None  # set when the category was read from a job title in a query


def read_query(text: str) -> Source | None:
    """A query that names a job title is a talent need: offers that answer such needs rank first."""
    named = [m for m in crosswalk.recognize_occupations(text, limit=1) if m.score >= JOB_TITLE_SCORE]
    return Source("talent", (), None, "need", job_title=named[0].name) if named else None


def filters_from(args: dict[str, Any]) -> SearchFilters:
    """Hard filters from parsed search arguments (SearchArgsSchema); a prefecture includes its counties."""
    region = args.get("region")
    return SearchFilters(
        direction=args.get("direction"),
        categories=tuple(args.get("category") or ()),
        sectors=tuple(args.get("sector") or ()),
        region_codes=tuple(sorted(get_taxonomy().region_and_descendants(region))) if region else (),
        kinds=(args["kind"],) if args.get("kind") else (),
    )


def search_postings(
    index: SearchIndex,
    query: str,
    filters: SearchFilters,
    *,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights = DEFAULT_WEIGHTS,
) -> SearchResults:
    """Public postings matching a free-text query under hard filters, best first, explained."""
    text = _check_query(query)
    _check_page(limit, offset)
    filters = replace(filters, valid_on=local_today())
    source = read_query(text)
    info = {"q": text, "read_as": {"category": source.category, "job_title": source.job_title} if source else None}
    return _run(index, text, filters, source, limit, offset, weights, info)


def match_posting(
    posting: Posting,
    index: SearchIndex,
    *,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    among: tuple[int, ...] = (),
) -> SearchResults:
    """The complementary postings of the other side for one posting, best first, explained.

    `among` limits the counterparts to these organizations (e.g. an event's participants).
    """
    _check_page(limit, offset)
    taxonomy = get_taxonomy()
    if posting.direction == "need":
        direction, categories = "offer", taxonomy.offer_categories_for(posting.category)
    else:
        direction, categories = "need", taxonomy.need_categories_for(posting.category)
    filters = SearchFilters(
        direction=direction,
        categories=tuple(categories),
        exclude_organization_id=posting.organization_id,
        organization_ids=among,
        valid_on=local_today(),
    )
    source = Source(posting.category, tuple(posting.sectors), posting.region_code, posting.direction)
    return _run(
        index,
        embedding_text(posting),
        filters,
        source,
        limit,
        offset,
        weights,
        {"posting_id": posting.id, "direction": direction, "categories": list(categories)},
    )


@dataclass
class PostingMatches:
    posting: Posting
    matches: SearchResults


def match_organization(org: Organization, index: SearchIndex, *, per_posting: int = 5) -> list[PostingMatches]:
    """For each open posting of an organization, its best counterparts."""
    postings = db.session.scalars(
        select(Posting).where(Posting.organization_id == org.id, Posting.status == "published").order_by(Posting.id)
    ).all()
    return [PostingMatches(p, match_posting(p, index, limit=per_posting)) for p in postings if not p.expired]


# --- the pipeline --------------------------------------------------------------------------


def _run(
    index: SearchIndex,
    text: str,
    filters: SearchFilters,
    source: Source | None,
    limit: int,
    offset: int,
    weights: RankingWeights,
    query_info: dict[str, Any],
) -> SearchResults:
    _require_usable(index)
    try:
        ranked, evidence = rank(index, text, filters, source, weights)
        facets = index.backend.facets([doc_id for doc_id, _ in ranked])
    except IndexMissing as exc:
        raise SearchUnavailable(
            Message(
                "搜索索引不存在，请运行 `matchmaker reindex`。",
                "The search index does not exist: run `matchmaker reindex`.",
            )
        ) from exc
    except SearchError as exc:
        raise SearchUnavailable(
            Message("搜索索引出错：{error}", "Search index error: {error}").format(error=str(exc))
        ) from exc
    page = ranked[offset : offset + limit]
    postings = _hydrate([doc_id for doc_id, _ in page])
    results = [
        RankedResult(
            postings[doc_id], score, explain(evidence[doc_id], postings[doc_id].title, postings[doc_id].description)
        )
        for doc_id, score in page
        if doc_id in postings
    ]
    return SearchResults(results=results, total=len(ranked), facets=facets, query=query_info, index=index_lag())


@dataclass
class Candidates:
    """What the index returned for one text: every channel's hits and the documents behind them."""

    lexical: list[LexicalHit]
    semantic: list[SemanticHit]
    tagged: list[TaggedHit]
    tag_info: dict[str, tuple[float, str]]  # crosswalk tag → (weight, explanation)
    documents: dict[int, IndexDocument]


def gather(
    index: SearchIndex,
    text: str,
    filters: SearchFilters,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    *,
    vector: np.ndarray | None = None,
) -> Candidates:
    """Ask the backend's three channels for candidates under the same hard filters.

    `vector` is the text's query embedding when the caller already has it (benchmarks).
    """
    backend, n = index.backend, weights.candidates

    def semantic_hits() -> list[SemanticHit]:
        return backend.semantic(index.embedder.encode_query(text) if vector is None else vector, filters, n)

    # The model and SQLite release the GIL: encode + vector search run beside the lexical and
    # crosswalk lookups, which roughly halves a query's latency on two cores (docs/BENCHMARKS.md).
    semantic = _side_thread().submit(semantic_hits)
    tokens = tokenize(text)
    lexical = backend.lexical(tokens, filters, n) if tokens else []
    tag_info = {
        tag: (weight, why)
        for tag, weight, why in crosswalk.query_tags(
            text, sources=weights.crosswalk_sources, limit=weights.crosswalk_tags
        )
    }
    tagged = backend.tagged(list(tag_info), filters, n) if tag_info else []
    semantic = semantic.result()
    ids = {h.id for h in lexical} | {h.id for h in semantic} | {h.id for h in tagged}
    return Candidates(lexical, semantic, tagged, tag_info, backend.documents(list(ids)))


@functools.cache
def _side_thread() -> ThreadPoolExecutor:
    """Threads for the semantic channel (created on first search, one pool per process)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="semantic")


def score(
    candidates: Candidates, source: Source | None, weights: RankingWeights = DEFAULT_WEIGHTS
) -> tuple[list[tuple[int, float]], dict[int, Evidence]]:
    """Fuse the channels and add the signals: all candidates, best first, with their evidence. Pure."""
    evidence: dict[int, Evidence] = defaultdict(Evidence)
    for position, hit in enumerate(candidates.lexical, start=1):
        ev = evidence[hit.id]
        ev.lexical_rank, ev.lexical_score, ev.matched_terms = position, hit.score, hit.matched_terms
    relative = fusion.relative_similarities({h.id: h.similarity for h in candidates.semantic}, weights.semantic_spread)
    for position, hit in enumerate(candidates.semantic, start=1):
        ev = evidence[hit.id]
        ev.semantic_rank, ev.similarity, ev.relative_similarity = position, hit.similarity, relative[hit.id]
    crosswalk_scores: dict[int, float] = {}
    for hit in candidates.tagged:
        links = sorted((candidates.tag_info[t] for t in hit.tags if t in candidates.tag_info), reverse=True)
        if links:
            reasons: dict[str, float] = {}
            for weight, why in links:  # different tags can give the same reason: say it once
                reasons.setdefault(why, weight)
            evidence[hit.id].crosswalk = list(reasons.items())
            crosswalk_scores[hit.id] = links[0][0]

    channel_weights = {"lexical": weights.lexical, "semantic": weights.semantic, "crosswalk": weights.crosswalk}
    if weights.fusion == "rrf":
        contributions = fusion.reciprocal_rank_fusion(
            {
                "lexical": [h.id for h in candidates.lexical],
                "semantic": [h.id for h in candidates.semantic],
                "crosswalk": sorted(crosswalk_scores, key=lambda doc_id: (-crosswalk_scores[doc_id], doc_id)),
            },
            channel_weights,
            k=weights.rrf_k,
        )
    else:
        contributions = fusion.score_fusion(
            {
                "lexical": {h.id: h.score for h in candidates.lexical},
                "semantic": relative,
                "crosswalk": crosswalk_scores,
            },
            channel_weights,
        )
    for doc_id, parts in contributions.items():
        evidence[doc_id].contributions = dict(parts)

    now = datetime.now(UTC)
    for doc_id, ev in evidence.items():
        document = candidates.documents.get(doc_id)
        if document is not None:
            _add_signals(ev, document, source, weights, now)
    ranked = sorted(
        ((doc_id, fusion.total(ev.contributions)) for doc_id, ev in evidence.items() if doc_id in candidates.documents),
        key=lambda item: (-item[1], item[0]),
    )
    return ranked, dict(evidence)


def rank(
    index: SearchIndex,
    text: str,
    filters: SearchFilters,
    source: Source | None,
    weights: RankingWeights = DEFAULT_WEIGHTS,
) -> tuple[list[tuple[int, float]], dict[int, Evidence]]:
    """All candidates for a text, best first, with the evidence behind each score."""
    return score(gather(index, text, filters, weights), source, weights)


def _add_signals(
    ev: Evidence, document: IndexDocument, source: Source | None, weights: RankingWeights, now: datetime
) -> None:
    taxonomy = get_taxonomy()
    if source is not None and document.direction != source.direction:
        need, offer = (
            (source.category, document.category) if source.direction == "need" else (document.category, source.category)
        )
        if offer in taxonomy.offer_categories_for(need):
            ev.contributions["category"] = weights.category
            ev.signals.append(category_signal(need, offer, taxonomy, weights.category, source.job_title))
    if source is not None:
        shared = [s for s in source.sectors if s in document.sectors]
        if shared:
            value = weights.sector * min(len(shared), 2)
            ev.contributions["sector"] = value
            ev.signals.append(sector_signal(shared, taxonomy, value))
        level = _region_level(source.region_code, document.region_code)
        if level:
            value = getattr(weights, level)
            ev.contributions["region"] = value
            ev.signals.append(region_signal(level, taxonomy.region_label(document.region_code), value))
    if document.published_at and weights.freshness:
        age = max(0, (now - datetime.fromisoformat(document.published_at)).days)
        value = weights.freshness * math.pow(0.5, age / 90)
        ev.contributions["freshness"] = value
        ev.signals.append(freshness_signal(age, value))


def _region_level(a: str | None, b: str | None) -> str | None:
    """How close two regions are: the same county, the same prefecture, or both in the province."""
    if not a or not b:
        return None
    regions = get_taxonomy().regions
    if a == b and regions[a].level == "county":
        return "county"
    pa, pb = regions[a].prefecture, regions[b].prefecture
    if pa and pa == pb:
        return "prefecture"
    return "province"


def _hydrate(ids: Sequence[int]) -> dict[int, Posting]:
    """Postings by id, dropping any that stopped being public since the index saw them."""
    rows = db.session.scalars(select(Posting).where(Posting.id.in_(ids))).all()
    return {p.id: p for p in rows if p.listed}


def _require_usable(index: SearchIndex) -> None:
    """Answer from the index as it is; refuse only when there is none, or it was built with another model."""
    try:
        require_current_index(index)
    except IndexMissing as exc:
        raise SearchUnavailable(
            Message(
                "搜索索引不存在，请运行 `matchmaker reindex`。",
                "The search index does not exist: run `matchmaker reindex`.",
            )
        ) from exc
    except IndexStale as exc:
        raise SearchUnavailable(
            Message(
                "搜索索引由另一个向量模型建立，请运行 `matchmaker reindex`。",
                "The search index was built with another embedding model: run `matchmaker reindex`.",
            )
        ) from exc


def index_lag() -> dict[str, Any]:
    """How far behind the database the index is: changes not yet applied, and the oldest one's age."""
    waiting = backlog()
    age = None if waiting.oldest_at is None else max(0.0, (datetime.now(UTC) - waiting.oldest_at).total_seconds())
    return {"pending_changes": waiting.pending, "oldest_pending_seconds": age}


def _check_query(query: str) -> str:
    text = " ".join((query or "").split())
    if not text:
        raise InvalidInput({"q": [Message("请输入搜索内容。", "Enter something to search for.")]})
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            {"q": [Message("搜索内容不能超过 {max} 个字符。", "At most {max} characters.").format(max=MAX_QUERY_CHARS)]}
        )
    return text


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(
            {"limit": [Message("须在 1 到 {max} 之间。", "Must be between 1 and {max}.").format(max=MAX_RESULTS)]}
        )
    if offset < 0:
        raise InvalidInput({"offset": [Message("不能为负数。", "Must not be negative.")]})
