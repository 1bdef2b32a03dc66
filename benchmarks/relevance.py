"""Relevance on the development set: lexical only, semantic only and hybrid, per query type.

Usage:
    .venv/bin/python benchmarks/relevance.py [--dev-eval ../shared/dev-eval] [--model PATH] [--sweep]

Imports the set's corpus (1,319 program offers) into a scratch instance under
benchmarks/.cache/relevance (the embedding cache there makes later runs fast), runs every
query as a search for offers through the product's own ranking (matchmaker.matching.rank)
and scores the ranked refs (major codes) against `relevant_major_codes`. The product never
sees those codes: programs are tagged by the crosswalk from their titles.

Prints Recall@10, nDCG@10, MRR@10 and hit@10 for each mode, overall and per query type.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from matchmaker import create_app, matching  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.indexing import documents, get_search_index  # noqa: E402
from matchmaker.indexing.base import SearchFilters  # noqa: E402
from matchmaker.indexing.sync import reindex  # noqa: E402
from matchmaker.models import Posting  # noqa: E402
from matchmaker.transfer import import_file  # noqa: E402

K = 10
MODES = {
    "lexical only": dict(semantic=0.0, crosswalk=0.0),
    "semantic only": dict(lexical=0.0, crosswalk=0.0),
    "plain RRF (BM25 + e5, k=60)": dict(fusion="rrf", lexical=1.0, semantic=1.0, crosswalk=0.0, rrf_k=60.0),
    "crosswalk only": dict(lexical=0.0, semantic=0.0),
    "hybrid (product default)": {},
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
    """Every query's candidates from the index (the slow part: query embeddings, BM25, crosswalk)."""
    filters = SearchFilters(direction="offer")
    return [matching.gather(index, query["query"], filters, weights) for query in queries]


def evaluate(candidates, queries, refs, weights) -> dict[str, dict[str, float]]:
    """Score every query's candidates with these weights (fast: no index access)."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for query, found in zip(queries, candidates, strict=True):
        ranked, _ = matching.score(found, matching.read_query(query["query"]), weights)  # as search_postings
        scores = metrics([refs[doc_id] for doc_id, _ in ranked[:K]], set(query["relevant_major_codes"]))
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


GROUP_SIZES: dict[str, int] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev-eval", type=Path, default=ROOT.parent / "shared" / "dev-eval")
    parser.add_argument("--model", help="embedding model folder (default: the instance's prepared model)")
    parser.add_argument("--home", type=Path, default=ROOT / "benchmarks" / ".cache" / "relevance")
    parser.add_argument("--sweep", action="store_true", help="also grid-search the hybrid weights")
    parser.add_argument("--max-tokens", type=int, help="MATCHMAKER_EMBEDDING_MAX_TOKENS for this run")
    parser.add_argument(
        "--description-chars",
        type=int,
        help="characters of the description embedded (documents.EMBEDDED_DESCRIPTION_CHARS)",
    )
    args = parser.parse_args()
    if args.description_chars is not None:
        documents.EMBEDDED_DESCRIPTION_CHARS = args.description_chars

    model = args.model or str(ROOT / "instance" / "models" / "multilingual-e5-small")
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
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())

        base = matching.DEFAULT_WEIGHTS
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
            started = time.perf_counter()
            candidates = gather_all(index, queries, weights)
            print(f"{label}: candidates in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            results = {
                mode: evaluate(candidates, queries, refs, replace(weights, **change)) for mode, change in MODES.items()
            }
            print(f"### {label}\n")
            print(table(results, groups) + "\n")
            if args.sweep:
                sweep(candidates, queries, refs, weights)


def sweep(candidates, queries, refs, base) -> None:
    """Grid over the main weights; prints the best few by overall nDCG@10 (tune, never special-case)."""
    grid = {
        "fusion": ["score", "rrf"],
        "lexical": [0.5, 1.0],
        "semantic": [0.5, 1.0, 1.5, 2.0],
        "crosswalk": [0.25, 0.5, 1.0, 2.0],
        "semantic_spread": [0.04, 0.08, 0.12],
    }
    scored = []
    for values in itertools.product(*grid.values()):
        change = dict(zip(grid, values, strict=True))
        if change["fusion"] == "rrf" and change["semantic_spread"] != base.semantic_spread:
            continue
        result = evaluate(candidates, queries, refs, replace(base, **change))
        scored.append((result["all"]["nDCG@10"], result.get("job_posting_title", {}).get("nDCG@10", 0.0), change))
        print(f"{scored[-1][0]:.3f} {scored[-1][1]:.3f} {change}", file=sys.stderr)
    for ndcg, titles, change in sorted(scored, key=lambda item: item[0], reverse=True)[:10]:
        print(f"nDCG@10 {ndcg:.3f} (job titles {titles:.3f}): {change}")


if __name__ == "__main__":
    main()
