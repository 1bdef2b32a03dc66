"""Reading who asks for what: the intent classifier and what is known of the seeker."""

from __future__ import annotations

import pytest

from matchmaker import intent
from matchmaker.intent import Intent


def test_a_known_side_keeps_only_that_sides_needs_and_sums_to_one():
    reading = Intent({("enterprise", "talent"): 0.6, ("school", "mentor"): 0.3, ("school", "internship"): 0.1}, "text")

    school = reading.with_side("school")

    assert school.probabilities == pytest.approx({("school", "mentor"): 0.75, ("school", "internship"): 0.25})
    assert school.source == "side" and school.best() == ("school", "mentor", pytest.approx(0.75))
    assert reading.side("school") == pytest.approx(0.4)
    assert Intent.known("enterprise", "technology").best() == ("enterprise", "technology", 1.0)


def test_training_data_has_every_kind_of_need_of_both_sides():
    examples = intent.training_examples()
    classes = {(side, category) for _, side, category in examples}

    assert {
        ("enterprise", c) for c in ("talent", "technology", "training", "apprenticeship", "training_base")
    } <= classes
    assert {("school", c) for c in ("mentor", "internship", "teacher_practice", "training_base")} <= classes
    assert all(text.strip() for text, _, _ in examples)


@pytest.mark.model
@pytest.mark.parametrize(
    ("query", "side", "category"),
    [
        ("护理专业聘请医院护士长担任产业导师", "school", "mentor"),
        ("招聘数控车床操作工，熟悉FANUC系统", "enterprise", "talent"),
        ("辣椒酱胀袋，想找学校帮忙改进杀菌工艺", "enterprise", "technology"),
        ("想和职业学校合作开一个汽修订单班", "enterprise", "apprenticeship"),
        ("给公司50名电工做技能等级培训", "enterprise", "training"),
        ("专业课教师暑期到企业挂职锻炼", "school", "teacher_practice"),
    ],
)
def test_the_shipped_classifier_reads_clear_needs(real_embedder, query, side, category):
    model = intent.model_for(real_embedder, None)

    found_side, found_category, probability = model.read(query, real_embedder.encode_query(query)).best()

    assert (found_side, found_category) == (side, category)
    assert probability > 0.3


@pytest.mark.model
def test_the_classifier_for_the_default_model_is_shipped_not_trained(real_embedder):
    from matchmaker.data import data_dir

    assert (data_dir("intent") / intent.shipped_path(real_embedder.model_id)).is_file()


def test_a_server_start_readies_the_classifier_before_the_first_search(app, monkeypatch):
    """For a model without a shipped classifier, the warm-up trains it and keeps it under MATCHMAKER_HOME."""
    from pathlib import Path

    from matchmaker.indexing import get_search_index, warm_up

    monkeypatch.setattr(intent, "_models", {})  # as in a freshly started process
    with app.app_context():
        embedder = get_search_index().embedder
    kept = Path(app.config["MATCHMAKER_HOME"]) / "models" / f"intent-{intent.shipped_path(embedder.model_id)}"
    assert not kept.exists()

    warm_up(app)

    assert kept.is_file()
    assert embedder.model_id in intent._models
