"""Cooperation projects: lifecycle, partners, permissions, creation from an event, the demonstration library."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from matchmaker import projects
from matchmaker.errors import Conflict, InvalidInput, PermissionDenied
from matchmaker.extensions import db, writing
from matchmaker.models import Notification, Project, ProjectChange, ProjectPartner, local_today
from tests.projects_support import agreed_meeting, make_partners

ALL_MET = {code: {"met": True, "note": "材料齐全"} for code in ("mechanism", "education", "industry", "replicable")}


@pytest.fixture
def partners(make_org, make_user):
    return make_partners(make_org, make_user)


def fields_of(error: pytest.ExceptionInfo) -> set[str]:
    return {e["field"] for e in error.value.field_errors()}


def new_project(ids, who="school", **fields):
    data = {
        "title": "数控技术订单班",
        "type_code": "order_class",
        "partners": [{"organization_id": ids.enterprise_id, "role": "partner"}],
        "sectors": ["advanced_equipment"],
    }
    data.update(fields)
    return projects.create_project(data, ids.user(who))


def notes_of(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))
    )


def test_a_member_creates_a_project_their_organization_confirmed_the_other_asked(app, partners):
    with app.app_context(), writing():
        project = new_project(partners)
        db.session.commit()
        by_org = {p.organization_id: p for p in project.partners}
        assert set(by_org) == {partners.school_id, partners.enterprise_id}
        assert by_org[partners.school_id].confirmed_at is not None
        assert by_org[partners.enterprise_id].confirmed_at is None
        assert project.counted is False
        assert project.region_code == "520302"  # the school's, when none is given
        asked = notes_of(partners.enterprise_member_id)
        assert [n.link for n in asked] == [f"/projects/{project.id}"]
        assert "请确认" in asked[0].title
        assert notes_of(partners.school_member_id) == []

        projects.confirm_partnership(project, partners.user("enterprise"))
        db.session.commit()
        assert project.counted is True
        with pytest.raises(Conflict):
            projects.confirm_partnership(project, partners.user("enterprise"))
        with pytest.raises(PermissionDenied):
            projects.confirm_partnership(project, partners.user("outsider"))


def test_the_lifecycle_goes_through_the_table_with_dated_steps_and_history(app, partners):
    today = local_today()
    with app.app_context(), writing():
        project = new_project(partners)
        projects.confirm_partnership(project, partners.user("enterprise"))
        steps = [
            ("approved", today - timedelta(days=60), "教育局立项"),
            ("in_progress", today - timedelta(days=30), "首届 40 人开班"),
            ("closed", today, "结题验收"),
        ]
        for status, day, note in steps:
            projects.set_project_status(project, status, partners.user("enterprise"), occurred_on=day, note=note)
        db.session.commit()
        assert project.status == "closed"
        assert project.starts_on == today - timedelta(days=30)  # filled in by the 实施中 step
        assert project.ends_on == today
        history = list(db.session.scalars(select(ProjectChange).where(ProjectChange.project_id == project.id)))
        assert [(e.kind, e.from_status, e.to_status) for e in history] == [
            ("created", None, "agreement"),
            ("confirmed", None, None),
            ("status", "agreement", "approved"),
            ("status", "approved", "in_progress"),
            ("status", "in_progress", "closed"),
        ]
        assert [(e.occurred_on, e.note) for e in history[2:]] == [(d, n) for _, d, n in steps]
        assert history[2].actor_id == partners.enterprise_member_id
        assert [(s.status, s.occurred_on, s.done) for s in projects.lifecycle(project)][1:] == [
            ("approved", today - timedelta(days=60), True),
            ("in_progress", today - timedelta(days=30), True),
            ("closed", today, True),
        ]
        assert projects.next_statuses(project) == []


def test_refused_transitions_and_dates_name_the_field_and_change_nothing(app, partners):
    today = local_today()
    with app.app_context(), writing():
        project = new_project(partners)
        db.session.commit()
        school = partners.user("school")
        with pytest.raises(InvalidInput) as error:
            projects.set_project_status(project, "closed", school)  # 签订协议 cannot jump to 结题
        assert fields_of(error) == {"status"}
        assert "签订协议" in error.value.fields["status"][0].zh
        with pytest.raises(InvalidInput) as error:
            projects.set_project_status(project, "approved", school, occurred_on=today + timedelta(days=1))
        assert fields_of(error) == {"occurred_on"}
        projects.set_project_status(project, "approved", school, occurred_on=today - timedelta(days=5))
        with pytest.raises(InvalidInput) as error:
            projects.set_project_status(project, "in_progress", school, occurred_on=today - timedelta(days=9))
        assert fields_of(error) == {"occurred_on"}
        projects.set_project_status(project, "stopped", school, note="企业停产")
        with pytest.raises(InvalidInput) as error:
            projects.set_project_status(project, "in_progress", school)  # 终止 is final
        assert fields_of(error) == {"status"}
        db.session.commit()
        assert project.status == "stopped"
        assert [s.status for s in projects.lifecycle(project)] == ["agreement", "approved", "stopped"]


def test_only_confirmed_partners_and_coordinators_change_a_project(app, partners):
    with app.app_context(), writing():
        project = new_project(partners)
        db.session.commit()
        for who in ("outsider", "enterprise"):  # a stranger, and a partner that has not confirmed yet
            with pytest.raises(PermissionDenied):
                projects.update_project(project, {"students_trained": 40}, partners.user(who))
            with pytest.raises(PermissionDenied):
                projects.set_project_status(project, "approved", partners.user(who))
        assert projects.can_see(project, partners.user("enterprise"))
        assert not projects.can_see(project, partners.user("outsider"))
        assert not projects.can_see(project, None)
        projects.update_project(project, {"students_trained": 40}, partners.user("coordinator"))
        db.session.commit()
        assert project.students_trained == 40


def test_an_edit_from_an_old_version_is_refused(app, partners):
    with app.app_context(), writing():
        project = new_project(partners)
        db.session.commit()
        seen = project.version
        projects.update_project(project, {"mentors": 3}, partners.user("school"), seen)
        db.session.commit()
        with pytest.raises(Conflict):
            projects.update_project(project, {"mentors": 5}, partners.user("school"), seen)
        assert project.mentors == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"partners": []}, "partners"),  # the school alone
        ({"partners": [{"organization_id": 999_999}]}, "partners.0.organization_id"),
        ({"partners": [{"organization_ref": "NOPE"}]}, "partners.0.organization_ref"),
        ({"starts_on": date(2025, 9, 1), "ends_on": date(2025, 6, 30)}, "ends_on"),
    ],
)
def test_bad_input_names_the_field_with_nothing_written(app, partners, count, change, field):
    with app.app_context(), writing():
        with pytest.raises(InvalidInput) as error:
            new_project(partners, **change)
        assert field in fields_of(error)
        db.session.rollback()
    assert count(Project) == count(ProjectPartner) == count(ProjectChange) == 0


def test_partners_must_include_a_school_and_an_enterprise_each_once(app, partners, make_org):
    closed = make_org(kind="school", name="未审核学校", verified=False)
    with app.app_context(), writing():
        with pytest.raises(InvalidInput) as error:  # two enterprises
            projects.create_project(
                {
                    "title": "两家企业",
                    "type_code": "joint_rnd",
                    "partners": [{"organization_id": partners.outsider_id}],
                },
                partners.user("enterprise"),
            )
        assert "学校" in error.value.fields["partners"][0].zh or "院校" in error.value.fields["partners"][0].zh
        with pytest.raises(InvalidInput) as error:
            new_project(partners, partners=[{"organization_id": partners.enterprise_id}] * 2)
        assert fields_of(error) == {"partners.1.organization_id"}
        with pytest.raises(InvalidInput) as error:
            new_project(
                partners, partners=[{"organization_id": closed.id}, {"organization_id": partners.enterprise_id}]
            )
        assert fields_of(error) == {"partners.0.organization_id"}


def test_an_event_agreement_becomes_a_project_traced_to_its_meeting(app, partners, make_event):
    agreed_meeting(app, partners, make_event)
    with app.app_context(), writing():
        meeting = projects.find_meeting(partners.meeting_id)
        project = projects.create_project(
            {"title": "数控订单班", "type_code": "order_class"}, partners.user("enterprise"), meeting=meeting
        )
        db.session.commit()
        assert (project.event_id, project.meeting_id) == (partners.event_id, partners.meeting_id)
        assert set(project.organization_ids) == {partners.school_id, partners.enterprise_id}
        assert project.region_code == "520300"  # the event's
        assert project.sectors == ["advanced_equipment"]
        assert project.status == "agreement"
        assert projects.list_projects({"event_id": partners.event_id}, partners.user("coordinator")).total == 1
        assert projects.projects_from_meetings([meeting.id]) == {meeting.id: [project]}


def test_a_meeting_without_an_agreement_or_a_stranger_makes_no_project(app, partners, make_event, count):
    agreed_meeting(app, partners, make_event, outcome="intention")
    with app.app_context(), writing():
        meeting = projects.find_meeting(partners.meeting_id)
        with pytest.raises(InvalidInput) as error:
            projects.create_project(
                {"title": "意向", "type_code": "order_class"}, partners.user("school"), meeting=meeting
            )
        assert fields_of(error) == {"meeting_id"}
        with pytest.raises(PermissionDenied):
            projects.create_project(
                {"title": "旁人", "type_code": "order_class"}, partners.user("outsider"), meeting=meeting
            )
    assert count(Project) == 0


def running_project(partners) -> Project:
    project = new_project(partners, students_trained=40, enterprise_investment=Decimal("300000.00"))
    projects.confirm_partnership(project, partners.user("enterprise"))
    projects.set_project_status(project, "approved", partners.user("school"))
    projects.set_project_status(project, "in_progress", partners.user("school"))
    return project


def test_the_library_nominates_reviews_and_publishes_and_tells_the_partners(app, partners):
    with app.app_context(), writing():
        coordinator = partners.user("coordinator")
        project = new_project(partners)
        with pytest.raises(InvalidInput) as error:  # 签订协议: too early
            projects.nominate_project(project, coordinator)
        assert fields_of(error) == {"status"}
        with pytest.raises(PermissionDenied):
            projects.nominate_project(project, partners.user("school"))
        db.session.rollback()

        project = running_project(partners)
        projects.nominate_project(project, coordinator, note="订单班成效突出")
        assert projects.review_queue() == [project]
        missing = dict(ALL_MET)
        missing.pop("replicable")
        with pytest.raises(InvalidInput) as error:
            projects.publish_project(project, coordinator, missing)
        assert fields_of(error) == {"criteria.replicable"}
        with pytest.raises(InvalidInput) as error:
            projects.publish_project(project, coordinator, {**ALL_MET, "industry": {"met": True, "note": ""}})
        assert fields_of(error) == {"criteria.industry.note"}
        projects.publish_project(project, coordinator, ALL_MET)
        db.session.commit()
        assert project.library_status == "published" and project.published_at is not None
        assert project.review_notes["education"] == {"met": True, "note": "材料齐全"}
        assert projects.list_library({}).items == [project]
        assert projects.get_library_entry(project.id) is project
        for member_id in (partners.school_member_id, partners.enterprise_member_id):
            titles = [n.title for n in notes_of(member_id) if n.kind == "project"]
            assert any("推荐" in t for t in titles) and any("已入选" in t for t in titles)
        assert notes_of(partners.outsider_member_id) == []


def test_an_unconfirmed_project_cannot_be_nominated(app, partners):
    with app.app_context(), writing():
        project = new_project(partners)
        projects.set_project_status(project, "approved", partners.user("school"))
        projects.set_project_status(project, "in_progress", partners.user("school"))
        with pytest.raises(InvalidInput) as error:
            projects.nominate_project(project, partners.user("coordinator"))
        assert fields_of(error) == {"partners"}


def test_a_decline_needs_a_reason_and_tells_the_partners_why(app, partners):
    with app.app_context(), writing():
        coordinator = partners.user("coordinator")
        project = running_project(partners)
        projects.nominate_project(project, coordinator)
        with pytest.raises(InvalidInput) as error:
            projects.decline_project(project, coordinator, "  ")
        assert fields_of(error) == {"reason"}
        projects.decline_project(
            project, coordinator, "育人成效数据不完整", {"education": {"met": False, "note": "缺少名单"}}
        )
        db.session.commit()
        assert project.library_status == "declined"
        assert projects.list_library({}).total == 0
        told = [n for n in notes_of(partners.enterprise_member_id) if "未入选" in n.title]
        assert len(told) == 1 and "育人成效数据不完整" in told[0].body
        projects.nominate_project(project, coordinator)  # improved, it may be nominated again
        assert project.library_status == "nominated" and project.decline_reason is None


def test_lists_filter_by_region_type_sector_and_confirmation(app, partners):
    with app.app_context(), writing():
        first = new_project(partners, region="520302")  # 红花岗区, in 遵义市
        second = new_project(
            partners, title="共建实训基地", type_code="shared_training_base", region="520102", sectors=[]
        )
        projects.confirm_partnership(second, partners.user("enterprise"))
        db.session.commit()
        coordinator = partners.user("coordinator")

        def ids(**filters):
            return [p.id for p in projects.list_projects(filters, coordinator).items]

        assert ids(region="520300") == [first.id]  # the prefecture includes its counties
        assert ids(type=["shared_training_base"]) == [second.id]
        assert ids(sector=["advanced_equipment"]) == [first.id]
        assert ids(counted=True) == [second.id]
        assert ids(counted=False) == [first.id]
        assert ids(organization_id=partners.enterprise_id) == [second.id, first.id]
        assert projects.list_projects({}, partners.user("outsider")).total == 0
        assert projects.list_projects({}, None).total == 0
