"""The Elasticsearch search backend: the same documents, filters and channels as the embedded one, on a cluster.

Index design. One physical index per build, `<prefix>-postings-v<schema>-<stamp>`, behind
the alias `<prefix>-postings`; searches and live writes go through the alias. The mapping
is explicit and strict:

- the jieba tokens of title and body, space-joined, in `title_text` and `body_text`, both
  analysed with the built-in `whitespace` analyzer, so the engine sees exactly the tokens
  the embedded backend indexes; lexical queries are `combined_fields` (BM25F) with the
  title weighted three times, like FTS5's bm25 column weights;
- keyword fields for every filter and facet (direction, category, kind, sectors, region
  and prefecture codes, organization, crosswalk tags) and a date for `valid_until`;
- `embedding`, a `dense_vector` of the model's dimensions indexed for kNN (HNSW, float,
  cosine), left out of `_source` (the database is the source, and the vectors would
  double the disk);
- everything else of the IndexDocument in `_source` only, for `documents()`.

The model, its dimensions and the schema version sit in the mapping's `_meta`.

Rebuilds fill a new physical index (no refresh, no replica while filling), then swap the
alias in one `update_aliases` request and delete the old index: a search sees the whole
old index or the whole new one. Rebuilds and live writes are ordered by the caller's
writer lock (matchmaker.indexing.sync), which lives in the database, not on a host.

Writes go in bulk requests of BULK_DOCUMENTS documents, retried with exponential back-off
on 429, 5xx and connection errors, per request and per item. Items that still fail are
reported in `PartialWrite` (the outbox keeps them pending); the others are written.

The client is built on first use; `elasticsearch` is imported only here.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from matchmaker.indexing.base import (
    FACET_FIELDS,
    TITLE_WEIGHT,
    BackendUnavailable,
    IndexDocument,
    IndexMissing,
    IndexStatus,
    LexicalHit,
    PartialWrite,
    SearchError,
    SearchFilters,
    SemanticHit,
    TaggedHit,
    checked_vectors,
    lexical_terms,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# Elasticsearch's limits on one search: hits returned, kNN k and num_candidates.
MAX_RESULTS = 10_000
# HNSW explores this many candidates per wanted neighbour (at least MIN_NUM_CANDIDATES). At
# 100k postings recall@10 against exact search is 0.77 with 3 and 0.97 with 10, for twice
# the kNN time (docs/BENCHMARKS.md).
NUM_CANDIDATES_FACTOR = 10
MIN_NUM_CANDIDATES = 100
BULK_DOCUMENTS = 500
# Statuses worth retrying: the cluster is busy (429) or briefly unable (5xx).
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
FACET_SOURCES = {"sector": "sectors", "region": "prefecture_code", "category": "category", "kind": "kind"}
assert tuple(FACET_SOURCES) == FACET_FIELDS

_STORED = {"type": "keyword", "index": False, "doc_values": False}  # kept in _source only
_KEYWORD = {"type": "keyword"}


def mapping(model: str, dimensions: int) -> dict[str, Any]:
    """The explicit mapping of a physical index for vectors of this model."""
    return {
        "dynamic": "strict",
        "_meta": {
            "schema_version": SCHEMA_VERSION,
            "model": model,
            "dimensions": dimensions,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "_source": {"excludes": ["embedding"]},
        "properties": {
            "id": {"type": "long"},
            "ref": _KEYWORD,
            "direction": _KEYWORD,
            "category": _KEYWORD,
            "kind": _KEYWORD,
            "organization_id": {"type": "long"},
            "organization_name": _STORED,
            "organization_subtype": _KEYWORD,
            "title": {"type": "text", "index": False},
            "description": {"type": "text", "index": False},
            "sectors": _KEYWORD,
            "region_code": _KEYWORD,
            "prefecture_code": _KEYWORD,
            "valid_until": {"type": "date", "format": "strict_date"},
            "published_at": _STORED,
            "title_tokens": {"type": "text", "index": False},
            "body_tokens": {"type": "text", "index": False},
            "title_text": {"type": "text", "analyzer": "whitespace"},
            "body_text": {"type": "text", "analyzer": "whitespace"},
            "tags": _KEYWORD,
            "embedding_text": {"type": "text", "index": False},
            "embedding": {
                "type": "dense_vector",
                "dims": dimensions,
                "index": True,
                "similarity": "cosine",
                # Full float vectors: similarities equal the embedded backend's. int8/bbq
                # quantisation would save memory at some recall (docs/ELASTICSEARCH.md).
                "index_options": {"type": "hnsw"},
            },
        },
    }


@dataclass(frozen=True)
class ClusterSettings:
    """How to reach the cluster and how to lay out the index (from the MATCHMAKER_ELASTICSEARCH_* settings)."""

    url: str
    index_prefix: str = "matchmaker"
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None
    request_timeout: float = 10.0
    shards: int = 1
    replicas: str = "0-1"  # auto_expand_replicas: a replica as soon as a second node is there
    retries: int = 5  # attempts of a bulk request after the first
    backoff: float = 0.5  # seconds before the first retry; doubled each time

    @property
    def alias(self) -> str:
        return f"{self.index_prefix}-postings"

    @property
    def replica_settings(self) -> dict[str, Any]:
        if "-" in self.replicas:
            return {"auto_expand_replicas": self.replicas}
        return {"auto_expand_replicas": False, "number_of_replicas": int(self.replicas)}

    def client(self):
        from elasticsearch import Elasticsearch

        hosts = [url.strip() for url in self.url.split(",") if url.strip()]
        options: dict[str, Any] = {"request_timeout": self.request_timeout, "retry_on_timeout": True}
        if self.api_key:
            options["api_key"] = self.api_key
        if self.username:
            options["basic_auth"] = (self.username, self.password or "")
        if self.ca_certs:
            options["ca_certs"] = self.ca_certs
        return Elasticsearch(hosts, **options)


class ElasticsearchBackend:
    """SearchBackend on an Elasticsearch index behind an alias. Connects on first use."""

    name = "elasticsearch"

    def __init__(self, settings: ClusterSettings, *, _target: str | None = None, _client=None) -> None:
        self.settings = settings
        self._target = _target  # a rebuild's physical index; None: the live alias
        self._client_instance = _client
        self._client_lock = threading.Lock()
        self._meta_cache: dict[str, dict[str, Any]] = {}
        self._unrefreshed = False  # a rebuild's index got writes no search sees yet

    def __repr__(self) -> str:
        return f"Elasticsearch at {self.settings.url}, index {self._index}"

    @property
    def _index(self) -> str:
        return self._target or self.settings.alias

    @property
    def client(self):
        if self._client_instance is None:
            with self._client_lock:
                if self._client_instance is None:
                    self._client_instance = self.settings.client()
        return self._client_instance

    def close(self) -> None:
        if self._client_instance is not None and self._target is None:
            self._client_instance.close()
            self._client_instance = None

    # -- status and rebuild ------------------------------------------------------------

    def _physical(self) -> str:
        """The physical index behind the alias (IndexMissing when there is none)."""
        if self._target is not None:
            return self._target
        with _errors():
            names = self._aliased()
        if not names:
            raise IndexMissing(
                f"no search index behind alias {self.settings.alias!r} on {self.settings.url}: run `matchmaker reindex`"
            )
        return names[0]

    def _meta(self, physical: str) -> dict[str, Any]:
        meta = self._meta_cache.get(physical)
        if meta is None:
            with _errors():
                answer = self.client.indices.get_mapping(index=physical)
            meta = self._meta_cache[physical] = answer.body[physical]["mappings"].get("_meta", {})
        return meta

    def status(self) -> IndexStatus:
        try:
            physical = self._physical()
        except IndexMissing:
            return IndexStatus(exists=False, details={"alias": self.settings.alias, "url": self.settings.url})
        meta = self._meta(physical)
        with _errors():
            documents = self.client.count(index=self._readable() if self._target else physical)["count"]
        return IndexStatus(
            exists=True,
            documents=documents,
            model=meta.get("model"),
            dimensions=meta.get("dimensions"),
            schema_version=meta.get("schema_version"),
            details={"alias": self.settings.alias, "index": physical, "url": self.settings.url},
        )

    def health(self) -> dict[str, str]:
        """What an operator checks: the cluster's health and version, the index's size (a few requests)."""
        with _errors():
            health = self.client.cluster.health()
            versions = self.client.cluster.stats(filter_path="nodes.versions")["nodes"]["versions"]
        facts = {
            "cluster": str(health["cluster_name"]),
            "health": str(health["status"]),
            "nodes": str(health["number_of_nodes"]),
            "version": ", ".join(versions),
        }
        try:
            physical = self._physical()
        except IndexMissing:
            return facts
        with _errors():
            stats = self.client.indices.stats(index=physical, metric="store")
        facts["index"] = physical
        facts["bytes"] = str(stats["_all"]["primaries"]["store"]["size_in_bytes"])
        return facts

    @contextmanager
    def rebuild(self, model: str, dimensions: int) -> Iterator[ElasticsearchBackend]:
        """Fill a new physical index; point the alias at it on a clean exit, delete it on error."""
        if dimensions <= 0:
            raise SearchError(f"dimensions must be positive, not {dimensions}")
        self._remove_abandoned_builds()
        stamp = datetime.now(UTC).strftime("%Y%m%dt%H%M%S")
        physical = f"{self.settings.alias}-v{SCHEMA_VERSION}-{stamp}-{secrets.token_hex(3)}"
        with _errors():
            self.client.indices.create(
                index=physical,
                settings={
                    "number_of_shards": self.settings.shards,
                    "number_of_replicas": 0,
                    "refresh_interval": "-1",
                },
                mappings=mapping(model, dimensions),
            )
        try:
            yield ElasticsearchBackend(self.settings, _target=physical, _client=self.client)
            with _errors():
                self.client.indices.refresh(index=physical)
                self.client.indices.put_settings(
                    index=physical, settings={"refresh_interval": None, **self.settings.replica_settings}
                )
                previous = self._aliased()
                self.client.indices.update_aliases(
                    actions=[
                        *({"remove": {"index": name, "alias": self.settings.alias}} for name in previous),
                        {"add": {"index": physical, "alias": self.settings.alias}},
                    ]
                )
            for name in previous:
                self._delete_index(name)
        except BaseException:
            self._delete_index(physical)
            raise

    def _aliased(self) -> list[str]:
        """The physical indices behind the alias (none or one)."""
        from elasticsearch import NotFoundError

        try:
            return list(self.client.indices.get_alias(name=self.settings.alias).body)
        except NotFoundError:
            return []

    def _builds(self) -> list[str]:
        pattern = re.compile(re.escape(self.settings.alias) + r"-v\d+-\d{8}t\d{6}-[0-9a-f]{6}")
        answer = self.client.indices.get(index=f"{self.settings.alias}-v*", ignore_unavailable=True)
        return [name for name in answer.body if pattern.fullmatch(name)]

    def _remove_abandoned_builds(self) -> None:
        """Delete physical indices no alias points at: left by rebuilds that died (the writer lock
        keeps two rebuilds from running at once)."""
        with _errors():
            live = set(self._aliased())
            for name in self._builds():
                if name not in live:
                    self._delete_index(name)

    def _delete_index(self, name: str) -> None:
        try:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except Exception as error:  # noqa: BLE001 - the next rebuild removes it
            log.warning("could not delete search index %s: %s", name, error)

    def indices(self) -> list[str]:
        """Every physical index of this prefix (the live one and any a dead rebuild left)."""
        with _errors():
            return sorted(self._builds())

    def drop(self) -> None:
        """Delete every physical index of this prefix, alias and all (removing an instance; tests and
        benchmarks cleaning up). By name: clusters refuse wildcard deletes."""
        for name in self.indices():
            with _errors():
                self.client.indices.delete(index=name, ignore_unavailable=True)

    # -- writes ------------------------------------------------------------------------

    def upsert(self, documents: Sequence[IndexDocument], vectors: np.ndarray) -> None:
        if not documents:
            return
        physical = self._physical()
        array = checked_vectors(vectors, len(documents), int(self._meta(physical)["dimensions"]))
        latest = {document.id: i for i, document in enumerate(documents)}  # the last of a repeated id wins
        operations = [
            (
                documents[i].id,
                {"index": {"_index": physical, "_id": str(documents[i].id)}},
                _source(documents[i], array[i]),
            )
            for i in sorted(latest.values())
        ]
        self._bulk(operations)

    def delete(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        physical = self._physical()
        self._bulk([(int(i), {"delete": {"_index": physical, "_id": str(int(i))}}, None) for i in dict.fromkeys(ids)])

    def _bulk(self, operations: list[tuple[int, dict, dict | None]]) -> None:
        failed: dict[int, str] = {}
        for start in range(0, len(operations), BULK_DOCUMENTS):
            failed.update(self._bulk_batch(operations[start : start + BULK_DOCUMENTS]))
        if failed:
            raise PartialWrite(failed)

    def _bulk_batch(self, operations: list[tuple[int, dict, dict | None]]) -> dict[int, str]:
        """One bulk request with retries; returns the ids whose items failed for good, with the reason."""
        from elasticsearch import ApiError, TransportError

        pending, failed = operations, {}
        refresh = self._target is None  # live writes are visible to the next search; a rebuild refreshes once
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(self.settings.backoff * 2 ** (attempt - 1))
            body: list[dict] = []
            for _, action, source in pending:
                body.append(action)
                if source is not None:
                    body.append(source)
            try:
                answer = self.client.options(max_retries=0).bulk(operations=body, refresh=refresh)
            except ApiError as error:
                if error.meta.status in TRANSIENT_STATUSES and attempt < self.settings.retries:
                    log.info("bulk request answered %s, retrying: %s", error.meta.status, error)
                    continue
                if error.meta.status in TRANSIENT_STATUSES:
                    raise BackendUnavailable(f"Elasticsearch kept answering {error.meta.status}: {error}") from error
                if error.meta.status == 404:
                    raise IndexMissing(f"search index {self._index} is gone: run `matchmaker reindex`") from error
                raise SearchError(f"Elasticsearch refused a bulk request: {error}") from error
            except TransportError as error:  # connection refused, reset, timed out
                if attempt < self.settings.retries:
                    log.info("bulk request failed, retrying: %s", error)
                    continue
                raise BackendUnavailable(f"Elasticsearch at {self.settings.url} cannot be reached: {error}") from error
            retry = []
            for operation, item in zip(pending, answer["items"], strict=True):
                (result,) = item.values()
                status = result["status"]
                if status < 300 or ("delete" in item and status == 404):
                    continue
                reason = _reason(result.get("error"), status)
                if status in TRANSIENT_STATUSES and attempt < self.settings.retries:
                    retry.append(operation)
                else:
                    failed[operation[0]] = reason
            self._unrefreshed = not refresh
            if not retry:
                break
            log.info("%d bulk items failed transiently, retrying", len(retry))
            pending = retry
        return failed

    # -- queries -----------------------------------------------------------------------

    def _readable(self) -> str:
        """The index to read; a rebuild's index is refreshed first when written since (it never refreshes itself)."""
        if self._unrefreshed:
            with _errors():
                self.client.indices.refresh(index=self._index)
            self._unrefreshed = False
        return self._index

    def _search(self, **request) -> dict:
        index = self._readable()
        with _errors():
            return self.client.search(index=index, **request).body

    def lexical(self, tokens: Sequence[str], filters: SearchFilters, limit: int) -> list[LexicalHit]:
        terms, scored_terms = lexical_terms(tokens, self.document_frequencies)
        if not scored_terms or limit <= 0:
            self._physical()  # still IndexMissing when there is no index
            return []
        answer = self._search(
            query={
                "bool": {
                    "must": {
                        "combined_fields": {
                            "query": " ".join(scored_terms),
                            "fields": [f"title_text^{TITLE_WEIGHT:g}", "body_text"],
                            "operator": "or",
                        }
                    },
                    **_filter_clauses(filters),
                }
            },
            sort=[{"_score": "desc"}, {"id": "asc"}],
            size=min(limit, MAX_RESULTS),
            source=["title_tokens", "body_tokens"],
            track_total_hits=False,
        )
        hits = []
        for hit in answer["hits"]["hits"]:
            stored = set(hit["_source"]["title_tokens"]) | set(hit["_source"]["body_tokens"])
            hits.append(
                LexicalHit(
                    id=int(hit["_id"]),
                    score=float(hit["_score"]),
                    matched_terms=tuple(t for t in terms if t in stored),
                )
            )
        return hits

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            self._physical()
            return {}
        answer = self._search(
            size=0,
            track_total_hits=False,
            aggs={
                "terms": {
                    "filters": {
                        "filters": {
                            str(n): {"bool": {"should": [{"term": {"title_text": t}}, {"term": {"body_text": t}}]}}
                            for n, t in enumerate(wanted)
                        }
                    }
                }
            },
        )
        buckets = answer["aggregations"]["terms"]["buckets"]
        return {t: buckets[str(n)]["doc_count"] for n, t in enumerate(wanted) if buckets[str(n)]["doc_count"]}

    def semantic(self, vector: np.ndarray, filters: SearchFilters, limit: int) -> list[SemanticHit]:
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if limit <= 0:
            self._physical()
            return []
        # A vector of the wrong size is refused by the engine (400 → SearchError): no lookup of the
        # index's dimensions on every search.
        k = min(limit, MAX_RESULTS)
        knn: dict[str, Any] = {
            "field": "embedding",
            "query_vector": query.tolist(),
            "k": k,
            "num_candidates": min(MAX_RESULTS, max(MIN_NUM_CANDIDATES, NUM_CANDIDATES_FACTOR * k)),
        }
        clauses = _filter_clauses(filters)
        if clauses:
            knn["filter"] = {"bool": clauses}
        answer = self._search(knn=knn, size=k, source=False, track_total_hits=False)
        # The engine scores cosine as (1 + cos) / 2.
        hits = [(int(hit["_id"]), 2.0 * float(hit["_score"]) - 1.0) for hit in answer["hits"]["hits"]]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return [SemanticHit(id=doc_id, similarity=similarity) for doc_id, similarity in hits]

    def tagged(self, tags: Sequence[str], filters: SearchFilters, limit: int) -> list[TaggedHit]:
        wanted = list(dict.fromkeys(tags))
        if not wanted or limit <= 0:
            self._physical()
            return []
        answer = self._search(
            query={
                "bool": {
                    # Each carried tag adds 1: the score counts the tags, as the embedded backend orders.
                    "should": [{"constant_score": {"filter": {"term": {"tags": tag}}}} for tag in wanted],
                    "minimum_should_match": 1,
                    **_filter_clauses(filters),
                }
            },
            sort=[{"_score": "desc"}, {"id": "asc"}],
            size=min(limit, MAX_RESULTS),
            source=["tags"],
            track_total_hits=False,
        )
        hits = []
        for hit in answer["hits"]["hits"]:
            carried = set(hit["_source"]["tags"])
            hits.append(TaggedHit(id=int(hit["_id"]), tags=tuple(t for t in wanted if t in carried)))
        return hits

    def documents(self, ids: Sequence[int]) -> dict[int, IndexDocument]:
        wanted = [str(int(i)) for i in dict.fromkeys(ids)]
        if not wanted:
            self._physical()
            return {}
        with _errors():
            answer = self.client.mget(index=self._index, ids=wanted)
        found = {}
        for doc in answer["docs"]:
            if "error" in doc:  # mget reports a missing index per document
                if doc["error"].get("type") == "index_not_found_exception":
                    raise IndexMissing(f"no search index {self._index}: run `matchmaker reindex`")
                raise SearchError(f"Elasticsearch could not read document {doc['_id']}: {_reason(doc, 0)}")
            if doc.get("found"):
                found[int(doc["_id"])] = _document(doc["_source"])
        return found

    def facets(self, ids: Sequence[int]) -> dict[str, dict[str, int]]:
        wanted = [int(i) for i in dict.fromkeys(ids)]
        if not wanted:
            self._physical()
            return {name: {} for name in FACET_FIELDS}
        answer = self._search(
            size=0,
            track_total_hits=False,
            query={"terms": {"id": wanted}},
            aggs={name: {"terms": {"field": field, "size": 1000}} for name, field in FACET_SOURCES.items()},
        )
        return {
            name: {bucket["key"]: bucket["doc_count"] for bucket in answer["aggregations"][name]["buckets"]}
            for name in FACET_FIELDS
        }

    def count(self, filters: SearchFilters) -> int:
        clauses = _filter_clauses(filters)
        query = {"bool": clauses} if clauses else {"match_all": {}}
        with _errors():
            answer = self.client.count(index=self._readable(), query=query)
        return int(answer["count"])

    def ids(self) -> set[int]:
        from elasticsearch import helpers

        self._physical()
        with _errors():
            return {
                int(hit["_id"])
                for hit in helpers.scan(self.client, index=self._readable(), query={"_source": False}, size=5000)
            }


