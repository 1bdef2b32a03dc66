"""What the demo organizations do on the platform, played through the product's own operations.

`make demo` loads the organizations and postings first (`matchmaker.demo`); this module then
adds what a visitor should see happen with them: accounts for each role, a matchmaking event
held a month ago (registrations, requests, the solver's schedule, check-in and outcomes), and
an upcoming event open for registration. Everything goes through the services users go
through; only the finished event is moved into the past afterwards, since its steps must
happen before their deadlines.

Idempotent: a second run finds the events by title and leaves them; the demo accounts get
new passwords, which are printed (demo instances only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from matchmaker import accounts
from matchmaker.events import operations as events
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    EventParticipant,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Organization,
    User,
    local_today,
    utcnow,
)
from matchmaker.models.base import LOCAL_TZ
from matchmaker.schemas.events import EventInSchema

PAST_EVENT = "贵阳先进装备制造与大数据产教对接会"
UPCOMING_EVENT = "毕节茶叶与辣椒产业校企对接会"
PAST_EVENT_SECTORS = ("advanced_equipment", "big_data_electronics")
UPCOMING_EVENT_SECTORS = ("tea", "chili")
PARTICIPANTS_PER_SIDE = 6
REQUESTS_PER_ENTERPRISE = 2
HELD_DAYS_AGO = 30
SCHOOL_ORDER = ("高职院校", "职业本科院校", "中职学校", "技工院校", "普通高校")
# What the two sides say came of their meetings, in turn: most talk leads to follow-ups, a few to agreements.
OUTCOME_CYCLE = ("agreement", "intention", "follow_up", "agreement", "no_interest", "intention", "follow_up")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    label: str  # what the visitor is told this account is for


ACCOUNTS = (
    DemoAccount("coordinator", "coordinator@demo.example.cn", "演示协调员", "协调员"),
    DemoAccount("member", "enterprise@demo.example.cn", "演示企业用户", "企业成员"),
    DemoAccount("member", "school@demo.example.cn", "演示院校用户", "院校成员"),
)


@dataclass
class StandIn:
    """Acts for a demo organization's member in the operations (the demo has no person behind it)."""

    organization_id: int
    id: None = None
    is_coordinator: bool = False


@dataclass
class ActivityReport:
    accounts: list[tuple[DemoAccount, str, str]] = field(default_factory=list)  # account, password, organization
    events_created: list[str] = field(default_factory=list)
    meetings: int = 0


def load_activity(index: Any, *, with_accounts: bool = True) -> ActivityReport:
    """Add the demo's accounts and events (the organizations and postings must be loaded).

    Accounts with printed passwords are for demo instances only: a production instance gets none.
    """
    report = ActivityReport()
    enterprises = participants_of("enterprise", PAST_EVENT_SECTORS)
    schools = participants_of("school", PAST_EVENT_SECTORS)
    if db.session.scalar(select(Event.id).where(Event.title == PAST_EVENT)) is None:
        report.meetings = play_past_event(enterprises, schools, index)
        report.events_created.append(PAST_EVENT)
    if db.session.scalar(select(Event.id).where(Event.title == UPCOMING_EVENT)) is None:
        open_upcoming_event()
        report.events_created.append(UPCOMING_EVENT)
    if not with_accounts:
        return report
    homes = {"coordinator": None, "enterprise": enterprises[0], "school": schools[0]}
    for account in ACCOUNTS:
        org = homes[account.email.split("@")[0]]
        report.accounts.append((account, reset_account(account, org), org.name if org else ""))
    return report


def participants_of(kind: str, sectors: tuple[str, ...]) -> list[Organization]:
    """The first demo organizations of a kind working in the sectors, in ref order (stable between runs);
    vocational colleges before universities, since apprenticeships and 订单班 are what events are for."""
    orgs = db.session.scalars(
        select(Organization).where(Organization.is_demo.is_(True), Organization.kind == kind).order_by(Organization.ref)
    ).all()
    chosen = [org for org in orgs if org.open and set(org.sectors) & set(sectors)]
    chosen.sort(key=lambda org: SCHOOL_ORDER.index(org.subtype) if org.subtype in SCHOOL_ORDER else len(SCHOOL_ORDER))
    return chosen[:PARTICIPANTS_PER_SIDE]


def reset_account(account: DemoAccount, org: Organization | None) -> str:
    """Create the account, or give it a new password; returns the password."""
    password = secrets.token_urlsafe(9)
    user = db.session.scalar(select(User).where(User.email == account.email))
    if user is None:
        accounts.create_user(account.email, password, role=account.role, organization=org, name=account.name)
    else:
        user.password_hash = generate_password_hash(password)
        user.active = True
    return password


