"""Matchmaking events: set up, registration, recommendations, meeting requests, the schedule,
check-in and outcomes.

Operations take the acting user, check the rules, change the session and flush; the caller
commits. Coordinator edits carry the version of the event they started from: if another
coordinator changed the event meanwhile, the operation refuses with a clear message instead
of overwriting (`check_version`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, or_, select

from matchmaker import matching, notifications
from matchmaker.errors import Conflict, InvalidInput, Message, NotFound, PermissionDenied
from matchmaker.events import scheduler
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    EventParticipant,
    EventSlot,
    EventTable,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Organization,
    Posting,
    User,
    utcnow,
)
from matchmaker.models.base import local_time
from matchmaker.models.events import OUTCOME_STAGES, OUTCOMES
from matchmaker.organizations import members_of
from matchmaker.schemas.events import OutcomeInSchema
from matchmaker.transitions import EVENT_STATUS

STALE = Message(
    "该活动已被其他协调员修改（版本 {current}，您看到的是版本 {seen}），请刷新后重试。",
    "Another coordinator changed this event (version {current}; you saw {seen}): reload and retry.",
)
REGISTRATION_CLOSED = Message("报名已截止。", "Registration is closed.")
REQUESTS_CLOSED = Message("约谈申请已截止。", "The deadline for meeting requests has passed.")
MAX_TABLES = 500
# A pair the engine does not match still gets a weight: they asked for the meeting.
MIN_MATCH_SCORE = 0.1
MAX_SLOTS = 48


# --- events ----------------------------------------------------------------------------------


def require_coordinator(actor: Any) -> None:
    if actor is None or not actor.is_coordinator:
        raise PermissionDenied(Message("只有协调员可以管理对接活动。", "Only coordinators manage events."))


def check_version(event: Event, seen: int | None) -> None:
    """Refuse a change made from an outdated view of the event."""
    if seen is not None and seen != event.version:
        raise Conflict(STALE.format(current=event.version, seen=seen))


def pair_names(request: MeetingRequest) -> str:
    return f"{request.from_participant.organization.name} – {request.to_participant.organization.name}"


def create_event(data: dict[str, Any], actor: Any) -> Event:
    """A new event in draft, with its slots and tables (validated data from EventInSchema)."""
    require_coordinator(actor)
    event = Event(created_by_id=getattr(actor, "id", None), status="draft")
    _assign_event(event, data)
    _set_slots_and_tables(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, data: dict[str, Any], actor: Any, seen_version: int | None) -> Event:
    """Change an event's details. Slots and tables change only before the schedule is published;
    changing them drops the draft schedule and the participants' unavailable slots."""
    require_coordinator(actor)
    check_version(event, seen_version)
    _assign_event(event, data)
    slots_change = "slots" in data and data["slots"] != [(s.starts_at, s.ends_at) for s in event.slots]
    tables_change = "tables" in data and data["tables"] != [t.name for t in event.tables]
    if slots_change or tables_change:
        if event.status == "published":
            field = "slot_count" if slots_change else "table_count"
            raise InvalidInput(
                {
                    field: [
                        Message(
                            "日程已发布，不能再修改时段和洽谈桌。",
                            "The schedule is published: slots and tables can no longer change.",
                        )
                    ]
                }
            )
        db.session.execute(db.delete(Meeting).where(Meeting.event_id == event.id))
        event.updated_at = utcnow()  # slots and tables are other rows: touch the event so its version moves
        if slots_change:
            for participant in event.participants:
                participant.unavailable_slot_ids = []
        _set_slots_and_tables(
            event, {key: data[key] for key, changed in (("slots", slots_change), ("tables", tables_change)) if changed}
        )
    db.session.flush()
    return event


def set_event_status(event: Event, status: str, actor: Any, seen_version: int | None) -> Event:
    """Open registration, or close the event."""
    require_coordinator(actor)
    check_version(event, seen_version)
    if status == "published":  # only publishing the schedule publishes the event
        raise InvalidInput(
            {"status": [Message("请通过「发布日程」发布。", "Publish the schedule to publish the event.")]}
        )
    EVENT_STATUS.require(event.status, status)
    event.status = status
    db.session.flush()
    return event