# -- helpers ---------------------------------------------------------------------------


@contextmanager
def _errors() -> Iterator[None]:
    """Translate the client's exceptions into the interface's: missing index, unreachable cluster, refusal."""
    from elasticsearch import ApiError, NotFoundError, TransportError

    try:
        yield
    except NotFoundError as error:
        raise IndexMissing(f"the search index does not exist: run `matchmaker reindex` ({error.message})") from error
    except ApiError as error:
        if error.meta.status in TRANSIENT_STATUSES:
            raise BackendUnavailable(f"Elasticsearch answered {error.meta.status}: {error.message}") from error
        raise SearchError(f"Elasticsearch refused the request: {_reason(error.body, error.meta.status)}") from error
    except TransportError as error:
        raise BackendUnavailable(f"Elasticsearch cannot be reached: {error}") from error


def _reason(error: Any, status: int) -> str:
    """The root cause Elasticsearch gives, in one line."""
    if isinstance(error, dict):
        cause = error.get("error", error)
        if isinstance(cause, dict):
            root = (cause.get("root_cause") or [cause])[0]
            return f"{root.get('type', status)}: {root.get('reason', '')}".strip()
        return str(cause)
    return f"status {status}: {error}"


def _filter_clauses(filters: SearchFilters) -> dict[str, list[dict]]:
    """The filters as a bool query's `filter` and `must_not` clauses (empty when there is no filter)."""
    keep: list[dict] = []
    drop: list[dict] = []
    if filters.direction is not None:
        keep.append({"term": {"direction": filters.direction}})
    for field, values in (
        ("category", filters.categories),
        ("kind", filters.kinds),
        ("region_code", filters.region_codes),
        ("sectors", filters.sectors),
        ("organization_id", filters.organization_ids),
    ):
        if values:
            keep.append({"terms": {field: list(values)}})
    if filters.exclude_organization_id is not None:
        drop.append({"term": {"organization_id": filters.exclude_organization_id}})
    if filters.valid_on is not None:
        keep.append(
            {
                "bool": {
                    "should": [
                        {"bool": {"must_not": {"exists": {"field": "valid_until"}}}},
                        {"range": {"valid_until": {"gte": filters.valid_on.isoformat()}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    clauses: dict[str, list[dict]] = {}
    if keep:
        clauses["filter"] = keep
    if drop:
        clauses["must_not"] = drop
    return clauses


def _source(document: IndexDocument, vector: np.ndarray) -> dict[str, Any]:
    return {
        "id": document.id,
        "ref": document.ref,
        "direction": document.direction,
        "category": document.category,
        "kind": document.kind,
        "organization_id": document.organization_id,
        "organization_name": document.organization_name,
        "organization_subtype": document.organization_subtype,
        "title": document.title,
        "description": document.description,
        "sectors": list(document.sectors),
        "region_code": document.region_code,
        "prefecture_code": document.prefecture_code,
        "valid_until": document.valid_until.isoformat() if document.valid_until else None,
        "published_at": document.published_at,
        "title_tokens": list(document.title_tokens),
        "body_tokens": list(document.body_tokens),
        # Tokens never contain whitespace (the tokenizer splits on it), so spaces separate them.
        "title_text": " ".join(document.title_tokens),
        "body_text": " ".join(document.body_tokens),
        "tags": list(document.tags),
        "embedding_text": document.embedding_text,
        "embedding": vector.tolist(),
    }


_DOCUMENT_FIELDS = tuple(IndexDocument.__dataclass_fields__)
_TUPLES = ("sectors", "title_tokens", "body_tokens", "tags")


def _document(source: dict[str, Any]) -> IndexDocument:
    values = {name: source.get(name) for name in _DOCUMENT_FIELDS}
    for name in _TUPLES:
        values[name] = tuple(values[name] or ())
    if values["valid_until"] is not None:
        values["valid_until"] = date.fromisoformat(values["valid_until"])
    values["embedding_text"] = values["embedding_text"] or ""
    return IndexDocument(**values)
