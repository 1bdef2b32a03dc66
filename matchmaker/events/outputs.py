"""What an event becomes on paper and in phones: .ics calendars, and its lists as Excel or CSV files.

The lists are `matchmaker.exports` sheets over the same service queries as the coordinator's
pages: registrations, meeting requests, the schedule (with the room plan), the outcomes with
their totals; and each participant's agenda.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from matchmaker import projects
from matchmaker.events import operations as events
from matchmaker.events.operations import other_side
from matchmaker.exports import Column, Sheet, kind_name, region_name, require_coordinator, to_xlsx
from matchmaker.models import Event, EventParticipant, Meeting, MeetingOutcome, MeetingRequest
from matchmaker.models.base import LOCAL_TZ, local_time
from matchmaker.models.events import OUTCOME_LABELS, OUTCOME_STAGE_LABELS

PRODUCT_ID = "-//Guizhou matchmaker//event agenda//ZH"
TIME = "%H:%M"
PARTICIPANT_STATUS = {"pending": "待审核", "approved": "已通过", "declined": "未通过"}
REQUEST_STATUS = {
    "pending": "等待答复",
    "accepted": "已接受",
    "declined": "已婉拒",
    "expired": "已过期",
    "withdrawn": "已撤回",
}


def agenda_ics(event: Event, participant: EventParticipant, meetings: Sequence[Meeting], site_url: str) -> bytes:
    """One calendar entry per meeting; UIDs are stable, so importing a changed agenda updates it."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{event.title}（{participant.organization.name}）")
    host = site_url.split("//", 1)[-1].split("/", 1)[0] or "matchmaker"
    for meeting in meetings:
        other = other_side(meeting, participant).organization
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}-meeting-{meeting.id}@{host}")
        entry.add("dtstamp", meeting.request.answered_at or meeting.request.created_at)
        entry.add("dtstart", meeting.slot.starts_at.astimezone(LOCAL_TZ))
        entry.add("dtend", meeting.slot.ends_at.astimezone(LOCAL_TZ))
        entry.add("summary", f"洽谈：{other.name}")
        entry.add("location", f"{event.venue} {meeting.table.name}号桌")
        entry.add(
            "description",
            "\n".join(
                filter(None, [event.title, meeting.request.reason, f"{site_url.rstrip('/')}/events/{event.id}/agenda"])
            ),
        )
        calendar.add_component(entry)
    return calendar.to_ical()


def agenda_xlsx(event: Event, participant: EventParticipant, meetings: Sequence[Meeting]) -> bytes:
    """One participant's meetings, under the event's title, date and venue."""
    columns = (
        Column("开始", lambda m: clock(m.slot.starts_at), width=8),
        Column("结束", lambda m: clock(m.slot.ends_at), width=8),
        Column("洽谈桌", lambda m: m.table.name, width=8),
        Column("洽谈对象", lambda m: other_side(m, participant).organization.name, width=36),
        Column("对象类型", lambda m: kind_name(other_side(m, participant).organization.kind), width=8),
        Column("申请理由", lambda m: m.request.reason, width=40),
    )
    heading = (f"{event.title} · {participant.organization.name}", f"{event.held_on:%Y-%m-%d} · {event.venue}")
    return to_xlsx([Sheet("洽谈日程", columns, list(meetings), heading=heading)])


def schedule_xlsx(event: Event, meetings: Sequence[Meeting]) -> bytes:
    """The whole schedule: one row per meeting, and the room plan (slot × table) on a second sheet."""
    return to_xlsx(schedule_sheets(event, meetings))


# --- the coordinator's lists of an event ----------------------------------------------------------


def registration_sheets(event: Event, actor: Any) -> list[Sheet]:
    """The registrations as the management page lists them, with the meetings each has."""
    require_coordinator(actor)
    per_participant = events.meetings_per_participant(events.meetings_of(event))
    columns = (
        Column("机构", lambda p: p.organization.name, width=32),
        Column("类型", lambda p: kind_name(p.organization.kind)),
        Column("地区", lambda p: region_name(p.organization.region_code)),
        Column("报名状态", lambda p: PARTICIPANT_STATUS.get(p.status, p.status)),
        Column("报名时间", lambda p: p.registered_at),
        Column("不可参加（场）", lambda p: len(p.unavailable_slot_ids or [])),
        Column("洽谈（场）", lambda p: per_participant[p.id]),
        Column("签到时间", lambda p: p.checked_in_at),
    )
    return [Sheet("报名机构", columns, events.registrations(event))]


REQUEST_COLUMNS = (
    Column("申请方", lambda r: r.from_participant.organization.name, width=32),
    Column("受邀方", lambda r: r.to_participant.organization.name, width=32),
    Column("优先级", lambda r: r.priority),
    Column("匹配度", lambda r: round(r.match_score, 3)),
    Column("申请理由", lambda r: r.reason, width=40),
    Column("状态", lambda r: REQUEST_STATUS.get(r.status, r.status)),
    Column("申请时间", lambda r: r.created_at),
    Column("答复时间", lambda r: r.answered_at),
)


def request_sheets(event: Event, actor: Any) -> list[Sheet]:
    require_coordinator(actor)
    found: list[MeetingRequest] = events.event_requests(event)
    return [Sheet("约谈申请", REQUEST_COLUMNS, found)]


