"""Fit the ranking's feature weights (matchmaker/data/ranking/weights.json) on judged queries.

    .venv/bin/python scripts/train_ranking.py [--dev-eval ../shared/dev-eval] [--model PATH] [--write]

Data: the judged sets (benchmarks/judged/, and ../shared/dev-eval/judged/ when present; grades
0/1/2, results nobody graded count as 0) and the older needs → programs set (relevant 1, else
0; each of its queries weighs OLDER_WEIGHT against a judged one). For every query the candidates and
their features come from the product's own path (matching.gather, read_need, feature_table).

Model: a linear scorer fitted pairwise (logistic regression on feature differences of a
better and a worse candidate of the same query, weighted by the gain difference), so the
weights stay explainable contributions. Cross-validated by query (5 folds, whole queries held
out): the figures for held-out folds and for the training data are printed separately, beside
the weights in use now; LightGBM's LambdaMART is fitted the same way for comparison.
The threshold is the score below which a result is relevant less than 1 % of the time.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import judged  # noqa: E402

from matchmaker import matching, ranking  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.indexing.base import SearchFilters  # noqa: E402
from matchmaker.models import Posting  # noqa: E402
from matchmaker.ranking import Source  # noqa: E402
from matchmaker.taxonomy import get_taxonomy  # noqa: E402

OLDER_WEIGHT = 2.0  # per query and crosswalk variant, against the judged sets: measured 0.25–3
FOLDS = 5
PAIRS_PER_RELEVANT = 40
RELEVANCE_FLOOR = 0.01
WORTH_TELLING = 0.5  # the announce level: from it, at least this share of judged candidates are worth contacting
NOTE = "Feature weights of matchmaker.ranking, fitted by scripts/train_ranking.py (this file is its output)."


@dataclass
class Query:
    set_name: str
    query_id: str
    group: str
    ids: list[int]
    features: np.ndarray  # candidates × FEATURES
    grades: np.ndarray  # per candidate
    ideal: list[int]  # every graded grade of the query (for nDCG's ideal order)
    weight: float


def queries_of(index, refs, items, set_name: str, weight: float, base=None) -> list[Query]:
    """items: (query id, group, text, {ref: grade}); `base` gives the channels' settings (default: the product's)."""
    taxonomy = get_taxonomy()
    base = base or matching.RankingWeights()
    found = []
    for query_id, group, text, graded in items:
        vector = index.embedder.encode_query(text)
        source = Source(intent=matching.read_need(index, text, vector), sectors=taxonomy.sectors_in(text))
        candidates = matching.gather(index, text, SearchFilters(direction="offer"), base, vector=vector)
        if not candidates.known_words:
            continue
        ids, table = matching.feature_table(candidates, source, base)
        grades = np.array([graded.get(refs[i], 0) for i in ids])
        found.append(
            Query(set_name, query_id, group, ids, table, grades, sorted(graded.values(), reverse=True), weight)
        )
    return found


def fold_key(query: Query) -> str:
    """Whole queries are held out: an older query's two crosswalk variants fall in the same fold."""
    return query.query_id if query.set_name.startswith("older") else f"{query.set_name}/{query.query_id}"


def ndcg(query: Query, scores: np.ndarray) -> float:
    order = np.lexsort((query.ids, -scores))[: judged.K]
    ideal = judged.dcg(query.ideal[: judged.K])
    return judged.dcg([int(query.grades[i]) for i in order]) / ideal if ideal > 0 else 0.0


