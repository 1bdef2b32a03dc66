"""Search and matching: read the need, gather candidates from the index, rank, explain, hydrate.

Every search and match reads what is sought as a need (matchmaker.intent: who asks, for
what kind of counterpart), from the query text, the seeker's side when known, or the posting
being matched. Candidates come from three channels of the search backend under the same
hard filters: lexical (BM25 over jieba tokens), semantic (embedding similarity) and
crosswalk (postings tagged with majors and occupations the text names). matchmaker.ranking
turns each candidate into explainable features — channel scores, whether it answers the
need from the other side, sectors, region, freshness — and scores them with learned
weights. Results below the learned threshold are not shown (so nonsense finds nothing and
`total` counts what passed), one organization's near-identical postings are shown once,
and at most a few of one organization fill the first page. Results are hydrated from the
database in rank order. /search, the API, posting and organization matches, event
recommendations and the CLI all run this one path.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import select

from matchmaker import intent, ranking
from matchmaker.errors import InvalidInput, MatchmakerError, Message
from matchmaker.explain import (
    Evidence,
    category_signal,
    explain,
    freshness_signal,
    needs_sought_signal,
    region_signal,
    sector_signal,
)
from matchmaker.extensions import db
from matchmaker.indexing import fusion
from matchmaker.indexing.base import (
    BackendUnavailable,
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
from matchmaker.intent import Intent
from matchmaker.models import Organization, Posting, local_today
from matchmaker.ranking import Offer, Source, Weights, learned_weights
from matchmaker.taxonomy import Taxonomy, get_taxonomy
from matchmaker.text import crosswalk
from matchmaker.text.tokenizer import tokenize

MAX_QUERY_CHARS = 500
MAX_RESULTS = 100
# Orders a visitor may choose: by the ranking, newest first, or the soonest closing first (open-ended last).
SORTS = {"relevance": "按相关度", "newest": "最新发布", "closing": "即将截止"}
FILLER_MIN_DOCUMENTS = 200  # below this many postings, document frequencies do not tell filler words


@dataclass(frozen=True)
class RankingWeights:
    """The candidate gathering's parameters and the learned feature weights (matchmaker.ranking)."""

    features: dict[str, float] = field(default_factory=lambda: dict(learned_weights().features))
    threshold: float = field(default_factory=lambda: learned_weights().threshold)
    semantic_spread: float = 0.04  # cosine below the query's best at which the semantic feature reaches 0
    candidates: int = 200  # per channel
    crosswalk_tags: int = 60  # strongest crosswalk tags looked up per query
    crosswalk_sources: tuple[str, ...] = crosswalk.SOURCES  # evidence the crosswalk may use
    per_organization: int = 3  # at most this many of one organization on the first page
    filler_share: float = 0.25  # query words found in more of the documents match nothing (招聘, 技术 …)

    @property
    def ranking(self) -> Weights:
        return Weights(self.features, self.threshold)


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


def seeker_side(chosen: str | None, user: Any) -> str | None:
    """The searcher's side: as chosen (我是企业 / 我是院校), else their organization's kind, else unknown."""
    if chosen in intent.SIDES:
        return chosen
    organization = getattr(user, "organization", None)
    return organization.kind if organization is not None else None


def read_need(index: SearchIndex, text: str, vector: np.ndarray, seeker_side: str | None = None) -> Intent:
    """What a query asks for, as a need: side and category probabilities (the side fixed when known)."""
    home = Path(current_app.config["MATCHMAKER_HOME"]) if has_app_context() else None
    reading = intent.model_for(index.embedder, home).read(text, vector)
    return reading.with_side(seeker_side) if seeker_side in intent.SIDES else reading


