"""Chinese tokens: domain terms stay whole, Traditional and full-width input is normalised."""

from __future__ import annotations

from matchmaker.text.tokenizer import normalize_text, tokenize


def test_domain_terms_stay_whole_and_their_parts_are_indexed_too():
    tokens = tokenize("茶叶生产与加工技术专业")

    assert "茶叶生产与加工技术" in tokens and "茶叶" in tokens and "加工" in tokens


def test_traditional_and_full_width_input_gives_the_same_tokens():
    assert tokenize("招聘數控車床操作工，熟悉ＦＡＮＵＣ系統") == tokenize("招聘数控车床操作工，熟悉FANUC系统")
    assert normalize_text("ＦＡＮＵＣ　系統") == "fanuc 系统"


def test_stopwords_and_punctuation_are_dropped():
    tokens = tokenize("熟悉数控编程，具有相关工作经验！")

    assert "，" not in tokens and "熟悉" not in tokens and "的" not in tokens
    assert "数控编程" in tokens


def test_empty_text_has_no_tokens():
    assert tokenize("") == [] and tokenize("，。！") == []
