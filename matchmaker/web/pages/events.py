"""Matchmaking events (产教对接活动): coordinators set them up and schedule them; organizations
register, ask for meetings, answer, carry their agenda and record what came of each meeting.

Coordinator forms carry the event version they were rendered from, so a second coordinator's
change is refused with a clear message instead of overwriting the first one's.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from matchmaker import exports, projects
from matchmaker.errors import InvalidInput, Message
from matchmaker.events import operations as events
from matchmaker.events import outputs
from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.models import Event, EventParticipant, Meeting, MeetingRequest
from matchmaker.models.base import local_time
from matchmaker.models.events import OUTCOME_LABELS
from matchmaker.schemas.events import EventInSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transitions import EVENT_STATUS
from matchmaker.web.pages import (
    FieldErrors,
    coordinator_required,
    field_errors,
    form_options,
    load_form,
    member_required,
    viewer,
)

bp = Blueprint("events", __name__, url_prefix="/events")

EVENT_STATUS_NAMES = EVENT_STATUS.labels
PARTICIPANT_STATUS_NAMES = outputs.PARTICIPANT_STATUS
REQUEST_STATUS_NAMES = outputs.REQUEST_STATUS
OUTCOME_NAMES = OUTCOME_LABELS
PRIORITY_NAMES = {5: "5 · 非常希望", 4: "4 · 希望", 3: "3 · 一般", 2: "2 · 可以", 1: "1 · 有空再谈"}
EVENT_FORM = (
    "title",
    "description",
    "held_on",
    "venue",
    "region",
    "registration_deadline",
    "request_deadline",
    "min_meetings",
    "max_meetings",
    "first_slot",
    "slot_minutes",
    "slot_count",
    "pause_minutes",
    "table_count",
    "table_names",
)
BAD_NUMBER = Message("请填写整数。", "Enter a whole number.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {
        "event_status_names": EVENT_STATUS_NAMES,
        "participant_status_names": PARTICIPANT_STATUS_NAMES,
        "request_status_names": REQUEST_STATUS_NAMES,
        "outcome_names": OUTCOME_NAMES,
        "priority_names": PRIORITY_NAMES,
        "clock": clock,
    }


def clock(moment: Any) -> str:
    return local_time(moment, "%H:%M")


# --- lookups -----------------------------------------------------------------------------------


def visible_event(event_id: int) -> Event:
    """The event, if the viewer may see it (drafts only for coordinators)."""
    event = events.find_event(event_id)
    user = viewer()
    if event.status == "draft" and not (user and user.is_coordinator):
        abort(404)
    return event


def own_participant(event: Event, approved: bool = True) -> EventParticipant:
    """The viewer's organization's registration for the event (approved, unless told otherwise)."""
    participant = events.participant_of(event, viewer().organization_id)
    if participant is None or (approved and participant.status != "approved"):
        flash("贵单位尚未报名本活动，或报名尚未通过审核。")
        abort(redirect(url_for(".show", event_id=event.id)))
    return participant


def event_participant(event: Event, participant_id: int) -> EventParticipant:
    participant = db.session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event.id:
        abort(404)
    return participant


def event_request(event: Event, request_id: int) -> MeetingRequest:
    found = db.session.get(MeetingRequest, request_id)
    if found is None or found.event_id != event.id:
        abort(404)
    return found


def seen_version() -> int | None:
    """The event version the submitted form was rendered from."""
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else None


def int_field(name: str, default: int | None = None) -> int:
    value = request.form.get(name, "").strip()
    if not value and default is not None:
        return default
    if not value.lstrip("-").isdigit():
        raise InvalidInput({name: [BAD_NUMBER]})
    return int(value)


# --- list, set up and edit ------------------------------------------------------------------------


@bp.get("")
def index():
    user = viewer()
    listed = events.visible_events(user)
    registered = events.registrations_of(user.organization_id) if user and user.organization_id else {}
    return render_template("events/list.html", events=listed, registered=registered)


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def create():
    if request.method == "GET":
        return render_form(
            None,
            {
                "slot_minutes": "20",
                "slot_count": "12",
                "pause_minutes": "5",
                "first_slot": "14:00",
                "table_count": "10",
                "min_meetings": "0",
            },
            {},
        )
    try:
        event = events.create_event(load_form(EventInSchema(), event_form()), viewer())
    except InvalidInput as error:
        return render_form(None, submitted(), field_errors(error), status=400)
    event_id = event.id
    flash("活动已创建（筹备中）。核对时段和洽谈桌后，请开放报名。")
    return redirect(url_for(".manage", event_id=event_id))


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(event_id: int):
    event = events.find_event(event_id)
    if request.method == "GET":
        return render_form(event, form_values(event), {})
    try:
        events.update_event(event, load_form(EventInSchema(), event_form()), viewer(), seen_version())
    except InvalidInput as error:
        return render_form(event, submitted(), field_errors(error), status=400)
    flash("活动信息已保存。")
    return redirect(url_for(".manage", event_id=event_id))


def event_form() -> MultiDict:
    """The submitted form; an unticked checkbox sends nothing, which means "no" here."""
    form = request.form.copy()
    form["requires_approval"] = "true" if "requires_approval" in request.form else "false"
    return form


def submitted() -> dict[str, Any]:
    values: dict[str, Any] = {name: request.form.get(name, "") for name in EVENT_FORM}
    values.update(
        sectors=request.form.getlist("sectors"),
        requires_approval="requires_approval" in request.form,
        version=request.form.get("version", ""),
    )
    return values


def form_values(event: Event) -> dict[str, Any]:
    first = event.slots[0]
    minutes = int((first.ends_at - first.starts_at).total_seconds() // 60)
    pause = int((event.slots[1].starts_at - first.ends_at).total_seconds() // 60) if len(event.slots) > 1 else 0
    numbered = [t.name for t in event.tables] == [str(i) for i in range(1, len(event.tables) + 1)]
    return {
        "title": event.title,
        "description": event.description,
        "held_on": event.held_on.isoformat(),
        "venue": event.venue,
        "region": event.region_code or "",
        "sectors": event.sectors,
        "registration_deadline": local_input(event.registration_deadline),
        "request_deadline": local_input(event.request_deadline),
        "requires_approval": event.requires_approval,
        "min_meetings": event.min_meetings,
        "max_meetings": event.max_meetings or "",
        "first_slot": clock(first.starts_at),
        "slot_minutes": minutes,
        "slot_count": len(event.slots),
        "pause_minutes": pause,
        "table_count": len(event.tables) if numbered else "",
        "table_names": "" if numbered else "\n".join(t.name for t in event.tables),
        "version": event.version,
    }


def local_input(moment: Any) -> str:
    """A stored time as a datetime-local input's value, in China time."""
    return local_time(moment, "%Y-%m-%dT%H:%M")


