"""Relevance on the development sets, in one run.

Usage:
    .venv/bin/python benchmarks/relevance.py [--dev-eval ../shared/dev-eval] [--model PATH]
                                             [--only judged|older] [--unjudged-out FILE]
                                             [--backend embedded|elasticsearch]
                                             [--elasticsearch-url URL | --elasticsearch-home DIR]

1. The judged sets (benchmarks/judged/, and ../shared/dev-eval/judged/ when present; see
   benchmarks/judged.py): every query through the product's own search
   (matching.search_postings, offers, nobody logged in — as the API answers it), beside
   BM25, dense e5 and their RRF computed in the same run; nDCG@10, P@5 and top-1 good,
   overall and per group; results nobody graded are counted as 0 and listed.
2. The older needs → programs set (../shared/dev-eval: 1,319 program offers, 621 queries
   labelled from the majors' 职业面向): lexical only, semantic only, RRF, crosswalk only and
   hybrid, with both crosswalk variants. Programs are tagged by the crosswalk from their
   titles; the product never sees the labels.

With `--backend elasticsearch` the product's ranking also runs on Elasticsearch
(matchmaker.indexing.elastic) over the same instance, the same documents and vectors, in
the same run: the tables show both backends side by side, with the mean top-10 overlap of
the two backends' product rankings per query set. A cluster at --elasticsearch-url is used,
else a single node is started from .cache/elasticsearch/ (newest 8.x; --elasticsearch-home
to choose) and stopped at the end; the benchmark's indices are deleted by name.

Scratch instances live under benchmarks/.cache/ (their embedding caches make reruns fast).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import es_server  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from matchmaker import create_app, matching  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.indexing import documents, get_search_index  # noqa: E402
from matchmaker.indexing.base import SearchFilters  # noqa: E402
from matchmaker.indexing.service import SearchIndex  # noqa: E402
from matchmaker.indexing.sync import reindex  # noqa: E402
from matchmaker.models import Posting  # noqa: E402
from matchmaker.ranking import Source  # noqa: E402
from matchmaker.taxonomy import get_taxonomy  # noqa: E402
from matchmaker.transfer import import_file  # noqa: E402

K = 10
# Feature weights of each mode (None: the product's learned ones); "plain RRF" fuses the lexical and
# semantic channels' ranks instead (k = 60).
MODES = {
    "lexical only": {"lexical": 1.0},
    "semantic only": {"semantic": 1.0},
    "plain RRF (BM25 + e5, k=60)": "rrf",
    "crosswalk only": {"crosswalk_named": 1.0, "crosswalk_described": 1.0},
    "hybrid (product default)": None,
}


def metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    top = ranked[:K]
    gains = [1.0 if ref in relevant else 0.0 for ref in top]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    first = next((i for i, g in enumerate(gains) if g), None)
    return {
        "Recall@10": sum(gains) / len(relevant),
        "nDCG@10": dcg / ideal if ideal else 0.0,
        "MRR@10": 1.0 / (first + 1) if first is not None else 0.0,
        "hit@10": 1.0 if first is not None else 0.0,
    }


def gather_all(index, queries, weights) -> list:
    """Every query's candidates and source, as search_postings reads them (the slow part)."""
    filters = SearchFilters(direction="offer")
    taxonomy = get_taxonomy()
    found = []
    for query in queries:
        vector = index.embedder.encode_query(query["query"])
        source = Source(
            intent=matching.read_need(index, query["query"], vector), sectors=taxonomy.sectors_in(query["query"])
        )
        found.append((matching.gather(index, query["query"], filters, weights, vector=vector), source))
    return found


def rrf(candidates) -> list[int]:
    fused = defaultdict(float)
    for hits in (candidates.lexical, candidates.semantic):
        for rank, hit in enumerate(hits, start=1):
            fused[hit.id] += 1.0 / (60 + rank)
    return sorted(fused, key=lambda doc_id: (-fused[doc_id], doc_id))


