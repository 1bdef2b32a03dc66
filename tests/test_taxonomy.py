"""The taxonomy data files: sectors, regions, categories and organization kinds."""

from __future__ import annotations

import pytest

from matchmaker.taxonomy import UnknownTerm, get_taxonomy


def test_ten_industrial_and_twelve_agricultural_sectors_with_stable_codes():
    sectors = get_taxonomy().sectors
    by_group = {}
    for sector in sectors.values():
        by_group.setdefault(sector.group, []).append(sector.name)

    assert len(by_group["industrial"]) == 10 and len(by_group["agricultural"]) == 12
    assert "先进装备制造" in by_group["industrial"] and "刺梨" in by_group["agricultural"]
    assert sectors["tea"].name == "茶叶" and sectors["big_data_electronics"].name == "大数据电子信息"


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("tea", "tea"),
        ("茶叶", "tea"),
        (" 辣椒 ", "chili"),
        ("竹子", "bamboo"),
        ("TEA", "tea"),
    ],
)
def test_sectors_by_code_or_chinese_name(given, code):
    assert get_taxonomy().resolve_sector(given) == code


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("520102", "520102"),
        ("南明区", "520102"),
        ("贵阳市南明区", "520102"),
        ("5201", "520100"),
        ("贵阳市", "520100"),
        ("52", "520000"),
        ("黔东南州", "522600"),
        ("黔东南苗族侗族自治州", "522600"),
        ("５２０３２８", "520328"),  # full-width digits
    ],
)
def test_regions_by_official_code_or_name(given, code):
    assert get_taxonomy().resolve_region(given) == code


@pytest.mark.parametrize("given", ["999999", "北京市", "5299", "", "tea"])
def test_unknown_regions_are_refused(given):
    with pytest.raises(UnknownTerm):
        get_taxonomy().resolve_region(given)


def test_guizhou_has_nine_prefectures_and_88_counties():
    regions = get_taxonomy().regions.values()
    levels = [r.level for r in regions]

    assert levels.count("province") == 1 and levels.count("prefecture") == 9 and levels.count("county") == 88
    assert get_taxonomy().region_and_descendants("520300") >= {"520300", "520328", "520382"}


def test_complementarity_table_pairs_needs_with_offers():
    taxonomy = get_taxonomy()

    assert set(taxonomy.categories) >= {
        "talent",
        "technology",
        "training",
        "apprenticeship",
        "internship",
        "mentor",
        "teacher_practice",
        "training_base",
        "program",
    }
    assert "program" in taxonomy.offer_categories_for("talent")
    assert taxonomy.offer_categories_for("technology") == ("technology", "training_base")  # strongest first
    assert "talent" in taxonomy.need_categories_for("program")
    assert taxonomy.answer_strength("technology", "technology") == 1.0
    assert taxonomy.answer_strength("technology", "training_base") == 0.5  # a lab that tests: a lead
    assert taxonomy.answer_strength("training", "program") == 0.0  # enrolment is not staff training
    for category in taxonomy.categories.values():
        assert category.code in category.answers  # an offer of the same kind always answers a need
        assert category.strengths[category.code] == 1.0


def test_the_other_side_answers_and_associations_answer_both():
    taxonomy = get_taxonomy()

    assert taxonomy.is_counterpart("enterprise", "school", "高职院校")
    assert taxonomy.is_counterpart("school", "enterprise", "规上企业")
    assert not taxonomy.is_counterpart("enterprise", "enterprise", "中小微企业")  # a competitor
    assert not taxonomy.is_counterpart("school", "school", None)
    assert taxonomy.is_counterpart("enterprise", "enterprise", "行业组织")
    assert taxonomy.is_counterpart("school", "enterprise", "行业组织")


def test_every_kind_has_subtypes():
    kinds = get_taxonomy().kinds
    assert "高职院校" in kinds["school"].subtypes and "中小微企业" in kinds["enterprise"].subtypes