def render_form(event: Event | None, values: dict[str, Any], errors: FieldErrors, status: int = 200):
    return render_template(
        "events/form.html", event=event, values=values, errors=errors, options=form_options()
    ), status


# --- the event page and registration ---------------------------------------------------------------


@bp.get("/<int:event_id>")
def show(event_id: int):
    event = visible_event(event_id)
    user = viewer()
    participant = events.participant_of(event, user.organization_id) if user else None
    approved = sum(1 for p in event.participants if p.status == "approved")
    return render_template(
        "events/event.html",
        event=event,
        participant=participant,
        approved=approved,
        sector_names=[get_taxonomy().sectors[c].name for c in event.sectors if c in get_taxonomy().sectors],
    )


@bp.post("/<int:event_id>/register")
@member_required
def register(event_id: int):
    event = visible_event(event_id)
    participant = events.register(event, viewer())
    status = participant.status
    flash("报名成功，请等待协调员审核。" if status == "pending" else "报名成功。")
    return redirect(url_for(".show", event_id=event_id))


@bp.post("/<int:event_id>/unavailable")
@member_required
def unavailable(event_id: int):
    event = visible_event(event_id)
    participant = own_participant(event, approved=False)
    slot_ids = [int(v) for v in request.form.getlist("slots") if v.isdigit()]
    events.set_unavailable(participant, slot_ids, viewer())
    flash("已保存不可参加的时段。" if slot_ids else "已保存：全部时段都可以洽谈。")
    return redirect(url_for(".show", event_id=event_id))


