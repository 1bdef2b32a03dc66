"""Status changes go through one table per kind of record."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInput
from matchmaker.transitions import EVENT_STATUS, POSTING_STATUS, Transitions


def message(error: pytest.ExceptionInfo) -> str:
    [problem] = error.value.field_errors()
    assert problem["field"] == "status"
    return problem["message_zh"]


def test_a_refused_change_names_both_statuses_in_chinese():
    with pytest.raises(InvalidInput) as refused:
        EVENT_STATUS.require("published", "draft")

    assert message(refused) == "不能从「日程已发布」改为「筹备中」。"


def test_staying_in_a_status_is_allowed_and_unknown_statuses_list_the_choices():
    POSTING_STATUS.require("published", "published")  # renewing
    with pytest.raises(InvalidInput) as refused:
        POSTING_STATUS.require("draft", "archived")

    assert message(refused) == "状态须为：草稿、已发布、已关闭。"


def test_every_status_a_table_names_has_a_label():
    with pytest.raises(ValueError, match="without a label"):
        Transitions(labels={"a": "甲"}, allowed={"a": frozenset({"b"})})
