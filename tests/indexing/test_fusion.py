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


def test_reciprocal_rank_fusion_defaults_to_k_60_and_weight_1():
    fused = reciprocal_rank_fusion({"lexical": [5, 4], "crosswalk": [4]}, {"lexical": 2.0})

    assert fused == {5: {"lexical": pytest.approx(2 / 61)}, 4: {"lexical": pytest.approx(2 / 62), "crosswalk": 1 / 61}}
    assert reciprocal_rank_fusion({}, {}) == {} and reciprocal_rank_fusion({"lexical": []}, {"lexical": 1.0}) == {}


def test_score_fusion_skips_channels_without_a_positive_best_and_clamps_negative_scores():
    fused = score_fusion(
        {
            "lexical": {1: 4.0, 2: -1.0},  # a negative score counts as 0
            "semantic": {1: 0.0, 3: 0.0},  # nothing positive: the channel adds nothing
            "crosswalk": {},
            "other": {3: 0.5},  # no weight given: 1.0
        },
        {"lexical": 0.5, "semantic": 1.0, "crosswalk": 1.5},
    )

    assert fused == {1: {"lexical": 0.5}, 2: {"lexical": 0.0}, 3: {"other": 1.0}}


def test_relative_similarity_of_nothing_and_of_ties():
    assert relative_similarities({}, spread=0.04) == {}
    assert relative_similarities({1: 0.82, 2: 0.82}, spread=0.04) == {1: 1.0, 2: 1.0}
    assert relative_similarities({1: 0.90, 2: 0.89}, spread=0.04) == {1: 1.0, 2: pytest.approx(0.75)}


def test_total_adds_every_contribution():
    assert total({"lexical": 0.25, "semantic": 1.0, "category": 0.5, "region": 0.04}) == pytest.approx(1.79)
    assert total({}) == 0
