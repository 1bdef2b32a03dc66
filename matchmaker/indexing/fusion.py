"""Rank fusion: pure functions that combine ranked candidate lists into one score per document.

Each returns, per document, the contribution of every channel, so explanations can show
where a score came from. Weights and constants are chosen by measurement on the
relevance set (benchmarks/relevance.py, docs/BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Contributions = dict[int, dict[str, float]]


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float], k: float = 60.0
) -> Contributions:
    """Σ weight / (k + rank) over the channels that ranked a document (rank 1 is best)."""
    fused: Contributions = {}
    for channel, ids in rankings.items():
        weight = weights.get(channel, 1.0)
        for rank, doc_id in enumerate(ids, start=1):
            fused.setdefault(doc_id, {})[channel] = weight / (k + rank)
    return fused


def score_fusion(scores: Mapping[str, Mapping[int, float]], weights: Mapping[str, float]) -> Contributions:
    """Σ weight × score, each channel's scores scaled to [0, 1] by its best score in this query.

    Scaling by the best score (not min–max) keeps a channel's absolute confidence: a weak
    best lexical match stays weak relative to the others only through the weights.
    """
    fused: Contributions = {}
    for channel, channel_scores in scores.items():
        if not channel_scores:
            continue
        best = max(channel_scores.values())
        if best <= 0:
            continue
        weight = weights.get(channel, 1.0)
        for doc_id, score in channel_scores.items():
            fused.setdefault(doc_id, {})[channel] = weight * max(score, 0.0) / best
    return fused


def relative_similarities(similarities: Mapping[int, float], spread: float) -> dict[int, float]:
    """Map cosine similarities to [0, 1] relative to the query's best: 1 at the best, 0 at `spread` below.

    e5's cosines sit in a narrow band (≈0.80–0.90 for related and unrelated texts alike),
    so only their distance from the best match in the same query carries meaning.
    """
    if not similarities:
        return {}
    best = max(similarities.values())
    return {doc_id: max(0.0, 1.0 - (best - sim) / spread) for doc_id, sim in similarities.items()}


def total(contributions: Mapping[str, float]) -> float:
    return sum(contributions.values())