# --- recommendations and meeting requests -------------------------------------------------------------


@bp.get("/<int:event_id>/recommendations")
@member_required
def recommendations(event_id: int):
    event = visible_event(event_id)
    participant = own_participant(event)
    return render_recommendations(event, participant, {}, {})


def render_recommendations(
    event: Event,
    participant: EventParticipant,
    errors: dict[int, FieldErrors],
    values: dict[int, dict[str, Any]],
    status: int = 200,
):
    counterparts = events.recommended_counterparts(participant, get_search_index())
    sent, received = events.requests_of(participant)
    asked = {r.to_participant_id: r for r in sent if r.status in ("pending", "accepted")}
    asked.update({r.from_participant_id: r for r in received if r.status in ("pending", "accepted")})
    return render_template(
        "events/recommendations.html",
        event=event,
        participant=participant,
        counterparts=counterparts,
        asked=asked,
        errors=errors,
        values=values,
    ), status


@bp.post("/<int:event_id>/requests")
@member_required
def send_request(event_id: int):
    event = visible_event(event_id)
    participant = own_participant(event)
    to_id = request.form.get("to_participant", "")
    target = event_participant(event, int(to_id)) if to_id.isdigit() else abort(400)
    reason = request.form.get("reason", "")
    try:
        events.request_meeting(
            event,
            participant,
            target,
            viewer(),
            priority=int_field("priority", 3),
            reason=reason,
            index=get_search_index(),
        )
    except InvalidInput as error:
        return render_recommendations(
            event,
            participant,
            {target.id: field_errors(error)},
            {target.id: {"reason": reason, "priority": request.form.get("priority")}},
            status=400,
        )
    name = target.organization.name
    flash(f"已向「{name}」发出约谈申请，对方接受后将排入洽谈日程。")
    return redirect(url_for(".recommendations", event_id=event_id) + f"#participant-{target.id}")


@bp.get("/<int:event_id>/requests")
@member_required
def requests_page(event_id: int):
    event = visible_event(event_id)
    participant = own_participant(event)
    sent, received = events.requests_of(participant)
    return render_template("events/requests.html", event=event, participant=participant, sent=sent, received=received)


@bp.post("/<int:event_id>/requests/<int:request_id>/answer")
@member_required
def answer(event_id: int, request_id: int):
    event = visible_event(event_id)
    meeting_request = event_request(event, request_id)
    accept = request.form.get("accept") == "1"
    events.answer_request(meeting_request, accept, viewer())
    name = meeting_request.from_participant.organization.name
    flash(f"已接受「{name}」的约谈申请。" if accept else f"已婉拒「{name}」的约谈申请。")
    return redirect(url_for(".requests_page", event_id=event_id))


# --- agendas --------------------------------------------------------------------------------------------


def agenda_owner(event: Event) -> EventParticipant:
    """Whose agenda: the viewer's organization's, or (for coordinators) ?participant=ID."""
    user = viewer()
    chosen = request.args.get("participant", "")
    if user.is_coordinator and chosen.isdigit():
        return event_participant(event, int(chosen))
    if user.organization_id is None:
        abort(404)
    return own_participant(event)


@bp.get("/<int:event_id>/agenda")
@login_required
def agenda(event_id: int):
    event = visible_event(event_id)
    participant = agenda_owner(event)
    meetings = events.agenda(participant)
    outcomes = events.outcomes_recorded_by(meetings, participant.organization_id)
    template = "events/agenda_print.html" if request.args.get("print") else "events/agenda.html"
    return render_template(
        template,
        event=event,
        participant=participant,
        meetings=meetings,
        outcomes=outcomes,
        other_side=events.other_side,
        errors={},
        agreements=projects.agreement_meetings(m.id for m in meetings),
        projects_by_meeting=projects.projects_from_meetings(m.id for m in meetings),
    )