MEETING_COLUMNS = (
    Column("开始", lambda m: clock(m.slot.starts_at), width=8),
    Column("结束", lambda m: clock(m.slot.ends_at), width=8),
    Column("洽谈桌", lambda m: m.table.name, width=8),
    Column("申请方", lambda m: m.request.from_participant.organization.name, width=32),
    Column("受邀方", lambda m: m.request.to_participant.organization.name, width=32),
    Column("优先级", lambda m: m.request.priority, width=8),
    Column("匹配度", lambda m: round(m.request.match_score, 3), width=8),
    Column("已发布", lambda m: m.published, width=8),
    Column("申请理由", lambda m: m.request.reason, width=40),
)


def meeting_sheets(event: Event, actor: Any) -> list[Sheet]:
    require_coordinator(actor)
    return schedule_sheets(event, events.meetings_of(event))


def schedule_sheets(event: Event, meetings: Sequence[Meeting]) -> list[Sheet]:
    """Every meeting by time and table; the room plan (a row per slot, a column per table) on a second sheet."""
    ordered = sorted(meetings, key=lambda m: (m.slot.starts_at, m.table.position))
    at = {(m.slot_id, m.table_id): m for m in meetings}

    def pair(slot_id: int, table_id: int) -> str:
        meeting = at.get((slot_id, table_id))
        if meeting is None:
            return ""
        request = meeting.request
        return f"{request.from_participant.organization.name}\n{request.to_participant.organization.name}"

    plan = [Column("时段", lambda slot: f"{local_time(slot.starts_at, TIME)}–{local_time(slot.ends_at, TIME)}", 13)]
    plan += [
        Column(f"{table.name}号桌", lambda slot, table_id=table.id: pair(slot.id, table_id), 24)
        for table in event.tables
    ]
    return [Sheet("全部洽谈", MEETING_COLUMNS, ordered), Sheet("场地安排", plan, list(event.slots), wrap=True)]


@dataclass(frozen=True)
class OutcomeLine:
    """One outcome as the outcomes page lists it, under the pair of organizations that met."""

    row: events.OutcomeRow
    outcome: MeetingOutcome
    meeting: Meeting | None
    recorded_by: str
    projects: list[str]


def outcome_sheets(event: Event, actor: Any) -> list[Sheet]:
    """Every recorded outcome (a line per side and stage, as the page lists them), then the totals."""
    require_coordinator(actor)
    rows = events.outcome_rows(event)
    meetings = {m.id: m for m in events.meetings_of(event)}
    names = events.participant_names(event)
    made = projects.projects_from_meetings({o.meeting_id for row in rows for o in row.outcomes})
    lines = [
        OutcomeLine(
            row,
            outcome,
            meetings.get(outcome.meeting_id),
            names.get(outcome.organization_id, str(outcome.organization_id)),
            [p.title for p in made.get(outcome.meeting_id, [])],
        )
        for row in rows
        for outcome in row.outcomes
    ]
    columns = (
        Column("机构（一方）", lambda line: line.row.first, width=30),
        Column("机构（另一方）", lambda line: line.row.second, width=30),
        Column("洽谈时间", lambda line: clock(line.meeting.slot.starts_at) if line.meeting else None, width=10),
        Column("洽谈桌", lambda line: line.meeting.table.name if line.meeting else None, width=8),
        Column("记录方", lambda line: line.recorded_by, width=30),
        Column("阶段", lambda line: OUTCOME_STAGE_LABELS.get(line.outcome.stage, line.outcome.stage)),
        Column("结果", lambda line: OUTCOME_LABELS.get(line.outcome.outcome, line.outcome.outcome)),
        Column("说明", lambda line: line.outcome.note, width=40),
        Column("记录时间", lambda line: line.outcome.recorded_at),
        Column("合作项目", lambda line: line.projects, width=30),
    )
    return [Sheet("洽谈结果", columns, lines), *outcome_total_sheets(event, actor)]


NO_OUTCOME_LABEL = "未记录"
TOTAL_LABEL = "合计（已发布洽谈）"


def outcome_total_rows(event: Event) -> list[tuple[str, int, int]]:
    """(outcome, meetings at the event, meetings at the follow-up) per outcome, then the unrecorded and the total."""
    totals = events.outcome_totals(event)
    at_event, later = totals["event"], totals["follow_up"]
    rows = [(label, at_event[code], later[code]) for code, label in OUTCOME_LABELS.items()]
    rows.append((NO_OUTCOME_LABEL, at_event[events.NO_OUTCOME], later[events.NO_OUTCOME]))
    rows.append((TOTAL_LABEL, sum(at_event.values()), sum(later.values())))
    return rows


def outcome_total_sheets(event: Event, actor: Any) -> list[Sheet]:
    require_coordinator(actor)
    columns = (
        Column("洽谈结果", lambda row: row[0]),
        Column(f"{OUTCOME_STAGE_LABELS['event']}（场）", lambda row: row[1]),
        Column(f"{OUTCOME_STAGE_LABELS['follow_up']}（场）", lambda row: row[2]),
    )
    return [Sheet("结果汇总", columns, outcome_total_rows(event))]


def clock(moment: datetime) -> time:
    """A stored UTC time as China's time of day (a time cell in Excel, "14:00" in CSV)."""
    return moment.astimezone(LOCAL_TZ).time().replace(tzinfo=None)
