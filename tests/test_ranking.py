"""The ranking itself, without an index: features, scores, the threshold and diversity on hand-built candidates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.indexing.base import IndexDocument, LexicalHit, SemanticHit, TaggedHit
from matchmaker.intent import Intent
from matchmaker.matching import Candidates, RankingWeights, diversify, score
from matchmaker.ranking import FEATURES, Offer, Source, answers, features
from matchmaker.taxonomy import get_taxonomy

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def doc(
    doc_id: int,
    *,
    kind: str = "school",
    subtype: str | None = "高职院校",
    category: str = "program",
    direction: str = "offer",
    org: int | None = None,
    title: str = "",
    sectors: tuple[str, ...] = (),
    region: str | None = None,
    published_days_ago: int = 0,
) -> IndexDocument:
    return IndexDocument(
        id=doc_id,
        ref=f"R{doc_id}",
        direction=direction,
        category=category,
        kind=kind,
        organization_id=org if org is not None else doc_id,
        organization_name=f"机构{doc_id}",
        title=title or f"发布{doc_id}",
        description="",
        sectors=sectors,
        region_code=region,
        prefecture_code=None,
        valid_until=None,
        published_at=(NOW - timedelta(days=published_days_ago)).isoformat(),
        title_tokens=(),
        body_tokens=(),
        organization_subtype=subtype,
    )


TALENT = Source(intent=Intent.known("enterprise", "talent"))


def values(document: IndexDocument, source: Source, channels=None, floor: float = 0.0) -> dict[str, float]:
    return features(document, source, channels or {}, get_taxonomy(), freshness_floor=floor, now=NOW)


def test_a_school_program_answers_an_enterprises_talent_need_and_a_competitors_offer_does_not():
    program = values(doc(1), TALENT)
    competitor = values(doc(2, kind="enterprise", subtype="中小微企业", category="apprenticeship"), TALENT)

    assert (program["answers"], program["own_side"]) == (1.0, 0.0)
    assert (competitor["answers"], competitor["own_side"]) == (0.0, 1.0)  # another enterprise's 订单班 offer


def test_a_partial_lead_counts_by_its_strength_and_associations_answer_both_sides():
    taxonomy = get_taxonomy()
    technology = Source(intent=Intent.known("enterprise", "technology"))
    mentor = Source(intent=Intent.known("school", "mentor"))
    association = doc(3, kind="enterprise", subtype="行业组织", category="mentor")

    assert answers(doc(1, category="training_base"), technology, taxonomy) == (0.5, 0.0)  # a lab that tests
    assert answers(doc(1, category="program"), technology, taxonomy) == (0.0, 0.0)  # enrolment, not a service
    assert answers(association, mentor, taxonomy) == (1.0, 0.0)
    assert answers(association, Source(intent=Intent.known("enterprise", "training")), taxonomy) == (0.0, 0.0)


def test_an_uncertain_reading_weighs_each_possible_need_by_its_probability():
    reading = Source(intent=Intent({("enterprise", "talent"): 0.75, ("school", "mentor"): 0.25}, "text"))

    program = values(doc(1), reading)
    mentor_offer = values(doc(2, kind="enterprise", subtype="规上企业", category="mentor"), reading)

    assert (program["answers"], program["own_side"]) == (0.75, 0.25)
    assert (mentor_offer["answers"], mentor_offer["own_side"]) == (0.25, 0.75)


def test_matching_an_offer_scores_the_needs_it_answers():
    source = Source(offer=Offer("school", "高职院校", "program"))

    need = values(doc(1, kind="enterprise", subtype="中小微企业", category="talent", direction="need"), source)
    other_school = values(doc(2, kind="school", category="mentor", direction="need"), source)

    assert (need["answers"], need["own_side"]) == (1.0, 0.0)
    assert (other_school["answers"], other_school["own_side"]) == (0.0, 1.0)


def test_a_search_for_needs_scores_the_needs_the_query_describes():
    sought = Source(intent=Intent.known("enterprise", "apprenticeship"), needs_sought=True)
    wanted = values(doc(1, kind="enterprise", subtype="规上企业", direction="need", category="apprenticeship"), sought)
    other_kind = values(doc(2, kind="enterprise", subtype="规上企业", direction="need", category="talent"), sought)
    a_schools = values(doc(3, direction="need", category="apprenticeship"), sought)

    assert (wanted["answers"], wanted["own_side"]) == (1.0, 0.0)
    assert other_kind["answers"] == a_schools["answers"] == 0.0


def test_sector_region_freshness_and_interactions():
    source = Source(intent=Intent.known("enterprise", "talent"), sectors=("tea", "eco_food"), region_code="520328")
    document = doc(1, sectors=("tea", "eco_food", "chili"), region="520328", published_days_ago=90)

    found = values(document, source, {"lexical": 0.5, "semantic": 0.8}, floor=0.25)

    assert found["sector"] == 1.0  # two shared, the most that counts
    assert found["region"] == 1.0  # the same county (湄潭县)
    assert found["freshness"] == pytest.approx(0.5 - 0.25)  # half-life 90 days, above the oldest candidate's
    assert found["lexical×answers"] == 0.5 and found["semantic×answers"] == 0.8
    assert set(found) == set(FEATURES)
    prefecture = values(doc(2, region="520300"), source)["region"]  # 遵义市, the county's prefecture
    assert prefecture == 0.5


def candidates(documents: list[IndexDocument], lexical: dict[int, float], semantic: dict[int, float]) -> Candidates:
    return Candidates(
        lexical=[LexicalHit(i, s, ("数控",)) for i, s in sorted(lexical.items(), key=lambda x: -x[1])],
        semantic=[SemanticHit(i, s) for i, s in sorted(semantic.items(), key=lambda x: -x[1])],
        tagged=[TaggedHit(1, ("major:460103",))],
        tag_info={"major:460103": (0.9, "职业名称「车工」 → 数控技术专业：职业面向")},
        named_tags=frozenset({"major:460103"}),
        documents={d.id: d for d in documents},
    )


def test_the_score_is_the_sum_of_weighted_features_and_says_why():
    documents = [doc(1), doc(2, kind="enterprise", subtype="中小微企业", category="apprenticeship")]
    found = candidates(documents, {1: 4.0, 2: 8.0}, {1: 0.90, 2: 0.90})
    weights = RankingWeights(
        features={"lexical": 1.0, "semantic": 1.0, "crosswalk_named": 2.0, "answers": 1.5, "own_side": -1.0},
        threshold=0.0,
    )

    ranked, evidence = score(found, TALENT, weights)

    # doc 1: lexical 4/8 = 0.5, semantic 1, crosswalk 0.9 × 2, answers 1.5 → 4.8; doc 2: 1 + 1 − 1 = 1
    assert [(i, round(s, 6)) for i, s in ranked] == [(1, 4.8), (2, 1.0)]
    assert evidence[1].contributions == {"lexical": 0.5, "semantic": 1.0, "crosswalk_named": 1.8, "answers": 1.5}
    assert evidence[1].crosswalk == [("职业名称「车工」 → 数控技术专业：职业面向", 0.9)]  # the named evidence is shown
    names = [s["name"] for s in evidence[1].signals]
    assert names == ["category"] and evidence[1].signals[0]["detail_zh"] == "企业的人才需求；专业与课程供给可以答复"
    assert [s["name"] for s in evidence[2].signals] == ["own_side"]


def test_results_below_the_threshold_are_dropped_and_nonsense_finds_nothing():
    documents = [doc(1), doc(2)]
    weights = RankingWeights(features={"lexical": 1.0}, threshold=0.6)

    ranked, _ = score(candidates(documents, {1: 10.0, 2: 5.0}, {}), TALENT, weights)
    nonsense = candidates(documents, {}, {1: 0.8, 2: 0.79})
    nonsense.tag_info, nonsense.tagged, nonsense.known_words = {}, [], False

    assert [i for i, _ in ranked] == [1]  # 0.5 for doc 2 is under the threshold
    assert score(nonsense, TALENT, weights) == ([], {})


def test_near_identical_postings_of_one_organization_are_shown_once_and_few_of_one_fill_the_first_page():
    documents = {
        1: doc(1, org=7, title="数控技术专业招生与订单培养合作"),
        2: doc(2, org=7, title="数控技术专业 招生与订单培养合作（2）"),  # the same, numbered
        3: doc(3, org=7, title="机电一体化技术专业"),
        4: doc(4, org=7, title="工业机器人技术专业"),
        5: doc(5, org=8, title="数控技术应用专业"),
    }
    ranked = [(i, 10.0 - i) for i in documents]

    shown = diversify(ranked, documents, first_page=3, per_organization=2)

    assert [i for i, _ in shown] == [1, 3, 5, 4]