def search_postings(
    index: SearchIndex,
    query: str,
    filters: SearchFilters,
    *,
    seeker_side: str | None = None,
    limit: int = 20,
    offset: int = 0,
    sort: str = "relevance",
    weights: RankingWeights | None = None,
) -> SearchResults:
    """Public postings matching a free-text query under hard filters, best first, explained.

    `seeker_side` is the searcher's side when known (a logged-in member's organization, or the
    我是企业 / 我是院校 choice); otherwise the query text says it. `sort` (SORTS) reorders what
    passed the ranking's threshold: the same results, newest or soonest closing first.
    """
    text = _check_query(query)
    _check_page(limit, offset)
    weights = weights or RankingWeights()
    filters = replace(filters, valid_on=local_today())
    vector = index.embedder.encode_query(text)
    needs_sought = filters.direction == "need"
    if needs_sought and seeker_side in intent.SIDES:  # a school looking for needs seeks enterprises' needs
        seeker_side = next(side for side in intent.SIDES if side != seeker_side)
    need = read_need(index, text, vector, seeker_side)
    source = Source(intent=need, sectors=get_taxonomy().sectors_in(text), needs_sought=needs_sought)
    side, category, p = need.best()
    info = {"q": text, "read_as": {"side": side, "category": category, "probability": round(p, 3), "from": need.source}}
    return _run(index, text, filters, source, limit, offset, weights, info, vector=vector, sort=sort)


def match_posting(
    posting: Posting,
    index: SearchIndex,
    *,
    limit: int = 20,
    offset: int = 0,
    weights: RankingWeights | None = None,
    among: tuple[int, ...] = (),
) -> SearchResults:
    """The postings of the other side that answer one posting (or that it answers), best first, explained.

    `among` limits the counterparts to these organizations (e.g. an event's participants).
    """
    _check_page(limit, offset)
    taxonomy = get_taxonomy()
    org = posting.organization
    if posting.direction == "need":
        direction, categories = "offer", taxonomy.offer_categories_for(posting.category)
        source = Source(intent=Intent.known(org.kind, posting.category))
    else:
        direction, categories = "need", taxonomy.need_categories_for(posting.category)
        source = Source(offer=Offer(org.kind, org.subtype, posting.category))
    source = replace(source, sectors=tuple(posting.sectors), region_code=posting.region_code)
    filters = SearchFilters(
        direction=direction,
        categories=tuple(categories),
        exclude_organization_id=posting.organization_id,
        organization_ids=among,
        valid_on=local_today(),
    )
    return _run(
        index,
        embedding_text(posting),
        filters,
        source,
        limit,
        offset,
        weights or RankingWeights(),
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
    source: Source,
    limit: int,
    offset: int,
    weights: RankingWeights,
    query_info: dict[str, Any],
    *,
    vector: np.ndarray | None = None,
    sort: str = "relevance",
) -> SearchResults:
    try:
        status = require_current_index(index)
        found = gather(index, text, filters, weights, vector=vector, documents_total=status.documents)
        ranked, evidence = score(found, source, weights)
        ranked = diversify(
            ranked, found.documents, first_page=max(limit, 10), per_organization=weights.per_organization
        )
        facets = index.backend.facets([doc_id for doc_id, _ in ranked])
    except SearchError as exc:
        raise unavailable(exc) from exc
    facets["county"] = county_counts(found.documents[doc_id].region_code for doc_id, _ in ranked)
    ranked = sorted_results(ranked, found.documents, sort)
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


def sorted_results(
    ranked: list[tuple[int, float]], documents: dict[int, IndexDocument], sort: str
) -> list[tuple[int, float]]:
    """The ranked results in the visitor's chosen order (stable: ties keep their rank)."""
    if sort == "newest":
        return sorted(ranked, key=lambda item: documents[item[0]].published_at or "", reverse=True)
    if sort == "closing":
        return sorted(ranked, key=lambda item: (documents[item[0]].valid_until is None, documents[item[0]].valid_until))
    return ranked


def county_counts(region_codes: Iterable[str | None]) -> dict[str, int]:
    """How many results lie in each county (the backends' region facet counts prefectures)."""
    regions = get_taxonomy().regions
    return dict(Counter(code for code in region_codes if code in regions and regions[code].level == "county"))


