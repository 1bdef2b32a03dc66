"""The crosswalk alone on the development relevance set: needs → school programs.

    python benchmarks/crosswalk_eval.py [--eval-dir /work/shared/dev-eval] [--misses N]

Each corpus posting is tagged by `crosswalk.document_tags` from its title and description
(never from its `ref`, which is the major code and is used only to score). Each query is
run through `crosswalk.query_tags`; a posting scores the sum of the weights of the query's
tags it carries, and postings are ranked by that score (ties in corpus order; untagged
postings are not ranked). Prints nDCG@10, Recall@10, MRR@10 and hit@10 per query type and
overall, and coverage, twice:

- all edge sources ("profile" + "mohrss"): optimistic, because the labels come from the
  same 职业面向 text as the "profile" edges;
- "profile" excluded: what independent evidence (the MOHRSS guide, 大典 names, aliases and
  definitions) gives.

Reference points on this set (nDCG@10 overall): BM25 0.283, dense e5 0.301, their RRF
0.326; job titles are the hard part (≈0.14). The occupation_description queries are 大典
definitions, which the crosswalk's BM25 indexes, so that type is optimistic in both runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relevance import metrics  # noqa: E402 - the same measures as the full relevance run

from matchmaker import crosswalk  # noqa: E402

DEFAULT_EVAL_DIR = Path("/work/shared/dev-eval")
K = 10
VARIANTS = {"all sources": ("profile", "mohrss"), "profile excluded": ("mohrss",)}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def tag_corpus(postings: list[dict]) -> dict[str, list[int]]:
    """Tag → indexes of the postings carrying it."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, posting in enumerate(postings):
        tags = crosswalk.document_tags(
            posting["direction"], posting["category"], posting["title"], posting.get("description", "")
        )
        for tag in tags:
            index[tag].append(i)
    return index


def rank(tags: list[tuple[str, float, str]], index: dict[str, list[int]]) -> list[int]:
    scores: dict[int, float] = defaultdict(float)
    for tag, weight, _ in tags:
        for i in index.get(tag, ()):
            scores[i] += weight
    return sorted(scores, key=lambda i: (-scores[i], i))


def evaluate(
    queries: list[dict], postings: list[dict], index: dict[str, list[int]], sources: tuple[str, ...], misses: int = 0
) -> tuple[dict[str, dict[str, float]], list[float]]:
    per_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    latencies = []
    shown = 0
    for query in queries:
        start = time.perf_counter()
        tags = crosswalk.query_tags(query["query"], sources=sources)
        latencies.append(time.perf_counter() - start)
        ranked = rank(tags, index)
        result = metrics([postings[i]["ref"] for i in ranked], set(query["relevant_major_codes"]))
        result["coverage"] = 1.0 if tags else 0.0
        result["ranked any"] = 1.0 if ranked else 0.0
        for group in (query["query_type"], "overall"):
            per_type[group].append(result)
        if shown < misses and not result["hit@10"]:
            shown += 1
            print(
                f"  miss [{query['query_type']}] {query['query'][:60]!r}: "
                f"{[(t, w) for t, w, _ in tags[:4]]} want {query['relevant_major_codes'][:4]}"
            )
    table = {
        group: {name: statistics.fmean(r[name] for r in results) for name in results[0]} | {"queries": len(results)}
        for group, results in per_type.items()
    }
    return table, latencies


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    columns = ["queries", "nDCG@10", "Recall@10", "MRR@10", "hit@10", "coverage", "ranked any"]
    print(f"\n### {title}\n")
    print("| query type | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    order = sorted(g for g in table if g != "overall") + ["overall"]
    for group in order:
        row = table[group]
        cells = [str(int(row["queries"]))] + [f"{row[c]:.3f}" for c in columns[1:]]
        print(f"| {group} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--misses", type=int, default=0, help="print this many missed queries per variant")
    args = parser.parse_args()

    start = time.perf_counter()
    crosswalk.load()
    print(f"crosswalk loaded in {time.perf_counter() - start:.2f} s")
    postings = [r for r in read_jsonl(args.eval_dir / "corpus.jsonl") if r.get("type") == "posting"]
    queries = read_jsonl(args.eval_dir / "queries.jsonl")
    index = tag_corpus(postings)
    tagged_own = sum(1 for i, p in enumerate(postings) if i in set(index.get(f"major:{p['ref']}", ())))
    print(
        f"{len(postings)} postings, {len(queries)} queries; "
        f"{tagged_own / len(postings):.1%} of postings tagged with their own major from title/description"
    )

    for title, sources in VARIANTS.items():
        table, latencies = evaluate(queries, postings, index, sources, args.misses)
        print_table(f"crosswalk alone, {title} ({', '.join(sources)})", table)
        latencies.sort()
        print(
            f"\nquery_tags latency: median {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
