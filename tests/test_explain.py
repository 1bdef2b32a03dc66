"""Explanations: highlighted, escaped snippets and readable reasons."""

from __future__ import annotations

from matchmaker.explain import Evidence, explain, highlight


def test_snippet_marks_terms_and_escapes_user_text():
    snippet = highlight("<b>数控</b>车床操作工，熟悉FANUC系统", ["数控", "fanuc"])

    assert snippet == "&lt;b&gt;<mark>数控</mark>&lt;/b&gt;车床操作工，熟悉<mark>FANUC</mark>系统"


def test_long_text_is_cut_around_the_first_match():
    text = "甲" * 300 + "数控技术" + "乙" * 300

    snippet = highlight(text, ["数控技术"], width=40)

    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>数控技术</mark>" in snippet


def test_explanation_lists_terms_crosswalk_and_similarity():
    evidence = Evidence(
        lexical_rank=1,
        lexical_score=3.2,
        matched_terms=("数控",),
        semantic_rank=2,
        similarity=0.88,
        relative_similarity=0.9,
        crosswalk=[("数控车工 → 数控技术专业: 职业面向", 0.8)],
        contributions={"lexical": 1.0},
    )

    result = explain(evidence, "数控技术专业", "培养数控编程人才")

    assert result["summary_zh"].startswith("关键词匹配：数控；数控车工 → 数控技术专业")
    assert "语义相近" in result["summary_zh"]
    assert result["lexical"]["matched_terms"] == ["数控"] and result["semantic"]["rank"] == 2
    assert result["crosswalk"] == [{"explanation": "数控车工 → 数控技术专业: 职业面向", "weight": 0.8}]


def test_the_whole_explanation_of_a_hand_built_evidence():
    evidence = Evidence(
        lexical_rank=2,
        lexical_score=3.14159,
        matched_terms=("数控", "车床"),
        semantic_rank=1,
        similarity=0.876543,
        relative_similarity=0.5,  # the lowest that still counts as 语义相近
        crosswalk=[("车工 → 数控技术", 0.81234)],
        contributions={"lexical": 0.1234567, "semantic": 0.5, "crosswalk": 1.5, "category": 0.5},
        signals=[{"name": "category", "detail_zh": "类别互补：人才需求 ↔ 专业与课程供给", "contribution": 0.5}],
    )

    result = explain(evidence, "数控技术专业", "开设数控车床实训")

    assert result == {
        "summary_zh": "关键词匹配：数控、车床；车工 → 数控技术；语义相近（相似度 0.88）；"
        "类别互补：人才需求 ↔ 专业与课程供给",
        "lexical": {"rank": 2, "bm25": 3.1416, "matched_terms": ["数控", "车床"]},
        "semantic": {"rank": 1, "similarity": 0.8765, "relative_similarity": 0.5},
        "crosswalk": [{"explanation": "车工 → 数控技术", "weight": 0.8123}],
        "signals": evidence.signals,
        "contributions": {"lexical": 0.123457, "semantic": 0.5, "crosswalk": 1.5, "category": 0.5},
        "snippet_html": "<mark>数控</mark>技术专业｜开设<mark>数控</mark><mark>车床</mark>实训",
    }


def test_a_result_found_only_by_meaning_says_so():
    result = explain(Evidence(semantic_rank=3, similarity=0.8, relative_similarity=0.2), "茶艺专业", "茶文化")

    assert result["summary_zh"] == "语义相近"  # below half the spread: no similarity reason, but some reason
    assert result["lexical"] is None and result["crosswalk"] == [] and result["signals"] == []
    assert result["semantic"] == {"rank": 3, "similarity": 0.8, "relative_similarity": 0.2}
    assert result["snippet_html"] == "茶艺专业｜茶文化"


def test_the_summary_names_at_most_six_terms_and_three_crosswalk_reasons():
    evidence = Evidence(
        lexical_rank=1,
        lexical_score=1.0,
        matched_terms=("一", "二", "三", "四", "五", "六", "七"),
        crosswalk=[("甲", 0.9), ("乙", 0.8), ("丙", 0.7), ("丁", 0.6)],
    )

    result = explain(evidence, "标题", "")

    assert result["summary_zh"] == "关键词匹配：一、二、三、四、五、六；甲；乙；丙"
    assert result["lexical"]["matched_terms"] == ["一", "二", "三", "四", "五", "六", "七"]  # all of them here
    assert [c["explanation"] for c in result["crosswalk"]] == ["甲", "乙", "丙", "丁"]
    assert result["semantic"] is None
