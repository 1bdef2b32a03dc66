"""Judged relevance sets (queries graded 0/1/2 on a frozen corpus): loading, a scratch instance, metrics, baselines.

Used by benchmarks/relevance.py (the figures) and scripts/train_ranking.py (fitting the
ranking weights). A set is a folder with queries.jsonl, judgements.jsonl and corpus.jsonl
(benchmarks/judged/, and ../shared/dev-eval/judged/ when it exists).

Metrics as the sets define them: nDCG@10 with gains 2^g − 1 against the ideal order of all
graded pairs of the query; P@5, the share of the first five with grade ≥ 1; top-1 good, a
grade 2 at rank 1. Queries with no posting of grade ≥ 1 are left out; unjudged results
count as 0 and are reported.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

K = 10
GROUPS = (
    "talent_need",
    "technology_need",
    "training_need",
    "apprenticeship_need",
    "school_need",
    "school_offer_lookup",
)
METRICS = ("nDCG@10", "P@5", "top1")


@dataclass
class JudgedSet:
    name: str
    folder: Path
    queries: list[dict[str, Any]]
    grades: dict[str, dict[str, int]]  # query id → ref → grade
    corpus: Path

    @property
    def answerable(self) -> list[dict[str, Any]]:
        return [q for q in self.queries if any(g >= 1 for g in self.grades.get(q["id"], {}).values())]

    def corpus_digest(self) -> str:
        return hashlib.sha256(self.corpus.read_bytes()).hexdigest()


def load_set(name: str, folder: Path) -> JudgedSet:
    queries = [json.loads(line) for line in (folder / "queries.jsonl").open(encoding="utf-8")]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "judgements.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        grades[row["query_id"]][row["ref"]] = int(row["grade"])
    return JudgedSet(name, folder, queries, dict(grades), folder / "corpus.jsonl")


def available_sets(root: Path, shared: Path | None) -> list[JudgedSet]:
    """The project's own set, and the shared one when it is there."""
    sets = [load_set("own (benchmarks/judged)", root / "benchmarks" / "judged")]
    if shared is not None and (shared / "judged" / "judgements.jsonl").exists():
        sets.append(load_set("shared (dev-eval/judged)", shared / "judged"))
    return sets


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades))


def query_metrics(refs: list[str], graded: dict[str, int]) -> dict[str, float]:
    grades = [graded.get(ref, 0) for ref in refs[:K]]
    ideal = dcg(sorted(graded.values(), reverse=True)[:K])
    return {
        "nDCG@10": dcg(grades) / ideal if ideal > 0 else 0.0,
        "P@5": sum(1 for g in grades[:5] if g >= 1) / 5.0,
        "top1": 1.0 if grades and grades[0] == 2 else 0.0,
    }


@dataclass
class Scores:
    """Per system: metrics averaged per group ("all" and each group), and the unjudged results seen."""

    by_group: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    unjudged: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def score_runs(judged: JudgedSet, runs: dict[str, dict[str, list[str]]]) -> Scores:
    """`runs`: system → query id → ranked refs. Averages over the answerable queries."""
    scores = Scores()
    queries = judged.answerable
    for system, ranked in runs.items():
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        counts: dict[str, int] = defaultdict(int)
        missing = []
        for query in queries:
            graded = judged.grades.get(query["id"], {})
            refs = ranked.get(query["id"], [])
            missing += [(query["id"], ref) for ref in refs[:K] if ref not in graded]
            values = query_metrics(refs, graded)
            for group in ("all", query["group"]):
                counts[group] += 1
                for name, value in values.items():
                    sums[group][name] += value
        scores.by_group[system] = {g: {m: v / counts[g] for m, v in sums[g].items()} for g in sums}
        scores.sizes = dict(counts)
        scores.unjudged[system] = missing
    return scores


def table(scores: Scores, systems: list[str]) -> str:
    lines = ["| system | group | n | nDCG@10 | P@5 | top-1 good |", "|---|---|---:|---:|---:|---:|"]
    for group in ("all", *GROUPS):
        if group not in scores.sizes:
            continue
        for system in systems:
            m = scores.by_group[system][group]
            values = " | ".join(f"{m[name]:.3f}" for name in METRICS)
            lines.append(f"| {system} | {group} | {scores.sizes[group]} | {values} |")
    return "\n".join(lines)


def baseline_runs(index, judged: JudgedSet, refs: dict[int, str], offers: list[tuple[int, str]]) -> dict:
    """BM25 over jieba tokens of title + description, dense e5 (the index's own vectors) and their RRF (k = 60),
    each over every offer of the corpus."""
    import bm25s
    import jieba
    import numpy as np

    from matchmaker.indexing.base import SearchFilters

    jieba.setLogLevel(60)

    def words(text: str) -> list[str]:
        return [t for t in jieba.lcut_for_search(text) if t.strip() and any(c.isalnum() for c in t)]

    ids = [doc_id for doc_id, _ in offers]
    retriever = bm25s.BM25()
    retriever.index([words(text) for _, text in offers], show_progress=False)
    runs: dict[str, dict[str, list[str]]] = {"BM25": {}, "dense e5": {}, "RRF": {}}
    for query in judged.queries:
        lexical = np.asarray(retriever.get_scores(words(query["query"])))
        bm25_order = [ids[i] for i in sorted(range(len(ids)), key=lambda i: (-lexical[i], i))]
        vector = index.embedder.encode_query(query["query"])
        dense_order = [hit.id for hit in index.backend.semantic(vector, SearchFilters(direction="offer"), len(ids))]
        fused: dict[int, float] = defaultdict(float)
        for order in (bm25_order, dense_order):
            for rank, doc_id in enumerate(order):
                fused[doc_id] += 1.0 / (60 + rank + 1)
        rrf_order = sorted(fused, key=lambda doc_id: (-fused[doc_id], doc_id))
        for system, order in (("BM25", bm25_order), ("dense e5", dense_order), ("RRF", rrf_order)):
            runs[system][query["id"]] = [refs[doc_id] for doc_id in order[:K]]
    return runs


def open_instance(home: Path, corpus: Path, model: str):
    """A scratch instance holding exactly the corpus (kept under `home`; its embedding cache makes reruns fast).

    Returns its pushed app context (pop it when done) and its search index.
    """
    from flask_migrate import upgrade

    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.indexing import get_search_index
    from matchmaker.indexing.sync import reindex
    from matchmaker.transfer import import_file

    fresh = not (home / "matchmaker.db").exists()
    home.mkdir(parents=True, exist_ok=True)
    app = create_app({"HOME": str(home), "EMBEDDING_MODEL": model, "LOG_LEVEL": "WARNING"})
    context = app.app_context()
    context.push()
    upgrade()
    if fresh:
        report = import_file(corpus)
        assert report.written and not report.errors, report.errors[:3]
        db.session.commit()
    index = get_search_index()
    reindex(index)  # cheap when the embedding cache is warm; always the current index schema
    return context, index
