"""The project pages: an event agreement becomes a project, moves to 结题, is published, and shows on /library."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Notification, Project, User
from tests.helpers import beside, text
from tests.projects_support import agreed_meeting, make_partners


@pytest.fixture
def partners(make_org, make_user):
    return make_partners(make_org, make_user)


def logged_in(app, user_id: int):
    """A test client logged in as an existing user (the support module's users share one password)."""
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "correct horse battery"}).status_code == 302
    return client


def project_id_from(response) -> int:
    return int(re.search(r"/projects/(\d+)$", response.headers["Location"]).group(1))


def test_an_event_agreement_becomes_a_project_that_reaches_the_public_library(app, partners, make_event):
    agreed_meeting(app, partners, make_event)
    enterprise = logged_in(app, partners.enterprise_member_id)
    school = logged_in(app, partners.school_member_id)
    coordinator = logged_in(app, partners.coordinator_id)

    # The coordinator's outcomes page and the participant's agenda offer to make a project of the agreement.
    outcomes = text(coordinator.get(f"/events/{partners.event_id}/outcomes"))
    assert f"/projects/new?meeting={partners.meeting_id}" in outcomes
    agenda = text(enterprise.get(f"/events/{partners.event_id}/agenda"))
    assert f"/projects/new?meeting={partners.meeting_id}" in agenda

    form = enterprise.get(f"/projects/new?meeting={partners.meeting_id}")
    assert form.status_code == 200
    assert "贵州精工机床有限公司—遵义职业技术学院合作项目" in text(form)
    created = enterprise.post(
        "/projects/new",
        data={
            "meeting": partners.meeting_id,
            "title": "精工数控订单班",
            "type_code": "order_class",
            "students_trained": "45",
            "enterprise_investment": "300000",
            "majors": "数控技术",
            "doc_title": ["合作协议"],
            "doc_url": ["https://example.cn/agreement.pdf"],
        },
    )
    assert created.status_code == 302, beside(created)
    project_id = project_id_from(created)
    page = text(school.get(f"/projects/{project_id}"))
    assert "确认参与" in page and "待确认" in page
    assert school.post(f"/projects/{project_id}/confirm").status_code == 302

    for status, day in (("approved", "2025-03-01"), ("in_progress", "2025-09-01"), ("closed", "2026-07-10")):
        answer = school.post(f"/projects/{project_id}/status", data={"status": status, "occurred_on": day, "note": ""})
        assert answer.status_code == 302, beside(answer)
    page = text(enterprise.get(f"/projects/{project_id}"))
    assert "2026年7月10日" in page and "结题" in page and "来自" in page

    assert coordinator.post(f"/projects/{project_id}/nominate", data={"note": "成效突出"}).status_code == 302
    assert "精工数控订单班" in text(coordinator.get("/projects/review"))
    review = {f"met_{c}": "1" for c in ("mechanism", "education", "industry", "replicable")}
    review.update({f"note_{c}": "经核实" for c in ("mechanism", "education", "industry", "replicable")})
    assert coordinator.post(f"/projects/{project_id}/review", data={**review, "decision": "publish"}).status_code == 302

    anonymous = app.test_client()
    library = text(anonymous.get("/library"))
    assert "精工数控订单班" in library
    entry = anonymous.get(f"/library/{project_id}")
    assert entry.status_code == 200 and "遵义职业技术学院" in text(entry) and "经核实" in text(entry)
    assert anonymous.get("/library?school_kind=中职学校").status_code == 200
    assert "精工数控订单班" not in text(anonymous.get("/library?school_kind=中职学校"))
    assert "精工数控订单班" in text(anonymous.get("/library?region=520300"))
    with app.app_context():
        told = db.session.scalars(
            select(Notification.title).where(Notification.user_id == partners.school_member_id)
        ).all()
        assert any("已入选" in t for t in told)


def test_a_project_page_is_hidden_from_strangers_and_the_library_shows_only_published(app, partners, count):
    school = logged_in(app, partners.school_member_id)
    created = school.post(
        "/projects/new",
        data={
            "title": "共建实训基地",
            "type_code": "shared_training_base",
            "partner_org": [str(partners.enterprise_id)],
        },
    )
    project_id = project_id_from(created)
    outsider = logged_in(app, partners.outsider_member_id)
    assert outsider.get(f"/projects/{project_id}").status_code == 404
    assert outsider.post(f"/projects/{project_id}/status", data={"status": "approved"}).status_code == 404
    assert app.test_client().get(f"/library/{project_id}").status_code == 404
    assert "共建实训基地" not in text(app.test_client().get("/library"))
    assert "共建实训基地" in text(school.get("/projects"))
    assert "共建实训基地" not in text(outsider.get("/projects"))


def test_the_form_names_bad_fields_and_writes_nothing(app, partners, count):
    school = logged_in(app, partners.school_member_id)
    answer = school.post(
        "/projects/new",
        data={"title": "订单班", "type_code": "order_class", "students_trained": "-3", "school_investment": "1.005"},
    )
    assert answer.status_code == 400
    errors = beside(answer)
    assert set(errors) >= {"students_trained", "school_investment"}
    assert count(Project) == 0
    alone = school.post("/projects/new", data={"title": "订单班", "type_code": "order_class"})
    assert alone.status_code == 400 and "partner_org" in beside(alone)  # the school alone is no project
    assert count(Project) == 0


def test_a_decline_on_the_review_page_needs_a_reason(app, partners):
    school = logged_in(app, partners.school_member_id)
    enterprise = logged_in(app, partners.enterprise_member_id)
    coordinator = logged_in(app, partners.coordinator_id)
    project_id = project_id_from(
        school.post(
            "/projects/new",
            data={"title": "订单班", "type_code": "order_class", "partner_org": [str(partners.enterprise_id)]},
        )
    )
    enterprise.post(f"/projects/{project_id}/confirm")
    for status in ("approved", "in_progress"):
        school.post(f"/projects/{project_id}/status", data={"status": status})
    coordinator.post(f"/projects/{project_id}/nominate", data={})
    refused = coordinator.post(f"/projects/{project_id}/review", data={"decision": "decline", "reason": ""})
    assert refused.status_code == 400 and "reason" in beside(refused)
    declined = coordinator.post(f"/projects/{project_id}/review", data={"decision": "decline", "reason": "数据不全"})
    assert declined.status_code == 302
    assert "数据不全" in text(school.get(f"/projects/{project_id}"))