def pairs(queries: list[Query], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature differences (better − worse) in both orders, labels and sample weights."""
    rows, labels, weights = [], [], []
    for q in queries:
        for i in np.flatnonzero(q.grades > 0):
            worse = np.flatnonzero(q.grades < q.grades[i])
            if not len(worse):
                continue
            for j in rng.choice(worse, size=min(len(worse), PAIRS_PER_RELEVANT), replace=False):
                gain = (2.0 ** q.grades[i] - 2.0 ** q.grades[j]) * q.weight
                difference = q.features[i] - q.features[j]
                rows += [difference, -difference]
                labels += [1, 0]
                weights += [gain, gain]
    return np.array(rows), np.array(labels), np.array(weights)


def fit_linear(queries: list[Query], seed: int = 0) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x, y, w = pairs(queries, np.random.default_rng(seed))
    model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=5000).fit(x, y, sample_weight=w)
    return model.coef_[0]


def fit_lambdamart(queries: list[Query]):
    import lightgbm

    x = np.vstack([q.features for q in queries])
    y = np.concatenate([q.grades for q in queries])
    ranker = lightgbm.LGBMRanker(
        objective="lambdarank", n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=20, verbose=-1
    )
    ranker.fit(x, y, group=[len(q.ids) for q in queries])
    return ranker


def report(name: str, queries: list[Query], scores: list[np.ndarray]) -> dict[str, float]:
    by_set: dict[str, list[float]] = defaultdict(list)
    for q, s in zip(queries, scores, strict=True):
        by_set[q.set_name].append(ndcg(q, s))
    summary = {set_name: float(np.mean(values)) for set_name, values in by_set.items()}
    print(f"{name:<48}" + "  ".join(f"{s}: {v:.3f}" for s, v in summary.items()))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev-eval", type=Path, default=ROOT.parent / "shared" / "dev-eval")
    parser.add_argument("--model", default=str(ROOT / "instance" / "models" / "multilingual-e5-small"))
    parser.add_argument("--write", action="store_true", help="write matchmaker/data/ranking/weights.json")
    parser.add_argument("--older-weight", type=float, default=OLDER_WEIGHT)
    parser.add_argument("--features-cache", type=Path, help="keep the computed features here (pickle) for reruns")
    args = parser.parse_args()

    if args.features_cache and args.features_cache.exists():
        queries = pickle.loads(args.features_cache.read_bytes())
    else:
        queries = collect(args)
        if args.features_cache:
            args.features_cache.write_bytes(pickle.dumps(queries))
    for q in queries:
        if q.set_name.startswith("older"):
            q.weight = args.older_weight
    train_and_report(args, queries)


def collect(args) -> list[Query]:
    queries: list[Query] = []
    for judged_set in judged.available_sets(ROOT, args.dev_eval):
        home = ROOT / "benchmarks" / ".cache" / f"judged-{judged_set.corpus_digest()[:12]}"
        context, index = judged.open_instance(home, judged_set.corpus, args.model)
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())
        items = [(q["id"], q["group"], q["query"], judged_set.grades.get(q["id"], {})) for q in judged_set.answerable]
        queries += queries_of(index, refs, items, judged_set.name, 1.0)
        db.session.remove()
        context.pop()
    older = args.dev_eval / "corpus.jsonl"
    if older.exists():
        context, index = judged.open_instance(ROOT / "benchmarks" / ".cache" / "relevance", older, args.model)
        refs = dict(db.session.execute(db.select(Posting.id, Posting.ref)).all())
        rows = [json.loads(line) for line in (args.dev_eval / "queries.jsonl").open(encoding="utf-8")]
        items = [
            (f"older-{n}", row["query_type"], row["query"], dict.fromkeys(row["relevant_major_codes"], 1))
            for n, row in enumerate(rows)
        ]
        # Both crosswalk variants (benchmarks/relevance.py): without the profiles' 职业面向 the crosswalk
        # is weaker, and the weights must not lean on it more than independent evidence bears.
        queries += queries_of(index, refs, items, "older", OLDER_WEIGHT)
        without_profiles = replace(matching.RankingWeights(), crosswalk_sources=("mohrss",))
        queries += queries_of(index, refs, items, "older, no profile edges", OLDER_WEIGHT, without_profiles)
        db.session.remove()
        context.pop()
    return queries


def train_and_report(args, queries: list[Query]) -> None:
    print(f"{len(queries)} queries, {sum(len(q.ids) for q in queries)} candidates; features {ranking.FEATURES}\n")

    current = np.array([matching.RankingWeights().features.get(f, 0.0) for f in ranking.FEATURES])
    report("weights in use now", queries, [q.features @ current for q in queries])

    fold_of = {key: n % FOLDS for n, key in enumerate(sorted({fold_key(q) for q in queries}))}
    linear_cv: list[np.ndarray | None] = [None] * len(queries)
    lambdamart_cv: list[np.ndarray | None] = [None] * len(queries)
    for fold in range(FOLDS):
        train = [q for q in queries if fold_of[fold_key(q)] != fold]
        w = fit_linear(train)
        ranker = fit_lambdamart(train)
        for n, q in enumerate(queries):
            if fold_of[fold_key(q)] == fold:
                linear_cv[n] = q.features @ w
                lambdamart_cv[n] = ranker.predict(q.features)
    report("linear, cross-validated (held-out folds)", queries, linear_cv)
    report("LambdaMART, cross-validated (held-out folds)", queries, lambdamart_cv)

    weights = fit_linear(queries)
    report("linear, fitted on all (training figures)", queries, [q.features @ weights for q in queries])
    ranker = fit_lambdamart(queries)
    report("LambdaMART, fitted on all (training figures)", queries, [ranker.predict(q.features) for q in queries])
    # The scale of a pairwise model is free: make the strongest weight 1.
    weights = weights / np.abs(weights).max()
    print("\nweights:", {f: round(float(v), 4) for f, v in zip(ranking.FEATURES, weights, strict=True)})

    threshold = relevance_floor(queries, weights)
    print(f"threshold (relevant below it in < {RELEVANCE_FLOOR:.0%} of judged candidates): {threshold:.4f}")
    announce = announce_level(queries, weights)
    print(f"announce level (from it, >= {WORTH_TELLING:.0%} of judged candidates worth contacting): {announce:.4f}")
    if args.write:
        path = ROOT / "matchmaker" / "data" / "ranking" / "weights.json"
        stored = {
            "_note": NOTE,
            "features": {f: round(float(v), 4) for f, v in zip(ranking.FEATURES, weights, strict=True)},
            "threshold": round(threshold, 4),
            "announce": round(announce, 4),
            "trained": {
                "queries": {
                    s: sum(1 for q in queries if q.set_name == s) for s in sorted({q.set_name for q in queries})
                },
                "model": "pairwise logistic regression, linear",
            },
        }
        path.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")


def relevance_floor(queries: list[Query], weights: np.ndarray) -> float:
    """The highest score below which, among the judged sets' candidates, under RELEVANCE_FLOOR are relevant."""
    scores = np.concatenate([q.features @ weights for q in queries if not q.set_name.startswith("older")])
    relevant = np.concatenate([q.grades > 0 for q in queries if not q.set_name.startswith("older")])
    order = np.argsort(scores)
    cumulative = np.cumsum(relevant[order]) / np.arange(1, len(order) + 1)
    below = np.flatnonzero(cumulative < RELEVANCE_FLOOR)
    return float(scores[order][below[-1]]) if len(below) else float(scores.min())


def announce_level(queries: list[Query], weights: np.ndarray) -> float:
    """The lowest score from which at least WORTH_TELLING of the judged candidates scoring as high are graded 2."""
    scores = np.concatenate([q.features @ weights for q in queries if not q.set_name.startswith("older")])
    good = np.concatenate([q.grades >= 2 for q in queries if not q.set_name.startswith("older")])
    order = np.argsort(-scores)
    precision = np.cumsum(good[order]) / np.arange(1, len(order) + 1)
    enough = np.flatnonzero(precision >= WORTH_TELLING)
    return float(scores[order][enough[-1]]) if len(enough) else float(scores.max())


if __name__ == "__main__":
    main()
