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