def _assign_event(event: Event, data: dict[str, Any]) -> None:
    for name in (
        "title",
        "description",
        "held_on",
        "venue",
        "sectors",
        "registration_deadline",
        "request_deadline",
        "requires_approval",
        "min_meetings",
        "max_meetings",
    ):
        if name in data:
            setattr(event, name, data[name])
    if "region" in data:
        event.region_code = data["region"]
    if event.request_deadline and event.registration_deadline and event.request_deadline < event.registration_deadline:
        raise InvalidInput(
            {
                "request_deadline": [
                    Message("约谈申请截止不能早于报名截止。", "Must not be before the registration deadline.")
                ]
            }
        )
    if event.max_meetings is not None and event.min_meetings > event.max_meetings:
        raise InvalidInput({"max_meetings": [Message("不能小于每家最少洽谈数。", "Must not be below min_meetings.")]})


def _set_slots_and_tables(event: Event, data: dict[str, Any]) -> None:
    if "slots" in data:
        times = data["slots"]
        if not times:
            raise InvalidInput({"slots": [Message("至少需要一个时段。", "At least one slot is needed.")]})
        if len(times) > MAX_SLOTS:
            raise InvalidInput({"slots": [Message("时段不能超过 {n} 个。", "At most {n} slots.").format(n=MAX_SLOTS)]})
        event.slots = [EventSlot(starts_at=start, ends_at=end) for start, end in times]
    if "tables" in data:
        names = data["tables"]
        if not names or len(names) > MAX_TABLES:
            raise InvalidInput(
                {"tables": [Message("洽谈桌数须在 1 到 {n} 之间。", "Between 1 and {n} tables.").format(n=MAX_TABLES)]}
            )
        event.tables = [EventTable(name=name, position=i) for i, name in enumerate(names)]


def find_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(Message("对接活动不存在。", "No such event."))
    return event


def visible_events(viewer: Any) -> list[Event]:
    """Coordinators see every event; others the open, published and closed ones."""
    stmt = select(Event).order_by(Event.held_on.desc(), Event.id.desc())
    if viewer is None or not viewer.is_coordinator:
        stmt = stmt.where(Event.status != "draft")
    return list(db.session.scalars(stmt))


# --- registration ----------------------------------------------------------------------------


def register(event: Event, actor: User) -> EventParticipant:
    """Register the actor's organization; approved at once unless the event wants approval."""
    if actor.organization_id is None:
        raise PermissionDenied(Message("只有机构成员可以报名。", "Only members of an organization register."))
    if event.status != "open" or utcnow() > event.registration_deadline:
        raise InvalidInput({"event": [REGISTRATION_CLOSED]})
    existing = participant_of(event, actor.organization_id)
    if existing is not None:
        return existing
    participant = EventParticipant(
        event=event,
        organization_id=actor.organization_id,
        registered_by_id=actor.id,
        status="pending" if event.requires_approval else "approved",
    )
    db.session.add(participant)
    db.session.flush()
    return participant


def decide_registration(participant: EventParticipant, approve: bool, actor: Any) -> EventParticipant:
    require_coordinator(actor)
    participant.status = "approved" if approve else "declined"
    db.session.flush()
    event = participant.event
    notifications.notify(
        members_of(participant.organization),
        "event",
        f"{event.title}：报名{'已通过审核' if approve else '未获通过'}",
        "现在可以查看推荐的洽谈对象并发出约谈申请。" if approve else "",
        f"/events/{event.id}",
    )
    return participant


def participant_of(event: Event, organization_id: int | None) -> EventParticipant | None:
    if organization_id is None:
        return None
    return db.session.scalar(
        select(EventParticipant).where(
            EventParticipant.event_id == event.id, EventParticipant.organization_id == organization_id
        )
    )


def set_unavailable(participant: EventParticipant, slot_ids: list[int], actor: Any) -> EventParticipant:
    """The slots in which the participant cannot meet anyone."""
    _require_member(participant, actor)
    known = {slot.id for slot in participant.event.slots}
    unknown = [slot_id for slot_id in slot_ids if slot_id not in known]
    if unknown:
        raise InvalidInput(
            {
                "unavailable": [
                    Message("未知的时段：{ids}", "Unknown slots: {ids}").format(ids=", ".join(map(str, unknown)))
                ]
            }
        )
    participant.unavailable_slot_ids = sorted(set(slot_ids))
    db.session.flush()
    return participant


