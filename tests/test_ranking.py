"""The ranking itself, without an index: `matching.score` on hand-built candidates.

`score` fuses the three channels (lexical BM25, semantic similarity, crosswalk tags) and adds
the structured signals (complementary category, shared sectors, region, freshness). Every
expected number below is worked out by hand from the weights the test sets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from matchmaker.indexing.base import IndexDocument, LexicalHit, SemanticHit, TaggedHit
from matchmaker.matching import Candidates, RankingWeights, Source, score

# Round weights to compute with; no freshness unless a test asks for it.
WEIGHTS = RankingWeights(
    lexical=0.5,
    semantic=1.0,
    crosswalk=1.5,
    semantic_spread=0.04,
    category=0.5,
    sector=0.05,
    county=0.06,
    prefecture=0.04,
    province=0.01,
    freshness=0.0,
)


def doc(doc_id: int, **fields: Any) -> IndexDocument:
    data: dict[str, Any] = {
        "id": doc_id,
        "ref": None,
        "direction": "offer",
        "category": "program",
        "kind": "school",
        "organization_id": 100 + doc_id,
        "organization_name": f"学校{doc_id}",
        "title": f"专业{doc_id}",
        "description": "",
        "sectors": (),
        "region_code": None,
        "prefecture_code": None,
        "valid_until": None,
        "published_at": None,
        "title_tokens": (),
        "body_tokens": (),
    }
    data.update(fields)
    return IndexDocument(**data)


def candidates(
    documents: list[IndexDocument],
    lexical: list[LexicalHit] = (),
    semantic: list[SemanticHit] = (),
    tagged: list[TaggedHit] = (),
    tag_info: dict[str, tuple[float, str]] | None = None,
) -> Candidates:
    return Candidates(list(lexical), list(semantic), list(tagged), tag_info or {}, {d.id: d for d in documents})


def equally_found(*documents: IndexDocument) -> Candidates:
    """Every document found by the lexical channel with the same BM25: 0.5 each before the signals."""
    return candidates(list(documents), lexical=[LexicalHit(d.id, 2.0) for d in documents])


def signal(evidence, name: str) -> dict[str, Any] | None:
    return next((s for s in evidence.signals if s["name"] == name), None)


# --- fusing the channels ---------------------------------------------------------------------------


def test_channel_contributions_are_scaled_weighted_and_add_up_to_the_score():
    found = candidates(
        [doc(1), doc(2), doc(3)],
        lexical=[LexicalHit(1, 8.0, ("数控",)), LexicalHit(2, 4.0, ("技术",))],
        semantic=[SemanticHit(2, 0.90), SemanticHit(3, 0.88), SemanticHit(1, 0.85)],
        tagged=[TaggedHit(3, ("major:460103", "occupation:6-18-01-01"))],
        tag_info={"major:460103": (0.8, "车工 → 数控技术"), "occupation:6-18-01-01": (0.6, "岗位名称：车工")},
    )

    ranked, evidence = score(found, None, WEIGHTS)

    # lexical: 0.5 × BM25 / 8 (the best); semantic: 1.0 × (1 − (0.90 − similarity) / 0.04), at least 0;
    # crosswalk: 1.5 × the strongest tag's weight / 0.8 (the best).
    expected = {
        1: {"lexical": 0.5, "semantic": 0.0},  # 0.85 is more than 0.04 below the best
        2: {"lexical": 0.25, "semantic": 1.0},
        3: {"semantic": 0.5, "crosswalk": 1.5},
    }
    for doc_id, parts in expected.items():
        assert evidence[doc_id].contributions == pytest.approx(parts)
    assert [doc_id for doc_id, _ in ranked] == [3, 2, 1]
    assert dict(ranked) == pytest.approx({3: 2.0, 2: 1.25, 1: 0.5})
    for doc_id, total in ranked:
        assert total == pytest.approx(sum(evidence[doc_id].contributions.values()))


def test_the_evidence_keeps_each_channels_rank_and_raw_values():
    found = candidates(
        [doc(1), doc(2), doc(3)],
        lexical=[LexicalHit(1, 8.0, ("数控",)), LexicalHit(2, 4.0, ("技术",))],
        semantic=[SemanticHit(2, 0.90), SemanticHit(3, 0.88), SemanticHit(1, 0.85)],
        tagged=[TaggedHit(3, ("major:460103", "occupation:6-18-01-01"))],
        tag_info={"major:460103": (0.8, "车工 → 数控技术"), "occupation:6-18-01-01": (0.6, "岗位名称：车工")},
    )

    _, evidence = score(found, None, WEIGHTS)

    first = evidence[1]
    assert (first.lexical_rank, first.lexical_score, first.matched_terms) == (1, 8.0, ("数控",))
    assert (first.semantic_rank, first.similarity, first.relative_similarity) == (3, 0.85, 0.0)
    assert first.crosswalk == []
    assert (evidence[2].lexical_rank, evidence[2].semantic_rank, evidence[2].relative_similarity) == (2, 1, 1.0)
    third = evidence[3]
    assert third.lexical_rank is None and third.lexical_score is None and third.matched_terms == ()
    assert third.relative_similarity == pytest.approx(0.5)
    assert third.crosswalk == [("车工 → 数控技术", 0.8), ("岗位名称：车工", 0.6)]  # strongest first
    assert all(e.signals == [] for e in evidence.values())  # no source, no freshness weight


def test_a_crosswalk_reason_given_by_several_tags_is_said_once_with_its_best_weight():
    found = candidates(
        [doc(1), doc(2), doc(3)],
        tagged=[
            TaggedHit(1, ("major:a", "major:b", "occupation:c")),
            TaggedHit(2, ("major:z",)),
            TaggedHit(3, ("major:a",)),
        ],
        tag_info={"major:a": (0.6, "同一理由"), "major:b": (0.9, "同一理由"), "occupation:c": (0.3, "另一理由")},
    )

    ranked, evidence = score(found, None, WEIGHTS)

    assert evidence[1].crosswalk == [("同一理由", 0.9), ("另一理由", 0.3)]
    assert evidence[3].crosswalk == [("同一理由", 0.6)]
    # a document's crosswalk score is its strongest tag's: 1.5 × 0.9 / 0.9 and 1.5 × 0.6 / 0.9
    assert evidence[1].contributions == {"crosswalk": 1.5}
    assert evidence[3].contributions == {"crosswalk": pytest.approx(1.0)}
    assert ranked == [(1, 1.5), (3, pytest.approx(1.0))]  # document 2 carries no tag asked for: no candidate
    assert 2 not in evidence


def test_hits_the_index_has_no_document_for_are_not_ranked():
    found = candidates([doc(1)], lexical=[LexicalHit(1, 3.0), LexicalHit(2, 6.0)])

    ranked, evidence = score(found, None, WEIGHTS)

    assert ranked == [(1, pytest.approx(0.25))]  # still scaled by the best score, 6.0
    assert evidence[2].contributions == {"lexical": 0.5}


def test_reciprocal_rank_fusion_ranks_tied_crosswalk_scores_by_id():
    found = candidates(
        [doc(1), doc(2), doc(3)],
        lexical=[LexicalHit(1, 9.0), LexicalHit(2, 1.0)],
        semantic=[SemanticHit(2, 0.9), SemanticHit(3, 0.1)],
        tagged=[TaggedHit(3, ("major:a",)), TaggedHit(1, ("major:a",))],
        tag_info={"major:a": (0.8, "理由")},
    )
    weights = RankingWeights(fusion="rrf", rrf_k=1.0, lexical=0.5, semantic=1.0, crosswalk=1.5, freshness=0.0)

    ranked, evidence = score(found, None, weights)

    # weight / (k + rank); the crosswalk's list is 1, 3 (same score, lower id first)
    assert evidence[1].contributions == pytest.approx({"lexical": 0.5 / 2, "crosswalk": 1.5 / 2})
    assert evidence[2].contributions == pytest.approx({"lexical": 0.5 / 3, "semantic": 1.0 / 2})
    assert evidence[3].contributions == pytest.approx({"semantic": 1.0 / 3, "crosswalk": 1.5 / 3})
    assert [doc_id for doc_id, _ in ranked] == [1, 3, 2]
    assert dict(ranked) == pytest.approx({1: 1.0, 3: 1 / 3 + 0.5, 2: 0.5 / 3 + 0.5})


# --- ordering ---------------------------------------------------------------------------------------


def test_equal_scores_are_ordered_by_id_whatever_order_the_channels_gave():
    found = candidates(
        [doc(7), doc(3), doc(5), doc(9)],
        lexical=[LexicalHit(7, 2.0), LexicalHit(3, 2.0), LexicalHit(9, 4.0), LexicalHit(5, 2.0)],
    )

    ranked, _ = score(found, None, WEIGHTS)

    assert ranked == [(9, 0.5), (3, 0.25), (5, 0.25), (7, 0.25)]


def test_a_signal_can_lift_a_weaker_text_match_above_a_stronger_one():
    # lexical 0.5 and 0.4; the second answers the need: 0.4 + 0.5 (category) = 0.9
    found = candidates(
        [doc(1, category="mentor"), doc(2, category="program")],
        lexical=[LexicalHit(1, 5.0), LexicalHit(2, 4.0)],
    )

    ranked, _ = score(found, Source("talent", (), None, "need"), WEIGHTS)

    assert ranked == [(2, pytest.approx(0.9)), (1, pytest.approx(0.5))]


# --- the signals ------------------------------------------------------------------------------------


def test_an_offer_that_answers_the_need_gets_the_category_weight():
    found = equally_found(
        doc(1, direction="offer", category="program"),  # talent is answered by talent, program, apprenticeship
        doc(2, direction="offer", category="mentor"),
        doc(3, direction="need", category="program"),  # the same side: never complementary
    )

    ranked, evidence = score(found, Source("talent", (), None, "need"), WEIGHTS)

    assert dict(ranked) == pytest.approx({1: 1.0, 2: 0.5, 3: 0.5})
    assert evidence[1].contributions["category"] == 0.5
    assert signal(evidence[1], "category") == {
        "name": "category",
        "detail_zh": "类别互补：人才需求 ↔ 专业与课程供给",
        "detail": "complementary categories: talent need ↔ program offer",
        "contribution": 0.5,
    }
    assert "category" not in evidence[2].contributions and "category" not in evidence[3].contributions
    assert evidence[2].signals == [] and evidence[3].signals == []


def test_from_an_offer_the_needs_it_answers_get_the_category_weight():
    found = equally_found(
        doc(1, direction="need", category="training"),  # training is answered by training, program
        doc(2, direction="need", category="technology"),  # technology only by technology
    )

    _, evidence = score(found, Source("program", (), None, "offer"), WEIGHTS)

    assert evidence[1].contributions == {"lexical": 0.5, "category": 0.5}
    assert signal(evidence[1], "category")["detail_zh"] == "类别互补：培训需求 ↔ 专业与课程供给"
    assert evidence[2].contributions == {"lexical": 0.5}


def test_a_query_read_as_a_job_title_says_so_in_the_category_reason():
    found = equally_found(doc(1, category="apprenticeship"))

    _, evidence = score(found, Source("talent", (), None, "need", job_title="数控车床操作工"), WEIGHTS)

    assert signal(evidence[1], "category") == {
        "name": "category",
        "detail_zh": "按岗位名称「数控车床操作工」识别为人才需求；类别互补：人才需求 ↔ 学徒制供给",
        "detail": "read as a talent need for 数控车床操作工; "
        "complementary categories: talent need ↔ apprenticeship offer",
        "contribution": 0.5,
    }


def test_shared_sectors_add_the_sector_weight_each_up_to_two():
    source = Source("talent", ("advanced_equipment", "tea", "eco_food"), None, "need")
    found = equally_found(
        doc(1, category="mentor", sectors=("tea",)),
        doc(2, category="mentor", sectors=("eco_food", "tea", "advanced_equipment", "basic_energy")),
        doc(3, category="mentor", sectors=("basic_energy",)),
    )

    ranked, evidence = score(found, source, WEIGHTS)

    assert evidence[1].contributions == pytest.approx({"lexical": 0.5, "sector": 0.05})
    assert evidence[2].contributions == pytest.approx({"lexical": 0.5, "sector": 0.10})  # three shared, two count
    assert evidence[3].contributions == {"lexical": 0.5}
    assert signal(evidence[2], "sector") == {
        "name": "sector",
        "detail_zh": "共同产业：先进装备制造、茶叶、生态特色食品",  # in the source's order
        "detail": "shared sectors: advanced_equipment, tea, eco_food",
        "contribution": 0.1,
    }
    assert signal(evidence[1], "sector")["detail_zh"] == "共同产业：茶叶"
    assert [doc_id for doc_id, _ in ranked] == [2, 1, 3]


def test_region_closeness_adds_the_county_prefecture_or_province_weight():
    source = Source("talent", (), "520115", "need")  # 贵阳市观山湖区
    found = equally_found(
        doc(1, category="mentor", region_code="520115"),
        doc(2, category="mentor", region_code="520102"),  # 贵阳市南明区
        doc(3, category="mentor", region_code="520328"),  # 遵义市湄潭县
        doc(4, category="mentor", region_code="520100"),  # 贵阳市 itself
        doc(5, category="mentor", region_code="520000"),  # 贵州省
        doc(6, category="mentor", region_code=None),
    )

    ranked, evidence = score(found, source, WEIGHTS)

    regions = {doc_id: signal(ev, "region") for doc_id, ev in evidence.items()}
    assert regions[1] == {
        "name": "region",
        "detail_zh": "同一区县（贵阳市观山湖区）",
        "detail": "same county",
        "contribution": 0.06,
    }
    assert (regions[2]["detail_zh"], regions[2]["contribution"]) == ("同一市州（贵阳市南明区）", 0.04)
    assert (regions[3]["detail_zh"], regions[3]["contribution"]) == ("同在贵州省（遵义市湄潭县）", 0.01)
    assert (regions[4]["detail_zh"], regions[4]["contribution"]) == ("同一市州（贵阳市）", 0.04)
    assert (regions[5]["detail_zh"], regions[5]["contribution"]) == ("同在贵州省（贵州省）", 0.01)
    assert regions[6] is None and evidence[6].contributions == {"lexical": 0.5}
    assert ranked == [
        (1, pytest.approx(0.56)),
        (2, pytest.approx(0.54)),
        (4, pytest.approx(0.54)),
        (3, pytest.approx(0.51)),
        (5, pytest.approx(0.51)),
        (6, 0.5),
    ]


def test_the_same_prefecture_named_twice_is_the_prefecture_not_the_county():
    found = equally_found(doc(1, category="mentor", region_code="520100"))

    _, evidence = score(found, Source("talent", (), "520100", "need"), WEIGHTS)

    assert evidence[1].contributions == pytest.approx({"lexical": 0.5, "region": 0.04})


def test_a_search_without_a_source_gets_no_category_sector_or_region_signal():
    found = equally_found(doc(1, sectors=("tea",), region_code="520115"))

    _, evidence = score(found, None, WEIGHTS)

    assert evidence[1].contributions == {"lexical": 0.5} and evidence[1].signals == []


def test_freshness_halves_every_90_days():
    now = datetime.now(UTC)
    found = equally_found(
        # published "tomorrow" by another host's clock: age 0
        doc(1, category="mentor", published_at=(now + timedelta(days=1)).isoformat()),
        doc(2, category="mentor", published_at=(now - timedelta(days=90, hours=12)).isoformat()),
        doc(3, category="mentor", published_at=(now - timedelta(days=180, hours=12)).isoformat()),
        doc(4, category="mentor", published_at=None),
    )
    weights = RankingWeights(lexical=0.5, freshness=0.02)

    _, evidence = score(found, None, weights)

    # 0.02 × 0.5 ** (age in whole days / 90)
    assert evidence[1].contributions["freshness"] == pytest.approx(0.02)
    assert evidence[2].contributions["freshness"] == pytest.approx(0.01)
    assert evidence[3].contributions["freshness"] == pytest.approx(0.005)
    assert "freshness" not in evidence[4].contributions
    assert signal(evidence[1], "freshness") == {
        "name": "freshness",
        "detail_zh": "今天发布",
        "detail": "published 0 days ago",
        "contribution": 0.02,
    }
    assert signal(evidence[3], "freshness")["detail_zh"] == "180 天前发布"


def test_all_signals_together_add_up_with_the_channels():
    now = datetime.now(UTC)
    source = Source("talent", ("advanced_equipment",), "520115", "need")
    found = candidates(
        [doc(1, sectors=("advanced_equipment",), region_code="520102", published_at=now.isoformat())],
        lexical=[LexicalHit(1, 3.0)],
        semantic=[SemanticHit(1, 0.9)],
    )
    weights = RankingWeights(
        lexical=0.5, semantic=1.0, category=0.5, sector=0.05, prefecture=0.04, freshness=0.02, semantic_spread=0.04
    )

    ranked, evidence = score(found, source, weights)

    parts = {"lexical": 0.5, "semantic": 1.0, "category": 0.5, "sector": 0.05, "region": 0.04, "freshness": 0.02}
    assert evidence[1].contributions == pytest.approx(parts)
    assert ranked == [(1, pytest.approx(2.11))]
    assert [s["name"] for s in evidence[1].signals] == ["category", "sector", "region", "freshness"]