@dataclass
class Candidates:
    """What the index returned for one text: every channel's hits and the documents behind them."""

    lexical: list[LexicalHit]
    semantic: list[SemanticHit]
    tagged: list[TaggedHit]
    tag_info: dict[str, tuple[float, str]]  # crosswalk tag → (weight, explanation)
    named_tags: frozenset[str]  # the tags that come from what the text names (not from guesses)
    documents: dict[int, IndexDocument]
    known_words: bool = True  # whether any of the text's words is in the index at all


def gather(
    index: SearchIndex,
    text: str,
    filters: SearchFilters,
    weights: RankingWeights | None = None,
    *,
    vector: np.ndarray | None = None,
    documents_total: int | None = None,
) -> Candidates:
    """Ask the backend's three channels for candidates under the same hard filters.

    `vector` is the text's query embedding and `documents_total` the index's size when the caller
    already has them.
    """
    weights = weights or RankingWeights()
    backend, n = index.backend, weights.candidates

    def semantic_hits() -> list[SemanticHit]:
        return backend.semantic(index.embedder.encode_query(text) if vector is None else vector, filters, n)

    # SQLite and the model release the GIL: the vector search (and the encoding, when no vector
    # is given) runs beside the lexical and crosswalk lookups (docs/BENCHMARKS.md, search speed).
    semantic = _side_thread().submit(semantic_hits)
    tokens = tokenize(text)
    frequencies = backend.document_frequencies(tokens) if tokens else {}
    known = [t for t in tokens if frequencies.get(t)]
    # Words most documents carry (技术, 专业 …) say nothing about which one is meant; in a
    # small index a share says nothing either.
    if documents_total is None:
        documents_total = backend.status().documents
    telling = known
    if documents_total >= FILLER_MIN_DOCUMENTS:
        telling = [t for t in known if frequencies[t] / documents_total <= weights.filler_share] or known
    lexical = backend.lexical(telling, filters, n) if telling else []
    tag_info = {
        tag: (weight, why)
        for tag, weight, why in crosswalk.query_tags(
            text, sources=weights.crosswalk_sources, limit=weights.crosswalk_tags
        )
    }
    named = frozenset(
        tag
        for tag, _, _ in crosswalk.query_tags(
            text, sources=weights.crosswalk_sources, limit=weights.crosswalk_tags, described=False
        )
    )
    tagged = backend.tagged(list(tag_info), filters, n) if tag_info else []
    semantic = semantic.result()
    ids = {h.id for h in lexical} | {h.id for h in semantic} | {h.id for h in tagged}
    return Candidates(
        lexical, semantic, tagged, tag_info, named, backend.documents(list(ids)), known_words=bool(known or tag_info)
    )


@functools.cache
def _side_thread() -> ThreadPoolExecutor:
    """Threads for the semantic channel (created on first search, one pool per process)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="semantic")


def channel_values(candidates: Candidates, weights: RankingWeights) -> tuple[dict[int, dict[str, float]], dict]:
    """Each candidate's channel features (lexical, semantic, crosswalk named/described), and its evidence."""
    evidence: dict[int, Evidence] = defaultdict(Evidence)
    values: dict[int, dict[str, float]] = defaultdict(dict)
    best_lexical = max((h.score for h in candidates.lexical), default=0.0)
    for position, hit in enumerate(candidates.lexical, start=1):
        ev = evidence[hit.id]
        ev.lexical_rank, ev.lexical_score, ev.matched_terms = position, hit.score, hit.matched_terms
        if best_lexical > 0:
            values[hit.id]["lexical"] = max(hit.score, 0.0) / best_lexical
    relative = fusion.relative_similarities({h.id: h.similarity for h in candidates.semantic}, weights.semantic_spread)
    for position, hit in enumerate(candidates.semantic, start=1):
        ev = evidence[hit.id]
        ev.semantic_rank, ev.similarity, ev.relative_similarity = position, hit.similarity, relative[hit.id]
        values[hit.id]["semantic"] = relative[hit.id]
    for hit in candidates.tagged:
        links = sorted(
            ((*candidates.tag_info[t], t in candidates.named_tags) for t in hit.tags if t in candidates.tag_info),
            reverse=True,
        )
        if not links:
            continue
        reasons: dict[str, float] = {}
        for weight, why, _ in links:  # different tags can give the same reason: say it once
            reasons.setdefault(why, weight)
        evidence[hit.id].crosswalk = list(reasons.items())
        named = max((weight for weight, _, is_named in links if is_named), default=0.0)
        values[hit.id]["crosswalk_named"] = named
        values[hit.id]["crosswalk_described"] = max(0.0, links[0][0] - named)
    return values, evidence