def _require_member(participant: EventParticipant, actor: Any) -> None:
    if actor is None or not (actor.is_coordinator or actor.organization_id == participant.organization_id):
        raise PermissionDenied(
            Message("只有该参会机构的成员可以操作。", "Only members of this participant may do this.")
        )


# --- recommendations and meeting requests ------------------------------------------------------


@dataclass
class Counterpart:
    participant: EventParticipant
    score: float
    reason: str  # the best match's explanation summary
    posting: Posting | None  # the counterpart's posting that matched best
    own_posting: Posting | None  # ours it matched


def recommended_counterparts(
    participant: EventParticipant, index: Any, *, per_posting: int = 30, only: EventParticipant | None = None
) -> list[Counterpart]:
    """The event's approved counterparts of the other side, best match first, with the reason.

    Each of our open postings is matched among the other participants' postings; a counterpart
    scores its best match. Counterparts without a matching posting follow, unranked. `only`
    limits the matching to one counterpart.
    """
    event, org = participant.event, participant.organization
    others = [
        p
        for p in event.participants
        if p.status == "approved"
        and p.id != participant.id
        and p.organization.kind != org.kind
        and (only is None or p.id == only.id)
    ]
    by_org = {p.organization_id: p for p in others}
    best: dict[int, Counterpart] = {}
    own = db.session.scalars(
        select(Posting).where(Posting.organization_id == org.id, Posting.status == "published")
    ).all()
    for posting in own:
        if posting.expired or not by_org:
            continue
        found = matching.match_posting(posting, index, limit=per_posting, among=tuple(by_org))
        for result in found.results:
            counterpart = by_org.get(result.posting.organization_id)
            if counterpart is None:
                continue
            current = best.get(counterpart.id)
            if current is None or result.score > current.score:
                best[counterpart.id] = Counterpart(
                    counterpart, result.score, result.explanation["summary_zh"], result.posting, posting
                )
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.participant.id))
    rest = [Counterpart(p, 0.0, "", None, None) for p in others if p.id not in best]
    return ranked + sorted(rest, key=lambda c: c.participant.organization.name)


def pair_score(participant: EventParticipant, counterpart: EventParticipant, index: Any) -> float:
    """How well a counterpart matches a participant (its best posting match; 0 when none)."""
    return next((c.score for c in recommended_counterparts(participant, index, only=counterpart)), 0.0)


def request_meeting(
    event: Event,
    from_participant: EventParticipant,
    to_participant: EventParticipant,
    actor: Any,
    *,
    priority: int,
    reason: str = "",
    index: Any = None,
) -> MeetingRequest:
    """Ask a counterpart for a 1:1 meeting at the event; its members answer.

    The request keeps the pair's match score at this moment (with `index`), so the schedule
    weighs it as priority × match score.
    """
    _require_member(from_participant, actor)
    problems: dict[str, list[Message]] = {}
    if utcnow() > event.request_deadline or event.status not in ("open", "published"):
        problems["event"] = [REQUESTS_CLOSED]
    if from_participant.status != "approved" or to_participant.status != "approved":
        problems["to_participant"] = [Message("双方都须已通过报名审核。", "Both sides must be approved participants.")]
    if (
        from_participant.id == to_participant.id
        or to_participant.event_id != event.id
        or from_participant.event_id != event.id
    ):
        problems["to_participant"] = [Message("不能向该机构申请约谈。", "You cannot ask this participant.")]
    if not 1 <= priority <= 5:
        problems["priority"] = [Message("优先级须在 1 到 5 之间。", "Priority must be between 1 and 5.")]
    if len(reason.strip()) > 200:
        problems["reason"] = [Message("理由不能超过 200 个字符。", "At most 200 characters.")]
    if problems:
        raise InvalidInput(problems)
    existing = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            or_(
                (MeetingRequest.from_participant_id == from_participant.id)
                & (MeetingRequest.to_participant_id == to_participant.id),
                (MeetingRequest.from_participant_id == to_participant.id)
                & (MeetingRequest.to_participant_id == from_participant.id),
            ),
            MeetingRequest.status.in_(("pending", "accepted")),
        )
    )
    if existing is not None:
        raise InvalidInput(
            {
                "to_participant": [
                    Message("与该机构已有约谈申请。", "There is already a request between you and this participant.")
                ]
            }
        )
    score = pair_score(from_participant, to_participant, index) if index is not None else 0.0
    # One row per (event, from, to): asking again after a decline or expiry reopens the earlier request.
    request = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            MeetingRequest.from_participant_id == from_participant.id,
            MeetingRequest.to_participant_id == to_participant.id,
        )
    )
    if request is None:
        request = MeetingRequest(event_id=event.id, from_participant=from_participant, to_participant=to_participant)
        db.session.add(request)
    request.priority, request.reason, request.match_score = priority, reason.strip(), max(score, MIN_MATCH_SCORE)
    request.status, request.created_by_id, request.created_at = "pending", getattr(actor, "id", None), utcnow()
    request.answered_at = request.reminded_at = None
    db.session.flush()
    notifications.notify(
        members_of(to_participant.organization),
        "contact_request",
        f"{event.title}：{from_participant.organization.name} 申请与贵单位洽谈",
        request.reason,
        f"/events/{event.id}/requests",
    )
    return request