def evaluate(candidates, queries, refs, weights, mode) -> dict[str, dict[str, float]]:
    """Score every query's candidates with these weights (fast: no index access)."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for query, (found, source) in zip(queries, candidates, strict=True):
        if mode == "rrf":
            ranked = rrf(found)
        else:
            changed = replace(weights, features=mode, threshold=float("-inf")) if mode else weights
            ranked = [doc_id for doc_id, _ in matching.score(found, source, changed)[0]]
        scores = metrics([refs[doc_id] for doc_id in ranked[:K]], set(query["relevant_major_codes"]))
        for group in ("all", query["query_type"]):
            counts[group] += 1
            for name, value in scores.items():
                sums[group][name] += value
    return {group: {name: value / counts[group] for name, value in sums[group].items()} for group in sums}


def table(results: dict[str, dict[str, dict[str, float]]], groups: list[str]) -> str:
    lines = ["| mode | query type | n | Recall@10 | nDCG@10 | MRR@10 | hit@10 |", "|---|---|---|---|---|---|---|"]
    for mode, by_group in results.items():
        for group in groups:
            if group in by_group:
                m = by_group[group]
                lines.append(
                    f"| {mode} | {group} | {GROUP_SIZES[group]} | {m['Recall@10']:.3f} | {m['nDCG@10']:.3f} "
                    f"| {m['MRR@10']:.3f} | {m['hit@10']:.3f} |"
                )
    return "\n".join(lines)


def side_by_side(results: dict[str, dict[str, dict[str, dict[str, float]]]], groups: list[str]) -> str:
    """`results`: backend → mode → group → metric; one row per mode and group, each metric for every backend."""
    backends = list(results)
    names = ("Recall@10", "nDCG@10", "MRR@10", "hit@10")
    heads = " | ".join(f"{name} {backend}" for name in names for backend in backends)
    lines = [f"| mode | query type | n | {heads} |", "|---|---|---|" + "---|" * len(names) * len(backends)]
    for mode in results[backends[0]]:
        for group in groups:
            if group in results[backends[0]][mode]:
                cells = " | ".join(f"{results[b][mode][group][name]:.3f}" for name in names for b in backends)
                lines.append(f"| {mode} | {group} | {GROUP_SIZES[group]} | {cells} |")
    return "\n".join(lines)


def top_overlap(first: list, second: list) -> float:
    """Shared share of two top-10 lists (1.0 when both are empty)."""
    a, b = first[:K], second[:K]
    return len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0


def product_top(candidates, weights) -> list[list[int]]:
    """The product ranking's top 10 ids for every query's candidates."""
    return [[doc_id for doc_id, _ in matching.score(found, source, weights)[0][:K]] for found, source in candidates]


def elasticsearch_index(cluster: es_server.Cluster, embedder, home: Path, name: str) -> SearchIndex:
    """A SearchIndex on Elasticsearch with the same embedder (and its cache) as the embedded one."""
    from matchmaker.indexing.elastic import ClusterSettings, ElasticsearchBackend

    backend = ElasticsearchBackend(
        ClusterSettings(cluster.url, index_prefix=f"bench-relevance-{name}-{os.getpid()}", request_timeout=60)
    )
    return SearchIndex(backend=backend, embedder=embedder, lock_path=home / "search" / "elasticsearch.lock")


GROUP_SIZES: dict[str, int] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev-eval", type=Path, default=ROOT.parent / "shared" / "dev-eval")
    parser.add_argument("--model", help="embedding model folder (default: the instance's prepared model)")
    parser.add_argument("--home", type=Path, default=ROOT / "benchmarks" / ".cache" / "relevance")
    parser.add_argument("--only", choices=["judged", "older"], help="run only one part")
    parser.add_argument("--unjudged-out", type=Path, help="write the product's unjudged results here (JSONL)")
    parser.add_argument("--max-tokens", type=int, help="MATCHMAKER_EMBEDDING_MAX_TOKENS for this run")
    parser.add_argument(
        "--description-chars",
        type=int,
        help="characters of the description embedded (documents.EMBEDDED_DESCRIPTION_CHARS)",
    )
    es_server.add_arguments(parser)
    args = parser.parse_args()
    if args.description_chars is not None:
        documents.EMBEDDED_DESCRIPTION_CHARS = args.description_chars

    model = args.model or str(ROOT / "instance" / "models" / "multilingual-e5-small")
    with ExitStack() as stack:
        cluster = stack.enter_context(es_server.cluster(args)) if args.backend == "elasticsearch" else None
        if cluster is not None:
            print(f"Backends: embedded (SQLite FTS5 + sqlite-vec) and {cluster.describe()}\n")
        if args.only != "older":
            judged_part(args, model, cluster)
        if args.only != "judged":
            older_part(args, model, cluster)


def older_part(args, model: str, cluster: es_server.Cluster | None) -> None:
    """The older needs → programs set: each mode's metrics per query type, on each backend."""
    home = args.home
    fresh = not (home / "matchmaker.db").exists()
    home.mkdir(parents=True, exist_ok=True)
    settings = {"HOME": str(home), "EMBEDDING_MODEL": model, "LOG_LEVEL": "WARNING"}
    if args.max_tokens:
        settings["EMBEDDING_MAX_TOKENS"] = args.max_tokens
    app = create_app(settings)
    queries = [json.loads(line) for line in (args.dev_eval / "queries.jsonl").open(encoding="utf-8")]
    for query in queries:
        for group in ("all", query["query_type"]):
            GROUP_SIZES[group] = GROUP_SIZES.get(group, 0) + 1
    with app.app_context():
        upgrade()  # also brings a cached scratch instance up to the current schema
        if fresh:
            report = import_file(args.dev_eval / "corpus.jsonl")
            assert report.written and not report.errors, report.errors[:3]
            db.session.commit()
        index = get_search_index()
        started = time.perf_counter()
        reindex(index)  # cheap when the embedding cache is warm
        print(f"indexed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        indices = {"embedded": index}
        if cluster is not None:
            indices["Elasticsearch"] = elasticsearch_index(cluster, index.embedder, home, "older")
            started = time.perf_counter()
            reindex(indices["Elasticsearch"])
            print(f"indexed into Elasticsearch in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())

        base = matching.RankingWeights()
        groups = ["all", *sorted(g for g in GROUP_SIZES if g != "all")]
        print(
            f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
            f"model {index.embedder.model_id}; embedded text: title + {documents.EMBEDDED_DESCRIPTION_CHARS} "
            f"characters of the description\nWeights: {base}\n"
        )
        for label, sources in (
            ("all crosswalk sources", base.crosswalk_sources),
            ("crosswalk without the profiles' 职业面向 (independent of the labels)", ("mohrss",)),
        ):
            weights = replace(base, crosswalk_sources=sources)
            by_backend, tops = {}, {}
            for name, searched in indices.items():
                started = time.perf_counter()
                candidates = gather_all(searched, queries, weights)
                print(f"{label} ({name}): candidates in {time.perf_counter() - started:.1f} s", file=sys.stderr)
                by_backend[name] = {
                    mode: evaluate(candidates, queries, refs, weights, change) for mode, change in MODES.items()
                }
                tops[name] = product_top(candidates, weights)
            print(f"### {label}\n")
            if len(indices) == 1:
                print(table(by_backend["embedded"], groups) + "\n")
                continue
            print(side_by_side(by_backend, groups) + "\n")
            overlaps = [top_overlap(a, b) for a, b in zip(tops["embedded"], tops["Elasticsearch"], strict=True)]
            print(
                f"Product top-10 overlap, embedded vs Elasticsearch: mean {sum(overlaps) / len(overlaps):.3f} over "
                f"{len(overlaps)} queries; identical top 10 (same order) for "
                f"{sum(a == b for a, b in zip(tops['embedded'], tops['Elasticsearch'], strict=True))}\n"
            )
        if cluster is not None:
            es_server.drop_indices(indices["Elasticsearch"].backend)


def product_runs(index, judged_set) -> tuple[dict[str, list[str]], float]:
    """Every query through matching.search_postings (offers, nobody logged in); the refs and seconds per query."""
    started = time.perf_counter()
    product = {
        q["id"]: [
            r.posting.ref
            for r in matching.search_postings(index, q["query"], SearchFilters(direction="offer"), limit=K).results
        ]
        for q in judged_set.queries
    }
    return product, (time.perf_counter() - started) / len(judged_set.queries)


def judged_part(args, model: str, cluster: es_server.Cluster | None = None) -> None:
    """The judged sets: the product's search beside BM25, dense e5 and RRF, per group."""
    import judged

    unjudged_rows = []
    for judged_set in judged.available_sets(ROOT, args.dev_eval):
        home = ROOT / "benchmarks" / ".cache" / f"judged-{judged_set.corpus_digest()[:12]}"
        context, index = judged.open_instance(home, judged_set.corpus, model)
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())
        offers = [
            (p.id, f"{p.title}\n{p.description}")
            for p in db.session.scalars(db.select(Posting).where(Posting.direction == "offer").order_by(Posting.id))
        ]
        product, seconds = product_runs(index, judged_set)
        runs = {"product": product}
        es_index = None
        if cluster is not None:
            es_index = elasticsearch_index(cluster, index.embedder, home, judged_set.corpus_digest()[:8])
            started = time.perf_counter()
            reindex(es_index)
            print(f"indexed into Elasticsearch in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            runs["product (Elasticsearch)"], es_seconds = product_runs(es_index, judged_set)
        runs.update(judged.baseline_runs(index, judged_set, refs, offers))
        scores = judged.score_runs(judged_set, runs)
        left_out = len(judged_set.queries) - len(judged_set.answerable)
        print(f"### judged set: {judged_set.name}\n")
        print(
            f"{len(judged_set.answerable)} queries with a relevant posting ({left_out} without are left out); "
            f"product searches {seconds * 1000:.0f} ms per query here; "
            f"unjudged results in the product's top 10: {len(scores.unjudged['product'])}\n"
        )
        if es_index is not None:
            es_product = runs["product (Elasticsearch)"]
            overlaps = [top_overlap(product[q["id"]], es_product[q["id"]]) for q in judged_set.queries]
            answerable = {q["id"] for q in judged_set.answerable}
            answerable_overlap = [o for q, o in zip(judged_set.queries, overlaps, strict=True) if q["id"] in answerable]
            delta = (
                scores.by_group["product (Elasticsearch)"]["all"]["nDCG@10"]
                - scores.by_group["product"]["all"]["nDCG@10"]
            )
            print(
                f"Product on Elasticsearch: {es_seconds * 1000:.0f} ms per query; unjudged results in its top 10: "
                f"{len(scores.unjudged['product (Elasticsearch)'])}; nDCG@10 Elasticsearch − embedded {delta:+.3f}; "
                f"top-10 overlap with the embedded backend: mean {sum(overlaps) / len(overlaps):.3f} over all "
                f"{len(overlaps)} queries, identical top 10 (same order) for "
                f"{sum(product[q] == es_product[q] for q in product)}; mean over the answerable ones "
                f"{sum(answerable_overlap) / len(answerable_overlap):.3f}\n"
            )
            es_server.drop_indices(es_index.backend)
        print(judged.table(scores, list(runs)) + "\n")
        by_ref = {p.ref: p for p in db.session.scalars(db.select(Posting))}
        for query_id, ref in scores.unjudged["product"]:
            posting = by_ref[ref]
            unjudged_rows.append(
                {
                    "set": judged_set.name,
                    "query_id": query_id,
                    "ref": ref,
                    "title": posting.title,
                    "category": posting.category,
                    "organization": posting.organization.name,
                    "organization_kind": posting.organization.kind,
                    "organization_subtype": posting.organization.subtype,
                    "description": posting.description,
                }
            )
        db.session.remove()
        context.pop()
    if args.unjudged_out:
        with args.unjudged_out.open("w", encoding="utf-8") as out:
            for row in unjudged_rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