def score(
    candidates: Candidates, source: Source, weights: RankingWeights | None = None
) -> tuple[list[tuple[int, float]], dict[int, Evidence]]:
    """Every candidate's features, scored and explained: those above the threshold, best first. Pure."""
    weights = weights or RankingWeights()
    if not candidates.known_words:  # no word of the text is in the index and no crosswalk link: nonsense
        return [], {}
    taxonomy = get_taxonomy()
    table, evidence = _feature_values(candidates, source, weights)
    model = weights.ranking
    ranked = []
    for doc_id, values in table.items():
        ev = evidence[doc_id]
        ev.contributions = model.score(values)
        ev.signals = signals(values, ev.contributions, candidates.documents[doc_id], source, taxonomy)
        total = fusion.total(ev.contributions)
        if total >= model.threshold:
            ranked.append((doc_id, total))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked, dict(evidence)


def feature_table(candidates: Candidates, source: Source, weights: RankingWeights | None = None):
    """(document ids, their feature values in ranking.FEATURES order): what training fits weights to."""
    table, _ = _feature_values(candidates, source, weights or RankingWeights())
    ids = sorted(table)
    return ids, np.array([[table[i][name] for name in ranking.FEATURES] for i in ids], dtype=np.float64)


def _feature_values(
    candidates: Candidates, source: Source, weights: RankingWeights
) -> tuple[dict[int, dict[str, float]], dict[int, Evidence]]:
    """Every candidate's feature values (ranking.features), and the channels' evidence behind them."""
    taxonomy = get_taxonomy()
    channels, evidence = channel_values(candidates, weights)
    now = datetime.now(UTC)
    documents = {doc_id: candidates.documents[doc_id] for doc_id in channels if doc_id in candidates.documents}
    floor = min((ranking.freshness(d.published_at, now) for d in documents.values()), default=0.0)
    table = {
        doc_id: ranking.features(document, source, channels[doc_id], taxonomy, freshness_floor=floor, now=now)
        for doc_id, document in documents.items()
    }
    return table, evidence


def signals(
    values: dict[str, float],
    contributions: dict[str, float],
    document: IndexDocument,
    source: Source,
    taxonomy: Taxonomy,
) -> list[dict[str, Any]]:
    """The explained signals of one result: why it answers the need, and sector, region and freshness."""
    found = []
    if values["answers"]:
        found.append(answer_signal(document, source, taxonomy, contributions.get("answers", 0.0)))
    if values["own_side"] >= 0.5:
        found.append(own_side_signal(document, taxonomy, contributions.get("own_side", 0.0)))
    if values["sector"]:
        shared = [s for s in source.sectors if s in document.sectors]
        found.append(sector_signal(shared, taxonomy, contributions.get("sector", 0.0)))
    if values["region"]:
        level = ranking.region_level(taxonomy, source.region_code, document.region_code)
        found.append(
            region_signal(level, taxonomy.region_label(document.region_code), contributions.get("region", 0.0))
        )
    if values["freshness"] and contributions.get("freshness"):
        found.append(freshness_signal(document.published_at, contributions["freshness"]))
    return found