def answer_request(request: MeetingRequest, accept: bool, actor: Any) -> MeetingRequest:
    _require_member(request.to_participant, actor)
    if request.status != "pending":
        raise InvalidInput({"status": [Message("该申请已处理。", "This request was already answered.")]})
    if utcnow() > db.session.get(Event, request.event_id).request_deadline:
        raise InvalidInput({"status": [REQUESTS_CLOSED]})
    request.status = "accepted" if accept else "declined"
    request.answered_at = utcnow()
    db.session.flush()
    verb = "已接受" if accept else "已婉拒"
    notifications.notify(
        members_of(request.from_participant.organization),
        "contact_answer",
        f"{request.to_participant.organization.name} {verb}您的洽谈申请",
        "",
        f"/events/{request.event_id}/requests",
    )
    return request


def expire_and_remind(event: Event, *, remind_after: timedelta = timedelta(days=1)) -> tuple[int, int]:
    """Expire pending requests after the request deadline; before it, remind receivers once a day.

    Returns (expired, reminded). Run it from `matchmaker event-reminders` (e.g. hourly cron).
    """
    now = utcnow()
    expired = reminded = 0
    pending = db.session.scalars(
        select(MeetingRequest).where(MeetingRequest.event_id == event.id, MeetingRequest.status == "pending")
    ).all()
    for request in pending:
        if now > event.request_deadline:
            request.status, request.answered_at = "expired", now
            expired += 1
        elif now - (request.reminded_at or request.created_at) >= remind_after:
            notifications.notify(
                members_of(request.to_participant.organization),
                "contact_request",
                f"提醒：{request.from_participant.organization.name} 的洽谈申请待您答复",
                f"请在 {local_time(event.request_deadline, '%m-%d %H:%M')} 前答复。",
                f"/events/{event.id}/requests",
            )
            request.reminded_at = now
            reminded += 1
    db.session.flush()
    return expired, reminded


def remind_all() -> tuple[int, int]:
    """`expire_and_remind` over every event still taking or scheduling requests: (expired, reminded)."""
    totals = [0, 0]
    for event in db.session.scalars(select(Event).where(Event.status.in_(("open", "published")))):
        for i, count in enumerate(expire_and_remind(event)):
            totals[i] += count
    return totals[0], totals[1]


def requests_of(participant: EventParticipant) -> tuple[list[MeetingRequest], list[MeetingRequest]]:
    """(sent, received) requests of a participant, newest first."""
    stmt = select(MeetingRequest).order_by(MeetingRequest.id.desc())
    sent = db.session.scalars(stmt.where(MeetingRequest.from_participant_id == participant.id)).all()
    received = db.session.scalars(stmt.where(MeetingRequest.to_participant_id == participant.id)).all()
    return list(sent), list(received)


# --- the schedule ----------------------------------------------------------------------------


