"""Matchmaking event pages: set-up, registration, requests, the schedule, agendas and their files, outcomes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO

import icalendar
import pytest
from openpyxl import load_workbook

from matchmaker.extensions import db
from matchmaker.models import Event, EventParticipant, Meeting, MeetingOutcome, MeetingRequest
from matchmaker.models.base import LOCAL_TZ
from tests.helpers import text


def event_form(**changes) -> dict:
    soon = datetime.now(LOCAL_TZ) + timedelta(days=7)
    held_on = (soon + timedelta(days=7)).date().isoformat()
    form = {
        "title": "2026 贵阳装备制造产教对接会",
        "description": "校企一对一洽谈",
        "held_on": held_on,
        "venue": "贵阳国际会议展览中心 A 馆",
        "region": "520100",
        "sectors": ["advanced_equipment"],
        "registration_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
        "request_deadline": (soon + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "requires_approval": "true",
        "min_meetings": "0",
        "max_meetings": "",
        "first_slot": "14:00",
        "slot_minutes": "20",
        "slot_count": "3",
        "pause_minutes": "10",
        "table_count": "2",
        "table_names": "",
    }
    form.update(changes)
    return form


def created_event_id(response) -> int:
    match = re.fullmatch(r"/events/(\d+)/manage", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def participant_id(app, event_id: int, org_id: int) -> int:
    with app.app_context():
        return db.session.query(EventParticipant).filter_by(event_id=event_id, organization_id=org_id).one().id


@pytest.fixture
def opened_event(app, login, make_org):
    """An open event with two enterprises and two schools registered and approved, and their clients."""
    coordinator = login(role="coordinator")
    event_id = created_event_id(coordinator.post("/events/new", data=event_form()))
    assert coordinator.post(f"/events/{event_id}/status", data={"status": "open", "version": "1"}).status_code == 302
    orgs = {
        "e1": make_org(kind="enterprise", name="贵阳精密机械有限公司", sectors=["advanced_equipment"]),
        "e2": make_org(kind="enterprise", name="遵义航天零件有限公司", sectors=["advanced_equipment"]),
        "s1": make_org(kind="school", name="贵州装备职业学院", sectors=["advanced_equipment"]),
        "s2": make_org(kind="school", name="贵州轻工职业技术学院"),
    }
    clients = {name: login(org) for name, org in orgs.items()}
    for client in clients.values():
        assert client.post(f"/events/{event_id}/register").status_code == 302
    manage = text(coordinator.get(f"/events/{event_id}/manage"))
    assert manage.count("待审核") >= 4
    for org in orgs.values():
        pid = participant_id(app, event_id, org.id)
        assert (
            coordinator.post(f"/events/{event_id}/participants/{pid}/decide", data={"approve": "1"}).status_code == 302
        )
    return event_id, coordinator, clients, orgs


def test_an_event_form_with_a_bad_field_says_so_beside_it_and_creates_nothing(login, count):
    coordinator = login(role="coordinator")

    response = coordinator.post("/events/new", data=event_form(first_slot="25:00", table_count="", table_names=""))

    assert response.status_code == 400
    page = text(response)
    assert "时间格式应为 时:分" in page and "请填写洽谈桌数量或桌名" in page
    assert count(Event) == 0


def test_members_cannot_set_up_events_and_drafts_stay_hidden(login, make_org):
    member = login(make_org())
    assert member.get("/events/new").status_code == 403
    coordinator = login(role="coordinator")
    event_id = created_event_id(coordinator.post("/events/new", data=event_form()))
    assert member.get(f"/events/{event_id}").status_code == 404
    assert "2026 贵阳装备制造产教对接会" not in text(member.get("/events"))
    assert "2026 贵阳装备制造产教对接会" in text(coordinator.get("/events"))


def test_two_coordinators_editing_the_same_event_cannot_overwrite_each_other(login, app):
    first, second = login(role="coordinator"), login(role="coordinator")
    event_id = created_event_id(first.post("/events/new", data=event_form()))
    # Both open the edit form at version 1.
    assert 'name="version" value="1"' in text(first.get(f"/events/{event_id}/edit"))
    assert 'name="version" value="1"' in text(second.get(f"/events/{event_id}/edit"))

    assert (
        first.post(f"/events/{event_id}/edit", data=event_form(venue="会议中心 B 馆", version="1")).status_code == 302
    )
    refused = second.post(f"/events/{event_id}/edit", data=event_form(venue="会议中心 C 馆", version="1"))

    assert refused.status_code == 409
    assert "已被其他协调员修改" in text(refused)
    with app.app_context():
        assert db.session.get(Event, event_id).venue == "会议中心 B 馆"
    # Scheduling from the stale page is refused the same way.
    assert second.post(f"/events/{event_id}/schedule", data={"version": "1"}).status_code == 409


def test_the_whole_flow_from_requests_to_agendas_files_and_outcomes(app, opened_event, make_posting):
    event_id, coordinator, clients, orgs = opened_event
    posted = {"sectors": ["advanced_equipment"], "region": "520115"}
    make_posting(
        orgs["e1"],
        direction="need",
        category="talent",
        title="招聘数控车床操作工",
        description="熟悉数控编程，能独立操作数控车床和加工中心。",
        quantity=5,
        **posted,
    )
    make_posting(
        orgs["s1"], title="数控技术专业", description="培养数控编程与加工人才，开设数控车床、加工中心实训。", **posted
    )
    make_posting(orgs["s2"], title="酒店管理专业", description="培养酒店前厅、客房服务与管理人才。", **posted)

    recommended = text(clients["e1"].get(f"/events/{event_id}/recommendations"))
    assert recommended.index("贵州装备职业学院") < recommended.index("贵州轻工职业技术学院")
    assert "为什么推荐" in recommended and "数控技术专业" in recommended
    assert "遵义航天零件有限公司" not in recommended  # the same side is not a counterpart

    s1, s2 = (participant_id(app, event_id, orgs[name].id) for name in ("s1", "s2"))
    e2 = participant_id(app, event_id, orgs["e2"].id)
    bad = clients["e1"].post(f"/events/{event_id}/requests", data={"to_participant": s1, "priority": "9"})
    assert bad.status_code == 400 and "优先级须在 1 到 5 之间" in text(bad)
    for client, target, priority in ((clients["e1"], s1, "5"), (clients["e1"], s2, "2"), (clients["e2"], s1, "4")):
        assert (
            client.post(
                f"/events/{event_id}/requests",
                data={"to_participant": target, "priority": priority, "reason": "洽谈订单班合作"},
            ).status_code
            == 302
        )
    assert (
        clients["s2"].post(f"/events/{event_id}/requests", data={"to_participant": e2, "priority": "3"}).status_code
        == 302
    )

    received = text(clients["s1"].get(f"/events/{event_id}/requests"))
    assert "来自 贵阳精密机械有限公司" in received and "洽谈订单班合作" in received
    with app.app_context():
        requests = {
            (r.from_participant.organization.name, r.to_participant.organization.name): r.id
            for r in db.session.query(MeetingRequest)
        }
    for (_, receiver), request_id in requests.items():
        client = {
            "贵州装备职业学院": clients["s1"],
            "贵州轻工职业技术学院": clients["s2"],
            "遵义航天零件有限公司": clients["e2"],
        }[receiver]
        assert client.post(f"/events/{event_id}/requests/{request_id}/answer", data={"accept": "1"}).status_code == 302
    with app.app_context():
        version = db.session.get(Event, event_id).version

    assert (
        coordinator.post(f"/events/{event_id}/schedule", data={"version": version, "keep_published": "1"}).status_code
        == 302
    )
    manage = text(coordinator.get(f"/events/{event_id}/manage"))
    assert "已证明最优" in manage and "安排 <strong>4</strong> 场" in manage
    assert "尚未发布" in manage
    assert "日程尚未发布" in text(clients["e1"].get(f"/events/{event_id}/agenda"))

    with app.app_context():
        version = db.session.get(Event, event_id).version
    assert coordinator.post(f"/events/{event_id}/publish", data={"version": version}).status_code == 302

    # e1 meets both schools; nobody has two meetings in one slot.
    with app.app_context():
        meetings = db.session.query(Meeting).filter_by(event_id=event_id).all()
        assert len(meetings) == 4 and all(m.published for m in meetings)
        busy = [
            (side, m.slot_id) for m in meetings for side in (m.request.from_participant_id, m.request.to_participant_id)
        ]
        assert len(busy) == len(set(busy))
        tables = [(m.slot_id, m.table_id) for m in meetings]
        assert len(tables) == len(set(tables))
    agenda = text(clients["e1"].get(f"/events/{event_id}/agenda"))
    assert "贵州装备职业学院" in agenda and "贵州轻工职业技术学院" in agenda and "号桌" in agenda

    ics = clients["e1"].get(f"/events/{event_id}/agenda.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    entries = [c for c in icalendar.Calendar.from_ical(ics.data).walk("VEVENT")]
    assert sorted(str(e["summary"]) for e in entries) == ["洽谈：贵州装备职业学院", "洽谈：贵州轻工职业技术学院"]
    starts = sorted(e.decoded("dtstart").astimezone(LOCAL_TZ).strftime("%H:%M") for e in entries)
    assert set(starts) <= {"14:00", "14:30", "15:00"} and len(set(starts)) == 2
    assert all("贵阳国际会议展览中心 A 馆" in str(e["location"]) for e in entries)

    sheet = load_workbook(BytesIO(clients["e1"].get(f"/events/{event_id}/agenda.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][:4] == ["开始", "结束", "洽谈桌", "洽谈对象"]
    assert sorted(row[3] for row in rows[3:]) == ["贵州装备职业学院", "贵州轻工职业技术学院"]

    whole = load_workbook(BytesIO(coordinator.get(f"/events/{event_id}/schedule.xlsx").data))
    assert whole.sheetnames == ["全部洽谈", "场地安排"]
    assert whole["全部洽谈"].max_row == 1 + 4
    plan = text(coordinator.get(f"/events/{event_id}/room-plan"))
    assert plan.count('class="meeting') == 4
    # Members do not see the coordinator's desk.
    assert clients["e1"].get(f"/events/{event_id}/room-plan").status_code == 403

    # The day: s1 checks in, so only meetings without s2 or e-sides checked in are flagged.
    for name in ("e1", "e2", "s1"):
        pid = participant_id(app, event_id, orgs[name].id)
        assert (
            coordinator.post(f"/events/{event_id}/participants/{pid}/check-in", data={"present": "1"}).status_code
            == 302
        )
    assert "有 2 场洽谈的一方尚未签到" in text(coordinator.get(f"/events/{event_id}/manage"))

    # After a meeting: both sides record the outcome; a bad choice is refused beside the field.
    with app.app_context():
        meeting_id = (
            db.session.query(Meeting)
            .join(Meeting.request)
            .filter(MeetingRequest.to_participant_id == s1, MeetingRequest.from_participant_id != e2)
            .one()
            .id
        )
    refused = clients["e1"].post(
        f"/events/{event_id}/meetings/{meeting_id}/outcome", data={"stage": "event", "outcome": "maybe"}
    )
    assert refused.status_code == 400
    assert "须为以下之一：无合作意向、需进一步沟通、达成合作意向、签订合作协议" in text(refused)
    assert (
        clients["e1"]
        .post(
            f"/events/{event_id}/meetings/{meeting_id}/outcome",
            data={"stage": "event", "outcome": "intention", "note": "拟共建订单班"},
        )
        .status_code
        == 302
    )
    assert (
        clients["s1"]
        .post(f"/events/{event_id}/meetings/{meeting_id}/outcome", data={"stage": "event", "outcome": "follow_up"})
        .status_code
        == 302
    )
    assert (
        clients["s2"]
        .post(f"/events/{event_id}/meetings/{meeting_id}/outcome", data={"stage": "event", "outcome": "agreement"})
        .status_code
        == 403
    )
    assert coordinator.post(f"/events/{event_id}/survey").status_code == 302
    assert (
        clients["e1"]
        .post(
            f"/events/{event_id}/meetings/{meeting_id}/outcome",
            data={"stage": "follow_up", "outcome": "agreement", "note": "已签协议"},
        )
        .status_code
        == 302
    )
    outcomes = text(coordinator.get(f"/events/{event_id}/outcomes"))
    assert "达成合作意向" in outcomes and "签订合作协议" in outcomes and "已签协议" in outcomes
    with app.app_context():
        assert db.session.query(MeetingOutcome).count() == 3


def test_a_late_change_keeps_published_meetings_in_place(app, opened_event):
    event_id, coordinator, clients, orgs = opened_event
    s1 = participant_id(app, event_id, orgs["s1"].id)
    s2 = participant_id(app, event_id, orgs["s2"].id)
    clients["e1"].post(f"/events/{event_id}/requests", data={"to_participant": s1, "priority": "5"})
    with app.app_context():
        first = db.session.query(MeetingRequest).one().id
    clients["s1"].post(f"/events/{event_id}/requests/{first}/answer", data={"accept": "1"})

    def version():
        with app.app_context():
            return db.session.get(Event, event_id).version

    coordinator.post(f"/events/{event_id}/schedule", data={"version": version(), "keep_published": "1"})
    coordinator.post(f"/events/{event_id}/publish", data={"version": version()})
    with app.app_context():
        placed = db.session.query(Meeting).one()
        where = (placed.slot_id, placed.table_id)
    # e1 marks every other slot unavailable: the new meeting must fit around the published one.
    with app.app_context():
        slots = [s.id for s in db.session.get(Event, event_id).slots]
    clients["e2"].post(f"/events/{event_id}/requests", data={"to_participant": s2, "priority": "3"})
    clients["e1"].post(f"/events/{event_id}/requests", data={"to_participant": s2, "priority": "4"})
    with app.app_context():
        late = [r.id for r in db.session.query(MeetingRequest).filter(MeetingRequest.id != first)]
    for request_id in late:
        clients["s2"].post(f"/events/{event_id}/requests/{request_id}/answer", data={"accept": "1"})

    assert (
        coordinator.post(f"/events/{event_id}/schedule", data={"version": version(), "keep_published": "1"}).status_code
        == 302
    )
    with app.app_context():
        meetings = db.session.query(Meeting).all()
        assert len(meetings) == 3
        kept = next(m for m in meetings if m.request_id == first)
        assert (kept.slot_id, kept.table_id) == where and kept.published

    # s1 now says it cannot meet in the published meeting's slot: keeping it is refused, with the names.
    clients["s1"].post(f"/events/{event_id}/unavailable", data={"slots": [str(where[0])]})
    refused = coordinator.post(f"/events/{event_id}/schedule", data={"version": version(), "keep_published": "1"})
    assert refused.status_code == 400
    assert "贵阳精密机械有限公司 – 贵州装备职业学院" in text(refused)
    assert coordinator.post(f"/events/{event_id}/schedule", data={"version": version()}).status_code == 302
    with app.app_context():
        moved = db.session.query(Meeting).filter_by(request_id=first).one()
        assert moved.slot_id != where[0] and moved.slot_id in slots


def test_event_reminders_command_reminds_then_expires(app, cli, opened_event):
    event_id, _, clients, orgs = opened_event
    s1 = participant_id(app, event_id, orgs["s1"].id)
    clients["e1"].post(f"/events/{event_id}/requests", data={"to_participant": s1, "priority": "3"})
    with app.app_context():
        request = db.session.query(MeetingRequest).one()
        request.created_at -= timedelta(days=2)
        db.session.commit()

    reminded = cli("event-reminders")
    assert reminded.exit_code == 0 and "1 reminder(s), 0 request(s) expired" in reminded.output
    assert "0 reminder(s)" in cli("event-reminders").output  # not twice a day
    with app.app_context():
        db.session.get(Event, event_id).request_deadline = datetime.now(LOCAL_TZ) - timedelta(minutes=1)
        db.session.commit()
    assert "1 request(s) expired" in cli("event-reminders").output
    assert "已过期" in text(clients["e1"].get(f"/events/{event_id}/requests"))


def test_a_change_racing_another_coordinators_commit_is_refused_not_lost(app, login, monkeypatch):
    """Both pass the version check at the same moment: the database's version column refuses the later write."""
    from matchmaker.events import operations

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("on SQLite a write request holds the write lock from its start: no commit can come between")

    coordinator = login(role="coordinator")
    event_id = created_event_id(coordinator.post("/events/new", data=event_form()))
    check = operations.check_version

    def other_coordinator_commits_meanwhile(event, seen):
        check(event, seen)
        with db.engine.begin() as connection:  # another request's transaction, committed in between
            connection.execute(
                db.text("UPDATE events SET venue = '会议中心 B 馆', version = version + 1 WHERE id = :id"),
                {"id": event_id},
            )

    monkeypatch.setattr(operations, "check_version", other_coordinator_commits_meanwhile)
    refused = coordinator.post(f"/events/{event_id}/edit", data=event_form(venue="会议中心 C 馆", version="1"))

    assert refused.status_code == 409 and "刚被其他人修改" in text(refused)
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.venue, event.version) == ("会议中心 B 馆", 2)