@bp.get("/<int:event_id>/agenda.ics")
@login_required
def agenda_ics(event_id: int):
    event = visible_event(event_id)
    participant = agenda_owner(event)
    body = outputs.agenda_ics(event, participant, events.agenda(participant), current_app.config["MATCHMAKER_SITE_URL"])
    return download(body, "text/calendar; charset=utf-8", f"event-{event.id}-agenda.ics")


@bp.get("/<int:event_id>/agenda.xlsx")
@login_required
def agenda_xlsx(event_id: int):
    event = visible_event(event_id)
    participant = agenda_owner(event)
    return download(
        outputs.agenda_xlsx(event, participant, events.agenda(participant)), XLSX, f"event-{event.id}-agenda.xlsx"
    )


def download(body: bytes, mimetype: str, filename: str) -> Response:
    response = send_file(BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"  # an agenda is one organization's business
    return response


# --- outcomes ---------------------------------------------------------------------------------------------


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/outcome")
@member_required
def record_outcome(event_id: int, meeting_id: int):
    event = visible_event(event_id)
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id or not meeting.published:
        abort(404)
    stage = request.form.get("stage", "event")
    try:
        events.record_outcome(meeting, viewer(), request.form.get("outcome", ""), request.form.get("note", ""), stage)
    except InvalidInput as error:
        participant = own_participant(event)
        meetings = events.agenda(participant)
        return render_template(
            "events/agenda.html",
            event=event,
            participant=participant,
            meetings=meetings,
            outcomes=events.outcomes_recorded_by(meetings, participant.organization_id),
            other_side=events.other_side,
            errors={meeting.id: field_errors(error)},
            agreements=projects.agreement_meetings(m.id for m in meetings),
            projects_by_meeting=projects.projects_from_meetings(m.id for m in meetings),
        ), 400
    flash("已记录洽谈结果。")
    return redirect(url_for(".agenda", event_id=event_id) + f"#meeting-{meeting_id}")


@bp.get("/<int:event_id>/outcomes")
@coordinator_required
def outcomes(event_id: int):
    event = events.find_event(event_id)
    rows = events.outcome_rows(event)
    meeting_ids = {o.meeting_id for row in rows for o in row.outcomes}
    return render_template(
        "events/outcomes.html",
        event=event,
        rows=rows,
        totals=outputs.outcome_total_rows(event),
        names=events.participant_names(event),
        published_meetings=sum(1 for m in events.meetings_of(event) if m.published),
        agreements=projects.agreement_meetings(meeting_ids),  # a project can be made from these
        projects_by_meeting=projects.projects_from_meetings(meeting_ids),
    )


@bp.post("/<int:event_id>/survey")
@coordinator_required
def survey(event_id: int):
    event = events.find_event(event_id)
    asked = events.send_follow_up_survey(event, viewer())
    flash(f"已向 {asked} 位参会机构成员发送成效回访。")
    return redirect(url_for(".outcomes", event_id=event_id))


# --- the coordinator's desk -----------------------------------------------------------------------------


@bp.get("/<int:event_id>/manage")
@coordinator_required
def manage(event_id: int):
    return render_manage(events.find_event(event_id), {})


def render_manage(event: Event, errors: FieldErrors, status: int = 200):
    counts = events.request_counts(event)
    meetings = events.meetings_of(event)
    participants = events.registrations(event)
    per_participant = events.meetings_per_participant(meetings)
    short = [
        (p, per_participant[p.id])
        for p in participants
        if p.status == "approved" and meetings and per_participant[p.id] < event.min_meetings
    ]
    return render_template(
        "events/manage.html",
        event=event,
        participants=participants,
        counts=counts,
        meetings=meetings,
        drafts=sum(1 for m in meetings if not m.published),
        per_participant=per_participant,
        short=short,
        absent={m.id for m in events.absent_meetings(event)},
        errors=errors,
    ), status


@bp.post("/<int:event_id>/status")
@coordinator_required
def change_status(event_id: int):
    event = events.find_event(event_id)
    status = request.form.get("status", "")
    events.set_event_status(event, status, viewer(), seen_version())
    flash({"open": "已开放报名。", "closed": "活动已结束。", "draft": "活动已改回筹备中。"}.get(status, "已保存。"))
    return redirect(url_for(".manage", event_id=event_id))


@bp.post("/<int:event_id>/participants/<int:participant_id>/decide")
@coordinator_required
def decide(event_id: int, participant_id: int):
    event = events.find_event(event_id)
    participant = event_participant(event, participant_id)
    approve = request.form.get("approve") == "1"
    events.decide_registration(participant, approve, viewer())
    name = participant.organization.name
    flash(f"已通过「{name}」的报名。" if approve else f"未通过「{name}」的报名。")
    return redirect(url_for(".manage", event_id=event_id) + "#participants")


@bp.post("/<int:event_id>/participants/<int:participant_id>/check-in")
@coordinator_required
def check_in(event_id: int, participant_id: int):
    event = events.find_event(event_id)
    participant = event_participant(event, participant_id)
    present = request.form.get("present") == "1"
    events.check_in(participant, viewer(), present)
    name = participant.organization.name
    flash(f"「{name}」已签到。" if present else f"已取消「{name}」的签到。")
    return redirect(url_for(".manage", event_id=event_id) + "#participants")


@bp.post("/<int:event_id>/schedule")
@coordinator_required
def build_schedule(event_id: int):
    event = events.find_event(event_id)
    try:
        result = events.build_schedule(
            event,
            viewer(),
            seen_version(),
            fair="fair" in request.form,
            keep_published="keep_published" in request.form,
            time_limit=current_app.config["MATCHMAKER_SCHEDULE_TIME_LIMIT"],
        )
    except InvalidInput as error:
        return render_manage(event, field_errors(error), status=400)
    quality = "最优" if result.status == "optimal" else f"可行，与上界相差不超过 {result.gap:.1%}"
    flash(f"已生成日程草稿：安排 {len(result.meetings)} 场洽谈（{quality}）。请核对后发布。")
    return redirect(url_for(".manage", event_id=event_id) + "#schedule")


@bp.post("/<int:event_id>/publish")
@coordinator_required
def publish(event_id: int):
    event = events.find_event(event_id)
    published = events.publish_schedule(event, viewer(), seen_version())
    flash(f"日程已发布：{published} 场洽谈，双方已收到通知。")
    return redirect(url_for(".manage", event_id=event_id) + "#schedule")


@bp.get("/<int:event_id>/room-plan")
@coordinator_required
def room_plan(event_id: int):
    event = events.find_event(event_id)
    return render_template(
        "events/room_plan.html",
        event=event,
        plan=events.room_plan(event),
        absent={m.id for m in events.absent_meetings(event)},
    )


@bp.get("/<int:event_id>/schedule.xlsx")
@coordinator_required
def schedule_xlsx(event_id: int):
    event = events.find_event(event_id)
    return download(outputs.schedule_xlsx(event, events.meetings_of(event)), XLSX, f"event-{event.id}-schedule.xlsx")


# The event's lists as files, by the name in their address: what makes the sheets, and the file's name.
EXPORTS = {
    "registrations": (outputs.registration_sheets, "报名机构"),
    "meeting-requests": (outputs.request_sheets, "约谈申请"),
    "meetings": (outputs.meeting_sheets, "洽谈日程"),
    "outcomes": (outputs.outcome_sheets, "对接成效"),
    "outcome-totals": (outputs.outcome_total_sheets, "对接成效汇总"),
}


@bp.get(f"/<int:event_id>/<any({', '.join(map(repr, EXPORTS))}):name>.<any({', '.join(exports.FORMATS)}):fmt>")
@coordinator_required
def event_export(event_id: int, name: str, fmt: str):
    event = events.find_event(event_id)
    sheets, label = EXPORTS[name]
    exported = exports.write(sheets(event, viewer()), fmt, f"{event.title}-{label}")
    return download(exported.body, exported.mimetype, exported.filename)
