"""Both backends rank alike: the product's search over the same fixed corpus on the embedded index and on Elasticsearch.

The corpus is the judged set's (benchmarks/judged/corpus.jsonl): its organizations and offers
(1,106 postings; the searches look for offers, and leaving its 664 needs out saves a third of
the embedding, the test's main cost), imported through the app and indexed by the product's
own reindex with the real model; the queries are the set's, searched as the API answers
them (offers, nobody logged in). The two backends share the tokens, the
vectors and the ranking above them; what may differ is BM25 scoring (FTS5 bm25 with column
weights against combined_fields BM25F), the HNSW approximation and tie order. The mean top-10
overlap is printed (run with -s) and recorded as a test property; docs/BENCHMARKS.md has the
figures of benchmarks/relevance.py --backend elasticsearch.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from matchmaker import matching
from matchmaker.extensions import db
from matchmaker.indexing.base import SearchFilters
from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import reindex
from matchmaker.transfer import import_file
from tests import servers

JUDGED = Path(__file__).resolve().parents[2] / "benchmarks" / "judged"
K = 10
MIN_MEAN_OVERLAP = 0.9


def offers_corpus(folder: Path) -> Path:
    """The judged corpus without its needs."""
    rows = [line for line in (JUDGED / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = [line for line in rows if json.loads(line).get("direction") != "need"]
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def top_refs(index: SearchIndex, query: str) -> list[str]:
    results = matching.search_postings(index, query, SearchFilters(direction="offer"), limit=K).results
    return [result.posting.ref for result in results]


def overlap(first: list[str], second: list[str]) -> float:
    return len(set(first) & set(second)) / max(len(first), len(second)) if first or second else 1.0


def drop(backend: ElasticsearchBackend) -> None:
    backend.drop()
    backend.close()


@pytest.mark.model
def test_both_backends_rank_the_judged_queries_alike(
    app, use_embedder, real_embedder, elasticsearch_for, record_property, tmp_path
):
    url = elasticsearch_for(list(servers.elasticsearch_targets())[-1])
    queries = [json.loads(line) for line in (JUDGED / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    with app.app_context():
        report = import_file(offers_corpus(tmp_path))
        assert report.written and not report.errors, report.errors[:3]
        db.session.commit()
    started = time.perf_counter()
    embedded = use_embedder(real_embedder)  # reindexes the corpus with the real model
    embedded_s = time.perf_counter() - started
    backend = ElasticsearchBackend(ClusterSettings(url, index_prefix=f"test-agreement-{uuid.uuid4().hex[:8]}"))
    elastic = SearchIndex(backend=backend, embedder=real_embedder, lock_path=embedded.lock_path)
    try:
        with app.app_context():
            started = time.perf_counter()
            indexed = reindex(elastic)  # the vectors come from the embedder's cache
            elastic_s = time.perf_counter() - started
            assert backend.status().documents == embedded.backend.status().documents == indexed
            overlaps = {
                q["id"]: overlap(top_refs(embedded, q["query"]), top_refs(elastic, q["query"])) for q in queries
            }
    finally:
        drop(backend)

    mean = sum(overlaps.values()) / len(overlaps)
    worst = sorted(overlaps.items(), key=lambda item: item[1])[:5]
    record_property("mean_top10_overlap", round(mean, 4))
    print(
        f"\n{indexed} postings (embedded index with embedding {embedded_s:.0f} s, Elasticsearch {elastic_s:.1f} s); "
        f"mean top-10 overlap over {len(overlaps)} queries: {mean:.3f}; lowest: {worst}"
    )
    assert mean >= MIN_MEAN_OVERLAP, worst