def build_schedule(
    event: Event,
    actor: Any,
    seen_version: int | None,
    *,
    time_limit: float = 10.0,
    fair: bool = False,
    keep_published: bool = True,
) -> scheduler.Schedule:
    """Schedule the accepted requests into (slot, table) pairs with the solver (a draft to review).

    Published meetings stay where they are unless `keep_published` is False. The draft replaces
    earlier unpublished meetings; the solver's report is kept on the event.
    """
    require_coordinator(actor)
    check_version(event, seen_version)
    accepted = [
        r
        for r in db.session.scalars(
            select(MeetingRequest).where(MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
        )
        if r.from_participant.status == r.to_participant.status == "approved"
    ]
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)).all()
    accepted_ids = {r.id for r in accepted}
    kept = [m for m in meetings if m.published and keep_published and m.request_id in accepted_ids]
    clashes = [
        m
        for m in kept
        if m.slot_id in m.request.from_participant.unavailable_slot_ids
        or m.slot_id in m.request.to_participant.unavailable_slot_ids
    ]
    if clashes:
        names = "；".join(f"{pair_names(m.request)}（{local_time(m.slot.starts_at, '%m-%d %H:%M')}）" for m in clashes)
        raise InvalidInput(
            {
                "keep_published": [
                    Message(
                        "已发布的洽谈与参会方后来标记的不可用时段冲突：{names}。请选择重新安排已发布的洽谈。",
                        "Published meetings clash with slots marked unavailable since: {names}. Choose to re-arrange "
                        "published meetings.",
                    ).format(names=names)
                ]
            }
        )
    for meeting in meetings:
        if meeting not in kept:
            db.session.delete(meeting)
    db.session.flush()
    schedule = scheduler.schedule(_instance(event, accepted, kept), time_limit=time_limit, fair=fair)
    slots = {slot.id: slot for slot in event.slots}
    tables = {table.name: table for table in event.tables}
    kept_requests = {m.request_id for m in kept}
    for placed in schedule.meetings:
        if placed.request not in kept_requests:
            db.session.add(
                Meeting(
                    event_id=event.id,
                    request_id=placed.request,
                    slot_id=slots[placed.slot].id,
                    table_id=tables[placed.table].id,
                )
            )
    event.schedule_report = {
        **schedule.to_dict(),
        "meetings": len(schedule.meetings),
        "requests": len(accepted),
        "fair": fair,
        "kept": len(kept),
        "at": utcnow().isoformat(),
    }
    db.session.flush()
    return schedule


def _instance(event: Event, accepted: list[MeetingRequest], kept: list[Meeting]) -> scheduler.EventInstance:
    """The event as the solver sees it: ids are the database ids, tables their names."""
    slot_ids = {slot.id for slot in event.slots}
    participants: dict[int, EventParticipant] = {}
    for request in accepted:
        participants[request.from_participant_id] = request.from_participant
        participants[request.to_participant_id] = request.to_participant
    return scheduler.EventInstance(
        slots=[scheduler.Slot(slot.id, slot.starts_at.isoformat(), slot.ends_at.isoformat()) for slot in event.slots],
        tables=[table.name for table in event.tables],
        participants=[
            scheduler.Participant(p.id, tuple(s for s in p.unavailable_slot_ids if s in slot_ids), event.max_meetings)
            for p in participants.values()
        ],
        requests=[
            scheduler.MeetingRequest(r.id, r.from_participant_id, r.to_participant_id, request_weight(r))
            for r in accepted
        ],
        fixed=[scheduler.Meeting(m.request_id, m.slot_id, m.table.name) for m in kept],
    )


def request_weight(request: MeetingRequest) -> float:
    """What meeting this pair is worth: the requester's priority times how well they match."""
    return round(request.priority * request.match_score, 3)


def publish_schedule(event: Event, actor: Any, seen_version: int | None) -> int:
    """Publish the draft schedule: everyone sees their agenda. Returns the number of meetings."""
    require_coordinator(actor)
    check_version(event, seen_version)
    EVENT_STATUS.require(event.status, "published")
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)).all()
    for meeting in meetings:
        meeting.published = True
    event.status = "published"
    event.schedule_published_at = utcnow()
    told: set[int] = set()
    for meeting in meetings:
        for side in (meeting.request.from_participant, meeting.request.to_participant):
            if side.id not in told:
                told.add(side.id)
                notifications.notify(
                    members_of(side.organization),
                    "event",
                    f"{event.title}：洽谈日程已发布",
                    "请查看贵单位的洽谈安排。",
                    f"/events/{event.id}/agenda",
                )
    db.session.flush()
    return len(meetings)


