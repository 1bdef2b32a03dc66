"""Rank fusion is a pure function: its arithmetic, checked by hand."""

from __future__ import annotations

import pytest

from matchmaker.indexing.fusion import reciprocal_rank_fusion, relative_similarities, score_fusion, total


def test_reciprocal_rank_fusion_adds_weighted_reciprocal_ranks():
    fused = reciprocal_rank_fusion({"lexical": [1, 2], "semantic": [2, 3]}, {"lexical": 1.0, "semantic": 2.0}, k=1)

    assert fused[1] == {"lexical": pytest.approx(1 / 2)}
    assert fused[2] == {"lexical": pytest.approx(1 / 3), "semantic": pytest.approx(2 / 2)}
    assert total(fused[3]) == pytest.approx(2 / 3)


def test_score_fusion_scales_each_channel_by_its_best_score():
    fused = score_fusion({"lexical": {1: 10.0, 2: 5.0}, "crosswalk": {2: 0.4}}, {"lexical": 1.0, "crosswalk": 0.5})

    assert fused[1] == {"lexical": 1.0}
    assert fused[2] == {"lexical": 0.5, "crosswalk": pytest.approx(0.5)}


def test_relative_similarity_counts_distance_from_the_best():
    assert relative_similarities({1: 0.90, 2: 0.86, 3: 0.70}, spread=0.08) == {1: 1.0, 2: pytest.approx(0.5), 3: 0.0}
