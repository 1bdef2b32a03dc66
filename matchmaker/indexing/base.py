"""The search interface every backend implements, and the values that cross it.

A backend stores index documents (one per searchable posting) with their embedding
vectors and answers three kinds of candidate queries under the same hard filters:
lexical (BM25 over the shared tokens), semantic (nearest vectors) and tagged (documents
carrying given crosswalk tags). Ranking, fusion and explanations happen above the
backend (matchmaker.matching), so every backend ranks alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

import numpy as np

FACET_FIELDS = ("sector", "region", "category", "kind")
# Longer lexical queries keep only their rarest terms (lexical_terms).
MAX_QUERY_TERMS = 32
# BM25 weight of a term in the title against one in the body, in every backend.
TITLE_WEIGHT = 3.0


@dataclass(frozen=True)
class IndexDocument:
    """What the index knows of one searchable posting (built by indexing.documents)."""

    id: int  # the posting's id
    ref: str | None
    direction: str  # need | offer
    category: str
    kind: str  # the organization's kind: enterprise | school
    organization_id: int
    organization_name: str
    title: str
    description: str
    sectors: tuple[str, ...]
    region_code: str | None  # 6-digit code of the county, prefecture or province
    prefecture_code: str | None  # the prefecture containing region_code (for filters and facets)
    valid_until: date | None
    published_at: str | None  # ISO timestamp, for freshness
    title_tokens: tuple[str, ...]  # tokenizer output, shared by all backends
    body_tokens: tuple[str, ...]
    tags: tuple[str, ...] = ()  # crosswalk tags such as "major:460103", "occupation:6-18-01-01"
    embedding_text: str = ""  # the text that was embedded (for the embedding cache key)
    organization_subtype: str | None = None  # e.g. 高职院校, 行业组织 (which sides it serves)


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters: a document must satisfy all given ones. Empty tuples mean no filter."""

    direction: str | None = None
    categories: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()  # any of
    region_codes: tuple[str, ...] = ()  # any of; callers expand a prefecture to its counties
    kinds: tuple[str, ...] = ()
    exclude_organization_id: int | None = None
    organization_ids: tuple[int, ...] = ()  # any of (e.g. the organizations registered for an event)
    valid_on: date | None = None  # drop documents whose valid_until is before this day


@dataclass(frozen=True)
class LexicalHit:
    id: int
    score: float  # BM25, higher is better
    matched_terms: tuple[str, ...] = ()  # query tokens found in the document


@dataclass(frozen=True)
class SemanticHit:
    id: int
    similarity: float  # cosine similarity of the normalised vectors


@dataclass(frozen=True)
class TaggedHit:
    id: int
    tags: tuple[str, ...]  # which of the asked tags the document carries


@dataclass(frozen=True)
class IndexStatus:
    exists: bool
    documents: int = 0
    model: str | None = None  # embedding model id the vectors were made with
    dimensions: int | None = None
    schema_version: int | None = None
    details: dict[str, str] = field(default_factory=dict)


class SearchError(Exception):
    """Base of the indexing errors."""


class IndexMissing(SearchError):
    """There is no index yet (or it was deleted): run `matchmaker reindex`."""


class IndexStale(SearchError):
    """The index does not match the database or the configured model: sync or reindex."""


class BackendUnavailable(SearchError):
    """The search service cannot be reached, or keeps answering that it is overloaded."""


class PartialWrite(SearchError):
    """Some documents of a write were not stored (the others were): `failed` maps their ids to the reason."""

    def __init__(self, failed: dict[int, str]) -> None:
        self.failed = failed
        sample = "; ".join(f"{doc_id}: {reason}" for doc_id, reason in list(failed.items())[:3])
        super().__init__(f"{len(failed)} document(s) not written ({sample})")


def checked_vectors(vectors: np.ndarray, rows: int, dimensions: int) -> np.ndarray:
    """The vectors as a contiguous float32 (rows, dimensions) array; SearchError if the shape or values are wrong."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1 and rows == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape != (rows, dimensions):
        raise SearchError(
            f"expected vectors of shape ({rows}, {dimensions}) for this index "
            f"(model dimensions {dimensions}), got {array.shape}"
        )
    if not np.isfinite(array).all():
        raise SearchError("vectors contain NaN or infinite values")
    return np.ascontiguousarray(array)


def lexical_terms(
    tokens: Sequence[str], document_frequencies: Callable[[Sequence[str]], dict[str, int]]
) -> tuple[list[str], list[str]]:
    """A lexical query's distinct terms, and those to score: all of them, or the MAX_QUERY_TERMS found in
    the fewest documents when there are more (terms in none dropped; ties in query order).

    A whole posting used as a query has ~80 terms, most of them common; OR-ing them all makes a
    backend score nearly every document (FTS5: about a second at 100k), while BM25's weight sits
    in the rare terms.
    """
    terms = list(dict.fromkeys(t for t in tokens if t and not t.isspace()))
    if len(terms) <= MAX_QUERY_TERMS:
        return terms, terms
    frequencies = document_frequencies(terms)
    present = [t for t in terms if frequencies.get(t)]
    return terms, sorted(present, key=lambda t: (frequencies[t], terms.index(t)))[:MAX_QUERY_TERMS]


@runtime_checkable
class SearchBackend(Protocol):
    """What matching needs from a search index. Implementations: embedded (default), Elasticsearch."""

    name: str

    def status(self) -> IndexStatus:
        """Whether the index exists, how many documents it holds and which model made its vectors (cheap)."""

    def health(self) -> dict[str, str]:
        """Facts for operators (file or cluster, versions, size, cluster health); may take several requests."""

    def rebuild(self, model: str, dimensions: int) -> AbstractContextManager[SearchBackend]:
        """Build a fresh, empty index beside the live one and yield a backend writing into it.

        On a clean exit the new index replaces the live one atomically (other processes see
        it on their next query); on an exception it is discarded and the live one stays.
        """

    def upsert(self, documents: Sequence[IndexDocument], vectors: np.ndarray) -> None:
        """Insert or replace documents with their vectors (row i of `vectors` belongs to documents[i]).

        Raises PartialWrite naming the documents that could not be stored when the others were.
        """

    def delete(self, ids: Sequence[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """How many documents hold each term (terms in none are left out)."""

    def lexical(self, tokens: Sequence[str], filters: SearchFilters, limit: int) -> list[LexicalHit]:
        """Documents containing any of the tokens, best BM25 first (title counts more than body)."""

    def semantic(self, vector: np.ndarray, filters: SearchFilters, limit: int) -> list[SemanticHit]:
        """The `limit` documents nearest to the vector, most similar first."""

    def tagged(self, tags: Sequence[str], filters: SearchFilters, limit: int) -> list[TaggedHit]:
        """Documents carrying any of the tags (no particular order)."""

    def documents(self, ids: Sequence[int]) -> dict[int, IndexDocument]:
        """The stored documents for these ids (missing ids are left out)."""

    def facets(self, ids: Sequence[int]) -> dict[str, dict[str, int]]:
        """Counts per value of each facet field (FACET_FIELDS; region by prefecture) over these ids."""

    def count(self, filters: SearchFilters) -> int:
        """How many documents pass the filters."""

    def ids(self) -> set[int]:
        """The ids of all documents in the index (to compare with the database)."""