def agenda(participant: EventParticipant, *, published_only: bool = True) -> list[Meeting]:
    """A participant's meetings in time order."""
    stmt = (
        select(Meeting)
        .join(Meeting.request)
        .join(Meeting.slot)
        .where(
            or_(
                MeetingRequest.from_participant_id == participant.id, MeetingRequest.to_participant_id == participant.id
            )
        )
        .order_by(EventSlot.starts_at)
    )
    if published_only:
        stmt = stmt.where(Meeting.published.is_(True))
    return list(db.session.scalars(stmt))


def room_plan(event: Event) -> dict[tuple[int, int], Meeting]:
    """(slot id, table id) → meeting, for the coordinator's grid."""
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)).all()
    return {(m.slot_id, m.table_id): m for m in meetings}


def other_side(meeting: Meeting, participant: EventParticipant) -> EventParticipant:
    request = meeting.request
    return request.to_participant if request.from_participant_id == participant.id else request.from_participant


# --- the day and after -------------------------------------------------------------------------


def check_in(participant: EventParticipant, actor: Any, present: bool = True) -> EventParticipant:
    require_coordinator(actor)
    participant.checked_in_at = utcnow() if present else None
    db.session.flush()
    return participant


def absent_meetings(event: Event) -> list[Meeting]:
    """Published meetings with a side not checked in (flagged for the coordinator on the day)."""
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.event_id == event.id, Meeting.published.is_(True))
    ).all()
    return [
        m
        for m in meetings
        if m.request.from_participant.checked_in_at is None or m.request.to_participant.checked_in_at is None
    ]


def record_outcome(meeting: Meeting, actor: Any, outcome: str, note: str = "", stage: str = "event") -> MeetingOutcome:
    """One side's account of a meeting (recording again replaces it)."""
    request = meeting.request
    sides = {request.from_participant.organization_id, request.to_participant.organization_id}
    if actor is None or actor.organization_id not in sides:
        raise PermissionDenied(Message("只有洽谈双方可以记录结果。", "Only the two sides record an outcome."))
    try:
        data = OutcomeInSchema().load({"outcome": outcome, "note": note, "stage": stage})
    except ValidationError as exc:
        raise InvalidInput(exc.messages) from None
    outcome, note, stage = data["outcome"], data["note"], data["stage"]
    row = db.session.scalar(
        select(MeetingOutcome).where(
            MeetingOutcome.meeting_id == meeting.id,
            MeetingOutcome.organization_id == actor.organization_id,
            MeetingOutcome.stage == stage,
        )
    )
    if row is None:
        row = MeetingOutcome(meeting_id=meeting.id, organization_id=actor.organization_id, stage=stage)
        db.session.add(row)
    row.outcome, row.note, row.recorded_by_id, row.recorded_at = outcome, note, actor.id, utcnow()
    db.session.flush()
    return row


def outcomes_by_pair(event: Event) -> dict[tuple[int, int], list[MeetingOutcome]]:
    """(organization id, organization id) in ascending order → all outcomes recorded for their meeting."""
    pairs: dict[tuple[int, int], list[MeetingOutcome]] = defaultdict(list)
    rows = db.session.execute(
        select(MeetingOutcome, Meeting)
        .join(Meeting, Meeting.id == MeetingOutcome.meeting_id)
        .where(Meeting.event_id == event.id)
    ).all()
    for outcome, meeting in rows:
        a = meeting.request.from_participant.organization_id
        b = meeting.request.to_participant.organization_id
        pairs[(min(a, b), max(a, b))].append(outcome)
    return dict(pairs)


def send_follow_up_survey(event: Event, actor: Any) -> int:
    """Ask every side of the event's meetings again, months later, what came of it. Returns users asked."""
    require_coordinator(actor)
    orgs: dict[int, Organization] = {}
    for meeting in db.session.scalars(select(Meeting).where(Meeting.event_id == event.id, Meeting.published.is_(True))):
        for side in (meeting.request.from_participant, meeting.request.to_participant):
            orgs[side.organization_id] = side.organization
    asked = 0
    for org in orgs.values():
        asked += len(
            notifications.notify(
                members_of(org),
                "event",
                f"{event.title}：对接成效回访",
                "请告诉我们洽谈之后的合作进展。",
                f"/events/{event.id}/outcomes",
            )
        )
    db.session.flush()
    return asked


# --- read queries for the pages ------------------------------------------------------------------


def registrations_of(organization_id: int) -> dict[int, EventParticipant]:
    """event id → the organization's registration for that event."""
    rows = db.session.scalars(select(EventParticipant).where(EventParticipant.organization_id == organization_id))
    return {p.event_id: p for p in rows}