def event_data(title: str, description: str, held_on: date, sectors: tuple[str, ...], region: str, **extra: Any):
    now = utcnow().replace(microsecond=0)
    return EventInSchema().load(
        {
            "title": title,
            "description": description,
            "held_on": held_on.isoformat(),
            "venue": extra.pop("venue"),
            "region": region,
            "sectors": list(sectors),
            "registration_deadline": extra.pop("registration_deadline", now + timedelta(hours=1)).isoformat(),
            "request_deadline": extra.pop("request_deadline", now + timedelta(hours=2)).isoformat(),
            "requires_approval": False,
            "first_slot": "14:00",
            "slot_minutes": 20,
            "slot_count": 6,
            "table_count": 4,
            "table_names": None,
            **extra,
        }
    )


def play_past_event(enterprises: list[Organization], schools: list[Organization], index: Any) -> int:
    """Hold the past event from registration to outcomes, then date it a month ago. Returns its meetings."""
    coordinator = accounts.OPERATOR
    event = events.create_event(
        event_data(
            PAST_EVENT,
            "面向先进装备制造和大数据电子信息产业，企业与院校围绕订单班、现代学徒制、实训基地和技术服务进行一对一洽谈。",
            local_today() + timedelta(days=1),
            PAST_EVENT_SECTORS,
            "520100",
            venue="贵阳国际生态会议中心 3 号厅",
        ),
        coordinator,
    )
    events.set_event_status(event, "open", coordinator, None)
    participant = {org.id: events.register(event, StandIn(org.id)) for org in enterprises + schools}
    for org in enterprises:
        side = participant[org.id]
        counterparts = [c for c in events.recommended_counterparts(side, index) if c.score > 0]
        for priority, counterpart in zip((5, 4), counterparts[:REQUESTS_PER_ENTERPRISE], strict=False):
            request = events.request_meeting(
                event,
                side,
                counterpart.participant,
                StandIn(org.id),
                priority=priority,
                reason=counterpart.reason[:200],
                index=index,
            )
            events.answer_request(request, True, StandIn(counterpart.participant.organization_id))
    events.build_schedule(event, coordinator, None, time_limit=5.0)
    meetings = events.publish_schedule(event, coordinator, None)
    for side in participant.values():
        events.check_in(side, coordinator)
    for n, meeting in enumerate(events.meetings_of(event)):
        outcome = OUTCOME_CYCLE[n % len(OUTCOME_CYCLE)]
        for side in (meeting.request.from_participant, meeting.request.to_participant):
            events.record_outcome(meeting, StandIn(side.organization_id), outcome, outcome_note(outcome))
    events.set_event_status(event, "closed", coordinator, None)
    move_event(event, local_today() - timedelta(days=HELD_DAYS_AGO))
    return meetings


def outcome_note(outcome: str) -> str:
    return {
        "agreement": "双方已签订合作协议，下一步共同制定人才培养方案。",
        "intention": "双方有合作意向，约定一个月内到校（企）实地考察。",
        "follow_up": "需进一步沟通岗位数量和实习时间。",
        "no_interest": "",
    }[outcome]


def move_event(event: Event, held_on: date) -> None:
    """Shift every time of a held event by the same amount so that it took place on `held_on`."""
    shift = timedelta(days=(held_on - event.held_on).days)
    event.held_on = held_on
    event.registration_deadline += shift
    event.request_deadline += shift
    if event.schedule_published_at:
        event.schedule_published_at += shift
    for slot in event.slots:
        slot.starts_at, slot.ends_at = slot.starts_at + shift, slot.ends_at + shift
    for participant in db.session.scalars(select(EventParticipant).where(EventParticipant.event_id == event.id)):
        participant.registered_at += shift
        if participant.checked_in_at:
            participant.checked_in_at += shift
    for request in db.session.scalars(select(MeetingRequest).where(MeetingRequest.event_id == event.id)):
        request.created_at += shift
        if request.answered_at:
            request.answered_at += shift
    meeting_ids = select(Meeting.id).where(Meeting.event_id == event.id)
    for outcome in db.session.scalars(select(MeetingOutcome).where(MeetingOutcome.meeting_id.in_(meeting_ids))):
        outcome.recorded_at += shift
    db.session.flush()


def open_upcoming_event() -> Event:
    """An event three weeks ahead, open for registration, with a few organizations registered already."""
    today = local_today()
    moment = datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_TZ)
    event = events.create_event(
        event_data(
            UPCOMING_EVENT,
            "聚焦茶叶、辣椒等农业特色优势产业，邀请涉农院校与龙头企业洽谈订单培养、技术服务和实训基地共建。",
            today + timedelta(days=21),
            UPCOMING_EVENT_SECTORS,
            "520500",
            venue="毕节市会展中心",
            registration_deadline=moment + timedelta(days=14, hours=18),
            request_deadline=moment + timedelta(days=18, hours=18),
        ),
        accounts.OPERATOR,
    )
    events.set_event_status(event, "open", accounts.OPERATOR, None)
    for kind in ("enterprise", "school"):
        for org in participants_of(kind, UPCOMING_EVENT_SECTORS)[:2]:
            events.register(event, StandIn(org.id))
    return event
