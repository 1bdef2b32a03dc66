"""What an event's schedule becomes on paper and in phones: .ics calendars and Excel workbooks."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from matchmaker.events.operations import other_side
from matchmaker.models import Event, EventParticipant, Meeting
from matchmaker.models.base import LOCAL_TZ, local_time
from matchmaker.spreadsheets import keep_text
from matchmaker.taxonomy import get_taxonomy

PRODUCT_ID = "-//Guizhou matchmaker//event agenda//ZH"
TIME = "%H:%M"


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
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "洽谈日程"
    sheet.append([f"{event.title} · {participant.organization.name}"])
    sheet.append([f"{event.held_on:%Y-%m-%d} · {event.venue}"])
    _header(sheet, ["开始", "结束", "洽谈桌", "洽谈对象", "对象类型", "申请理由"])
    for meeting in meetings:
        other = other_side(meeting, participant).organization
        sheet.append(
            [
                _clock(meeting.slot.starts_at),
                _clock(meeting.slot.ends_at),
                meeting.table.name,
                other.name,
                get_taxonomy().kinds[other.kind].name,
                meeting.request.reason,
            ]
        )
    sheet["A1"].font = Font(bold=True, size=14)
    _widths(sheet, [8, 8, 8, 36, 8, 40])
    return _save(workbook)


def schedule_xlsx(event: Event, meetings: Sequence[Meeting]) -> bytes:
    """The whole schedule: one row per meeting, and the room plan (slot × table) on a second sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "全部洽谈"
    _header(sheet, ["开始", "结束", "洽谈桌", "申请方", "受邀方", "优先级", "匹配度", "已发布", "申请理由"])
    ordered = sorted(meetings, key=lambda m: (m.slot.starts_at, m.table.position))
    for meeting in ordered:
        request = meeting.request
        sheet.append(
            [
                _clock(meeting.slot.starts_at),
                _clock(meeting.slot.ends_at),
                meeting.table.name,
                request.from_participant.organization.name,
                request.to_participant.organization.name,
                request.priority,
                round(request.match_score, 3),
                "是" if meeting.published else "否",
                request.reason,
            ]
        )
    _widths(sheet, [8, 8, 8, 32, 32, 8, 8, 8, 40])
    plan = workbook.create_sheet("场地安排")
    _header(plan, ["时段", *(f"{table.name}号桌" for table in event.tables)])
    at = {(m.slot_id, m.table_id): m for m in meetings}
    for slot in event.slots:
        row = [f"{_clock(slot.starts_at)}–{_clock(slot.ends_at)}"]
        for table in event.tables:
            meeting = at.get((slot.id, table.id))
            row.append(
                f"{meeting.request.from_participant.organization.name}\n"
                f"{meeting.request.to_participant.organization.name}"
                if meeting
                else ""
            )
        plan.append(row)
    for row in plan.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(plan, [13, *([24] * len(event.tables))])
    return _save(workbook)


def _clock(moment) -> str:
    return local_time(moment, TIME)


def _header(sheet, names: list[str]) -> None:
    sheet.append(names)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a string: sheet.cell() would add an empty row


def _widths(sheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    keep_text(workbook).save(buffer)  # a reason or a name typed as "=…" stays text
    return buffer.getvalue()