def meetings_of(event: Event) -> list[Meeting]:
    """Every meeting of the event's schedule, drafts included."""
    return list(db.session.scalars(select(Meeting).where(Meeting.event_id == event.id).order_by(Meeting.id)))


def request_counts(event: Event) -> dict[str, int]:
    """The event's meeting requests counted by status."""
    rows = db.session.execute(
        select(MeetingRequest.status, func.count())
        .where(MeetingRequest.event_id == event.id)
        .group_by(MeetingRequest.status)
    )
    return dict(rows.all())


def outcomes_recorded_by(meetings: list[Meeting], organization_id: int) -> dict[tuple[int, str], MeetingOutcome]:
    """(meeting id, stage) → what this organization recorded of these meetings."""
    if not meetings:
        return {}
    rows = db.session.scalars(
        select(MeetingOutcome).where(
            MeetingOutcome.meeting_id.in_([m.id for m in meetings]), MeetingOutcome.organization_id == organization_id
        )
    )
    return {(row.meeting_id, row.stage): row for row in rows}


# --- what the coordinator's pages list (and their exports hold) --------------------------------------


def registrations(event: Event) -> list[EventParticipant]:
    """The event's registrations as the coordinator reviews them: pending ones first, then by kind and name."""
    return sorted(event.participants, key=lambda p: (p.status != "pending", p.organization.kind, p.organization.name))


def meetings_per_participant(meetings: list[Meeting]) -> Counter[int]:
    """participant id → how many of these meetings it has."""
    return Counter(side for m in meetings for side in (m.request.from_participant_id, m.request.to_participant_id))


def event_requests(event: Event) -> list[MeetingRequest]:
    """Every meeting request of the event, withdrawn ones included, in the order they were sent."""
    return list(
        db.session.scalars(
            select(MeetingRequest)
            .where(MeetingRequest.event_id == event.id)
            .order_by(MeetingRequest.created_at, MeetingRequest.id)
        )
    )


@dataclass(frozen=True)
class OutcomeRow:
    """A pair of organizations that met, with every outcome either side recorded (at the event, then later)."""

    first: str
    second: str
    outcomes: list[MeetingOutcome]


def participant_names(event: Event) -> dict[int, str]:
    """organization id → name, of the event's registrations."""
    return {p.organization_id: p.organization.name for p in event.participants}


def outcome_rows(event: Event) -> list[OutcomeRow]:
    """The outcomes page's rows: by the pair's names, each pair's outcomes by stage and recording side."""
    names = participant_names(event)
    rows = [
        OutcomeRow(
            str(names.get(a, a)), str(names.get(b, b)), sorted(found, key=lambda o: (o.stage, o.organization_id))
        )
        for (a, b), found in outcomes_by_pair(event).items()
    ]
    return sorted(rows, key=lambda row: (row.first, row.second))


NO_OUTCOME = ""  # outcome_totals' count of published meetings without a record at that stage


def outcome_totals(event: Event) -> dict[str, dict[str, int]]:
    """stage → outcome → how many of the event's published meetings ended there.

    Each side records its own outcome, so a meeting counts once per stage, at the furthest outcome
    (in the order of OUTCOMES) either side recorded at that stage; NO_OUTCOME counts the meetings
    with no record at that stage. Each stage's counts therefore add up to the published meetings.
    """
    published = [m.id for m in meetings_of(event) if m.published]
    rank = {code: n for n, code in enumerate(OUTCOMES)}
    furthest: dict[str, dict[int, str]] = {stage: {} for stage in OUTCOME_STAGES}
    if published:
        for outcome in db.session.scalars(select(MeetingOutcome).where(MeetingOutcome.meeting_id.in_(published))):
            seen = furthest.setdefault(outcome.stage, {})
            best = seen.get(outcome.meeting_id)
            if best is None or rank.get(outcome.outcome, -1) > rank.get(best, -1):
                seen[outcome.meeting_id] = outcome.outcome
    totals = {}
    for stage, by_meeting in furthest.items():
        counts = {code: 0 for code in OUTCOMES}
        for code in by_meeting.values():
            counts[code] = counts.get(code, 0) + 1
        counts[NO_OUTCOME] = len(published) - len(by_meeting)
        totals[stage] = counts
    return totals