def answer_signal(document: IndexDocument, source: Source, taxonomy: Taxonomy, contribution: float) -> dict[str, Any]:
    """ "读作企业的人才需求；院校的专业供给答复此类需求" — the need as read, and the kind of offer answering it."""
    if source.intent is not None and source.needs_sought:
        need = document.category
        p = source.intent.probabilities.get((document.kind, need), 0.0)
        stated = f"{taxonomy.kinds[document.kind].name}的{taxonomy.categories[need].name}需求"
        return needs_sought_signal(f"读作{stated}（把握 {p:.0%}）", contribution)
    if source.intent is not None:
        side, need, p = source.intent.best()
        offer = document.category
        stated = f"{taxonomy.kinds[side].name}的{taxonomy.categories[need].name}需求"
        read_as = stated if source.intent.source == "posting" else f"读作{stated}（把握 {p:.0%}）"
    else:
        side, need, offer = document.kind, document.category, source.offer.category
        read_as = f"{taxonomy.kinds[side].name}的{taxonomy.categories[need].name}需求"
    return category_signal(read_as, need, offer, taxonomy, contribution)


def own_side_signal(document: IndexDocument, taxonomy: Taxonomy, contribution: float) -> dict[str, Any]:
    name = taxonomy.kinds[document.kind].name
    return {
        "name": "own_side",
        "detail_zh": f"发布方与您同为{name}（同类机构的发布，不是对接方）",
        "detail": f"posted by another {document.kind}: the seeker's own side, not a counterpart",
        "contribution": round(contribution, 6),
    }


def diversify(
    ranked: list[tuple[int, float]], documents: dict[int, IndexDocument], *, first_page: int, per_organization: int
) -> list[tuple[int, float]]:
    """One organization's near-identical postings once; at most `per_organization` of one on the first page."""
    seen: set[tuple[int, str]] = set()
    page: list[tuple[int, float]] = []
    later: list[tuple[int, float]] = []
    shown: dict[int, int] = defaultdict(int)
    for doc_id, value in ranked:
        document = documents[doc_id]
        key = (document.organization_id, _title_key(document.title))
        if key in seen:
            continue
        seen.add(key)
        if len(page) < first_page and shown[document.organization_id] < per_organization:
            page.append((doc_id, value))
            shown[document.organization_id] += 1
        else:
            later.append((doc_id, value))
    return page + later


def _title_key(title: str) -> str:
    """A title without spaces, punctuation and numbering: near-identical titles compare equal."""
    return "".join(c for c in title if c.isalnum() and not c.isdigit()).lower()


def _hydrate(ids: Sequence[int]) -> dict[int, Posting]:
    """Postings by id, dropping any that stopped being public since the index saw them."""
    rows = db.session.scalars(select(Posting).where(Posting.id.in_(ids))).all()
    return {p.id: p for p in rows if p.listed}


def unavailable(error: SearchError) -> SearchUnavailable:
    """What a user is told when the index cannot answer (searches answer from the index as it is, and
    refuse only when there is none, it was built with another model, or the search service is down)."""
    if isinstance(error, IndexMissing):
        return SearchUnavailable(
            Message(
                "搜索索引不存在，请运行 `matchmaker reindex`。",
                "The search index does not exist: run `matchmaker reindex`.",
            )
        )
    if isinstance(error, IndexStale):
        return SearchUnavailable(
            Message(
                "搜索索引由另一个向量模型或版本建立，请运行 `matchmaker reindex`。",
                "The search index was built with another embedding model or schema: run `matchmaker reindex`.",
            )
        )
    if isinstance(error, BackendUnavailable):
        return SearchUnavailable(
            Message(
                "搜索服务暂时无法连接，请稍后再试；已保存的内容不受影响。",
                "The search service cannot be reached; try again shortly. Saved data is not affected.",
            )
        )
    return SearchUnavailable(Message("搜索索引出错：{error}", "Search index error: {error}").format(error=str(error)))


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
