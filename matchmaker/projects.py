"""Cooperation projects (校企合作项目) and the demonstration library (示范项目库).

A project joins two or more organizations — at least one school and one enterprise — in one
of the cooperation types of `cooperation_types.json`, and moves through `PROJECT_STATUS`
(签订协议 → 立项 → 实施中 → 结题, or 终止). Every step is a `ProjectChange` row with its own
date, who made it and a note, so the lifecycle can be read back as dated steps.

Who may do what:

- **Create**: a member of an organization, which becomes a partner and is confirmed at once;
  a coordinator, for whom every partner still confirms. From an event meeting whose outcome
  was 签订合作协议: a member of either side or a coordinator; the two sides become partners and
  the event, meeting, region and sectors are filled in.
- **Confirm**: a member of a partner organization, for that organization only. A project
  *counts* (in figures, and for the library) only when every partner has confirmed.
- **Edit and change status**: members of a *confirmed* partner, and coordinators. Edits carry
  the version they were made from; a change made meanwhile is refused (Conflict).
- **See**: coordinators see every project; members see their organizations' projects (waiting
  partners included, so they can confirm); everyone — the public too — sees only projects
  published in the demonstration library, and only through the library.
- **Library**: coordinators nominate a project that is in progress or closed and counted,
  review it against the written criteria and publish it (every criterion met, each with a
  note) or decline it with a reason. Partners are told of each of these by notification.

Services check, change the session and flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, exists, select

from matchmaker import notifications
from matchmaker.errors import Conflict, InvalidInput, Message, NotFound, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import (
    Meeting,
    MeetingOutcome,
    Organization,
    Project,
    ProjectChange,
    ProjectPartner,
    ProjectSector,
    local_today,
    utcnow,
)
from matchmaker.organizations import members_of
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transitions import LIBRARY_STATUS, PROJECT_STATUS

EDITABLE_FIELDS = (
    "ref",
    "title",
    "type_code",
    "description",
    "region_code",
    "starts_on",
    "ends_on",
    "students_trained",
    "apprentices",
    "teachers_placed",
    "mentors",
    "school_investment",
    "enterprise_investment",
    "outcomes",
    "documents",
    "majors",
    "occupations",
)
NOMINABLE = ("in_progress", "closed")

NOT_FOUND = Message("合作项目不存在：{key}", "No such cooperation project: {key}")
STALE = Message(
    "该项目已被他人修改（版本 {current}，您看到的是版本 {seen}），请刷新后重试。",
    "Someone changed this project meanwhile (version {current}; you saw {seen}): reload and retry.",
)
REF_TAKEN = Message("编号「{ref}」已被另一个合作项目使用。", "Another project already uses ref {ref!r}.")
ENDS_BEFORE_START = Message("结束日期不能早于开始日期。", "Must not be before starts_on.")
TOO_FEW_PARTNERS = Message("合作项目至少需要两家合作单位。", "A project needs at least two partners.")
NEED_BOTH_SIDES = Message(
    "合作单位中至少要有一所院校和一家企业。", "The partners must include at least one school and one enterprise."
)
DUPLICATE_PARTNER = Message("合作单位「{name}」重复。", "Partner {name} is listed twice.")
UNKNOWN_PARTNER = Message("机构不存在：{key}", "No such organization: {key}")
CLOSED_PARTNER = Message(
    "机构「{name}」尚未通过审核或已注销，不能作为合作单位。", "Organization {name} is not verified or is closed."
)
ONE_LEAD = Message("牵头单位只能有一家。", "At most one partner can be the lead.")
OWN_PARTNER = Message(
    "不能把本机构从合作单位中移除；如需退出请联系协调员。",
    "You cannot remove your own organization from the partners; ask a coordinator.",
)
ALREADY_IN_STATUS = Message("项目已是「{status}」状态。", "The project is already {status}.")
STEP_IN_FUTURE = Message("日期不能晚于今天（{today}）。", "Must not be after today ({today}).")
STEP_BEFORE_PREVIOUS = Message(
    "日期不能早于上一步的日期（{previous}）。", "Must not be before the previous step ({previous})."
)
ONLY_PARTNERS = Message(
    "只有已确认的合作单位成员或协调员可以修改该项目。",
    "Only members of confirmed partners or coordinators may change it.",
)
ONLY_COORDINATORS = Message("只有协调员可以管理示范项目库。", "Only coordinators curate the demonstration library.")
NOT_A_PARTNER = Message("贵单位不是该项目的合作单位。", "Your organization is not a partner of this project.")
ALREADY_CONFIRMED = Message("贵单位已确认参与该项目。", "Your organization has already confirmed.")
NOT_NOMINABLE = Message(
    "只有「实施中」或「结题」的项目可以推荐入库（当前：{status}）。",
    "Only projects in progress or closed can be nominated (now: {status}).",
)
NOT_COUNTED = Message(
    "还有合作单位未确认，项目确认完整后才能推荐入库。", "Every partner must confirm before the project is nominated."
)
CRITERION_MISSING = Message("请逐项审核：缺少「{name}」。", "Review every criterion: {name} is missing.")
CRITERION_NOT_MET = Message("「{name}」未达到，不能入库。", "{name} is not met: the project cannot be published.")
CRITERION_NOTE = Message("请写明「{name}」的审核意见。", "Write a note for {name}.")
NO_AGREEMENT = Message(
    "该洽谈尚未记录「签订合作协议」的结果，不能据此创建合作项目。",
    "No side recorded 签订合作协议 for this meeting: it cannot become a project.",
)
NOT_A_SIDE = Message(
    "只有洽谈双方的成员或协调员可以据此创建项目。", "Only members of the two sides or coordinators may do this."
)
MEETING_NOT_FOUND = Message("洽谈不存在：{key}", "No such meeting: {key}")
ONLY_COORDINATORS_VOUCH = Message(
    "只有协调员可以批量导入合作项目并代为确认合作单位。",
    "Only coordinators import projects and confirm partners on their behalf.",
)
VOUCHED_NOTE = "{name}（批量导入，由协调员确认）"
IMPORTED_STATUS_NOTE = "批量导入：按导入文件直接设定状态"

KIND_NAMES = {
    "created": "创建项目",
    "status": "状态变更",
    "edited": "修改信息",
    "confirmed": "确认参与",
    "nominated": "推荐入库",
    "published": "入选示范项目库",
    "declined": "未入选示范项目库",
}


# --- lookups -------------------------------------------------------------------------------


def find_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound(NOT_FOUND.format(key=project_id))
    return project


def is_partner_member(project: Project, actor: Any, *, confirmed_only: bool = False) -> bool:
    if actor is None or actor.organization_id is None:
        return False
    return any(
        p.organization_id == actor.organization_id and (p.confirmed_at is not None or not confirmed_only)
        for p in project.partners
    )


def can_see(project: Project, viewer: Any) -> bool:
    """Coordinators and partners' members see a project; others only a published library entry."""
    return (viewer is not None and viewer.is_coordinator) or is_partner_member(project, viewer)


def can_edit(project: Project, actor: Any) -> bool:
    return (actor is not None and actor.is_coordinator) or is_partner_member(project, actor, confirmed_only=True)


def get_visible_project(viewer: Any, project_id: int) -> Project:
    """The project if the viewer is a coordinator or a partner's member, else NotFound."""
    project = find_project(project_id)
    if not can_see(project, viewer):
        raise NotFound(NOT_FOUND.format(key=project_id))
    return project


def get_library_entry(project_id: int) -> Project:
    """A project published in the demonstration library, for everyone."""
    project = db.session.get(Project, project_id)
    if project is None or project.library_status != "published":
        raise NotFound(NOT_FOUND.format(key=project_id))
    return project


def require_editor(project: Project, actor: Any) -> None:
    if not can_edit(project, actor):
        raise PermissionDenied(ONLY_PARTNERS)


def require_coordinator(actor: Any) -> None:
    if actor is None or not actor.is_coordinator:
        raise PermissionDenied(ONLY_COORDINATORS)


def check_version(project: Project, seen: int | None) -> None:
    if seen is not None and seen != project.version:
        raise Conflict(STALE.format(current=project.version, seen=seen))


# --- create and edit -----------------------------------------------------------------------


def _resolve_partners(entries: Iterable[dict[str, Any]]) -> list[tuple[Organization, str]]:
    """(organization, role) for each partner entry, or field errors naming `partners.<i>`."""
    resolved, problems, seen = [], {}, set()
    for index, entry in enumerate(entries):
        key = entry.get("organization_id") or entry.get("organization_ref")
        if entry.get("organization_id") is not None:
            org = db.session.get(Organization, entry["organization_id"])
        else:
            org = db.session.scalar(select(Organization).where(Organization.ref == entry.get("organization_ref")))
        field = "organization_id" if entry.get("organization_id") is not None else "organization_ref"
        if org is None:
            problems[f"partners.{index}.{field}"] = [UNKNOWN_PARTNER.format(key=key)]
        elif not org.open:
            problems[f"partners.{index}.{field}"] = [CLOSED_PARTNER.format(name=org.name)]
        elif org.id in seen:
            problems[f"partners.{index}.{field}"] = [DUPLICATE_PARTNER.format(name=org.name)]
        else:
            seen.add(org.id)
            resolved.append((org, entry.get("role") or "partner"))
    if problems:
        raise InvalidInput(problems)
    return resolved


def _check_partners(partners: list[tuple[Organization, str]]) -> None:
    if len(partners) < 2:
        raise InvalidInput({"partners": [TOO_FEW_PARTNERS]})
    kinds = {org.kind for org, _ in partners}
    if not {"school", "enterprise"} <= kinds:
        raise InvalidInput({"partners": [NEED_BOTH_SIDES]})
    if sum(1 for _, role in partners if role == "lead") > 1:
        raise InvalidInput({"partners": [ONE_LEAD]})


def _check_ref(ref: str | None, own_id: int | None) -> None:
    if not ref:
        return
    other = db.session.scalar(select(Project.id).where(Project.ref == ref))
    if other is not None and other != own_id:
        raise InvalidInput({"ref": [REF_TAKEN.format(ref=ref)]})


def check_invariants(project: Project) -> None:
    """Rules that span fields."""
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        raise InvalidInput({"ends_on": [ENDS_BEFORE_START]})


def _assign(project: Project, data: dict[str, Any]) -> list[str]:
    """Copy validated fields onto the project; return the names of those that changed."""
    data = dict(data)
    if "region" in data:
        data["region_code"] = data.pop("region")
    changed = []
    for name in EDITABLE_FIELDS:
        if name in data and getattr(project, name) != data[name]:
            setattr(project, name, data[name])
            changed.append(name)
    if "sectors" in data and project.sectors != data["sectors"]:
        project.sectors = data["sectors"]
        changed.append("sectors")
    return changed


def _with_actor(partners: list[tuple[Organization, str]], actor: Any) -> list[tuple[Organization, str]]:
    """A member creating a project is one of its partners: add their organization if missing."""
    if actor.is_coordinator or actor.organization_id in {org.id for org, _ in partners}:
        return partners
    org = db.session.get(Organization, actor.organization_id)
    if org is None or not org.open:
        raise InvalidInput({"partners": [CLOSED_PARTNER.format(name=org.name if org else actor.organization_id)]})
    return [*partners, (org, "partner")]


def _default_region(partners: list[tuple[Organization, str]]) -> str | None:
    schools = [org for org, _ in partners if org.kind == "school"]
    return (schools or [org for org, _ in partners])[0].region_code if partners else None


def create_project(
    data: dict[str, Any], actor: Any, *, meeting: Meeting | None = None, vouched: bool = False
) -> Project:
    """Add a cooperation project; the actor's organization is a confirmed partner, the others are asked.

    `vouched`: a coordinator vouches for every partner (a bulk import of a file they checked): all are
    confirmed at once, each confirmation is recorded in the history, and nobody is asked to confirm.
    """
    if actor is None or (not actor.is_coordinator and actor.organization_id is None):
        raise PermissionDenied(ONLY_PARTNERS)
    if vouched and not actor.is_coordinator:
        raise PermissionDenied(ONLY_COORDINATORS_VOUCH)
    data = dict(data)
    data.pop("meeting_id", None)
    if meeting is not None:
        partners = _meeting_partners(meeting, actor, data.get("partners"))
    else:
        partners = _with_actor(_resolve_partners(data.get("partners") or []), actor)
    _check_partners(partners)
    _check_ref(data.get("ref"), None)
    project = Project(status="agreement", created_by_id=actor.id, documents=[], majors=[], occupations=[])
    _assign(project, data)
    if meeting is not None:
        event = meeting.request.from_participant.event
        project.event_id, project.meeting_id = event.id, meeting.id
        if "region" not in data:
            project.region_code = event.region_code or _default_region(partners)
        if not data.get("sectors"):
            enterprise = next(org for org, _ in partners if org.kind == "enterprise")
            project.sectors = event.sectors or enterprise.sectors
    if project.region_code is None:
        project.region_code = _default_region(partners)
    check_invariants(project)
    now = utcnow()
    for org, role in partners:
        mine = org.id == actor.organization_id or vouched
        project.partners.append(
            ProjectPartner(
                organization=org,
                organization_id=org.id,
                role=role,
                confirmed_at=now if mine else None,
                confirmed_by_id=actor.id if mine else None,
            )
        )
    db.session.add(project)
    note = "由对接活动洽谈「签订合作协议」创建" if meeting is not None else ""
    today = local_today()
    signed = min(project.starts_on, today) if project.starts_on else today
    _record(project, actor, "created", to_status="agreement", occurred_on=signed, note=note)
    if vouched:
        for org, _ in partners:
            _record(project, actor, "confirmed", occurred_on=today, note=VOUCHED_NOTE.format(name=org.name))
    db.session.flush()
    _ask_to_confirm(project, [] if vouched else [org for org, _ in partners if org.id != actor.organization_id])
    return project


def update_project(
    project: Project, data: dict[str, Any], actor: Any, seen_version: int | None = None, *, vouched: bool = False
) -> Project:
    """Change the given fields (and partners); waiting partners added here are asked to confirm.

    `vouched`: as for `create_project`, every partner still waiting is confirmed by the coordinator.
    """
    require_editor(project, actor)
    if vouched and not actor.is_coordinator:
        raise PermissionDenied(ONLY_COORDINATORS_VOUCH)
    check_version(project, seen_version)
    data = dict(data)
    data.pop("version", None)
    if "ref" in data:
        _check_ref(data["ref"], project.id)
    added: list[Organization] = []
    if "partners" in data:
        partners = _resolve_partners(data["partners"])
        if not actor.is_coordinator and actor.organization_id not in {org.id for org, _ in partners}:
            raise InvalidInput({"partners": [OWN_PARTNER]})
        _check_partners(partners)
        added = _sync_partners(project, partners)
    changed = _assign(project, data)
    check_invariants(project)
    if changed or added or "partners" in data:
        names = changed + (["partners"] if "partners" in data else [])
        _record(project, actor, "edited", note="、".join(names))
    if vouched:
        for partner in (p for p in project.partners if p.confirmed_at is None):
            partner.confirmed_at, partner.confirmed_by_id = utcnow(), actor.id
            note = VOUCHED_NOTE.format(name=partner.organization.name)
            _record(project, actor, "confirmed", occurred_on=local_today(), note=note)
        added = []
    db.session.flush()
    _ask_to_confirm(project, added)
    return project


def _sync_partners(project: Project, wanted: list[tuple[Organization, str]]) -> list[Organization]:
    """Make the partner rows match `wanted`, keeping confirmations of those that stay; return the new ones."""
    wanted_ids = {org.id: role for org, role in wanted}
    for partner in [p for p in project.partners if p.organization_id not in wanted_ids]:
        project.partners.remove(partner)
    present = {p.organization_id: p for p in project.partners}
    added = []
    for org, role in wanted:
        if org.id in present:
            present[org.id].role = role
        else:
            project.partners.append(ProjectPartner(organization=org, organization_id=org.id, role=role))
            added.append(org)
    return added


def confirm_partnership(project: Project, actor: Any) -> ProjectPartner:
    """The actor's organization confirms that it takes part in the project."""
    partner = next(
        (p for p in project.partners if actor is not None and p.organization_id == actor.organization_id), None
    )
    if partner is None:
        raise PermissionDenied(NOT_A_PARTNER)
    if partner.confirmed_at is not None:
        raise Conflict(ALREADY_CONFIRMED)
    partner.confirmed_at, partner.confirmed_by_id = utcnow(), actor.id
    _record(project, actor, "confirmed", occurred_on=local_today(), note=partner.organization.name)
    db.session.flush()
    return partner


def set_project_status(
    project: Project,
    status: str,
    actor: Any,
    *,
    occurred_on: date | None = None,
    note: str = "",
    seen_version: int | None = None,
) -> Project:
    """Move the project one step through PROJECT_STATUS, dated (default today), with a note."""
    require_editor(project, actor)
    check_version(project, seen_version)
    if status == project.status:
        raise InvalidInput({"status": [ALREADY_IN_STATUS.format(status=PROJECT_STATUS.labels[status])]})
    PROJECT_STATUS.require(project.status, status)
    today = local_today()
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise InvalidInput({"occurred_on": [STEP_IN_FUTURE.format(today=today.isoformat())]})
    # Steps keep their order; the creation step does not count (a project may be entered long after it began).
    previous = max((e.occurred_on for e in project.history if e.kind == "status" and e.occurred_on), default=None)
    if previous is not None and occurred_on < previous:
        raise InvalidInput({"occurred_on": [STEP_BEFORE_PREVIOUS.format(previous=previous.isoformat())]})
    old = project.status
    project.status = status
    # The dated steps fill in the project's own dates when nobody gave them.
    if status == "in_progress" and project.starts_on is None:
        project.starts_on = occurred_on
    if (
        status in ("closed", "stopped")
        and project.ends_on is None
        and (project.starts_on or occurred_on) <= occurred_on
    ):
        project.ends_on = occurred_on
    _record(project, actor, "status", from_status=old, to_status=status, occurred_on=occurred_on, note=note)
    db.session.flush()
    return project


def set_status_of_record(project: Project, status: str, actor: Any) -> Project:
    """Set the status a coordinator's import file gives: one recorded step, not the steps between.

    A file states a project's present state as kept elsewhere (a register, last year's spreadsheet).
    Walking PROJECT_STATUS to it would invent steps and dates nobody reported and refuse files that
    catch up on several steps at once, so the change is one history step without a date of its own
    (its time says when it was imported); steps recorded later are dated as usual.
    """
    if actor is None or not actor.is_coordinator:
        raise PermissionDenied(ONLY_COORDINATORS_VOUCH)
    if status not in PROJECT_STATUS.labels:
        PROJECT_STATUS.require(project.status, status)  # names the statuses
    if status != project.status:
        old, project.status = project.status, status
        _record(project, actor, "status", from_status=old, to_status=status, note=IMPORTED_STATUS_NOTE)
        db.session.flush()
    return project


# --- from an event meeting -----------------------------------------------------------------


def find_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(MEETING_NOT_FOUND.format(key=meeting_id))
    return meeting


def meeting_sides(meeting: Meeting) -> list[Organization]:
    return [meeting.request.from_participant.organization, meeting.request.to_participant.organization]


def has_agreement(meeting: Meeting) -> bool:
    """Whether either side recorded 签订合作协议 for the meeting (at the event or at follow-up)."""
    return bool(
        db.session.scalar(
            select(exists().where(MeetingOutcome.meeting_id == meeting.id, MeetingOutcome.outcome == "agreement"))
        )
    )


def agreement_meetings(meeting_ids: Iterable[int]) -> set[int]:
    """Which of these meetings have a 签订合作协议 outcome."""
    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(MeetingOutcome.meeting_id).where(
                MeetingOutcome.meeting_id.in_(ids), MeetingOutcome.outcome == "agreement"
            )
        )
    )


def projects_from_meetings(meeting_ids: Iterable[int]) -> dict[int, list[Project]]:
    """meeting id → the projects made from it."""
    ids = list(meeting_ids)
    found: dict[int, list[Project]] = {}
    if ids:
        for project in db.session.scalars(select(Project).where(Project.meeting_id.in_(ids)).order_by(Project.id)):
            found.setdefault(project.meeting_id, []).append(project)
    return found


def check_meeting_source(meeting: Meeting, actor: Any) -> list[Organization]:
    """The meeting's two sides, if the actor may make a project from it and it ended in an agreement."""
    sides = meeting_sides(meeting)
    if actor is None or not (actor.is_coordinator or actor.organization_id in {o.id for o in sides}):
        raise PermissionDenied(NOT_A_SIDE)
    if not has_agreement(meeting):
        raise InvalidInput({"meeting_id": [NO_AGREEMENT]})
    return sides


def _meeting_partners(
    meeting: Meeting, actor: Any, extra: list[dict[str, Any]] | None
) -> list[tuple[Organization, str]]:
    """The meeting's two sides (with the roles the data gives them), then any further partners."""
    sides = check_meeting_source(meeting, actor)
    given = _resolve_partners(extra or [])
    roles = {org.id: role for org, role in given}
    partners = [(org, roles.get(org.id, "partner")) for org in sides]
    partners += [(org, role) for org, role in given if org.id not in {o.id for o in sides}]
    return partners


def meeting_defaults(meeting: Meeting) -> dict[str, Any]:
    """What a project made from the meeting starts with: title, region, sectors (for the form)."""
    event = meeting.request.from_participant.event
    sides = meeting_sides(meeting)
    school = next((o for o in sides if o.kind == "school"), sides[0])
    enterprise = next((o for o in sides if o.kind == "enterprise"), sides[1])
    return {
        "title": f"{enterprise.name}—{school.name}合作项目"[:120],
        "region": event.region_code or school.region_code,
        "sectors": event.sectors or enterprise.sectors,
        "event": event,
        "sides": sides,
    }


# --- the demonstration library -------------------------------------------------------------


def nominate_project(project: Project, actor: Any, note: str = "") -> Project:
    """Put a project in progress or closed, with every partner confirmed, in the library's review queue."""
    require_coordinator(actor)
    if project.status not in NOMINABLE:
        raise InvalidInput(
            {"status": [NOT_NOMINABLE.format(status=PROJECT_STATUS.labels.get(project.status, project.status))]}
        )
    if not project.counted:
        raise InvalidInput({"partners": [NOT_COUNTED]})
    _library_step(project, "nominated")
    project.library_status = "nominated"
    project.nominated_at, project.nominated_by_id = utcnow(), actor.id
    project.reviewed_at = project.reviewer_id = project.review_notes = project.decline_reason = None
    _record(project, actor, "nominated", occurred_on=local_today(), note=note)
    db.session.flush()
    _tell_partners(
        project,
        f"「{project.title}」被推荐入选校企合作示范项目库",
        "协调员已将贵单位参与的合作项目推荐入库，审核结果将另行通知。" + (f"\n推荐意见：{note}" if note else ""),
        f"/projects/{project.id}",
    )
    return project


def _library_step(project: Project, wanted: str) -> None:
    current = project.library_status
    if current is None:
        if wanted != "nominated":
            raise InvalidInput({"library_status": [NOT_NOMINATED]})
        return
    if current == wanted:
        raise InvalidInput({"library_status": [ALREADY_IN_LIBRARY.format(status=LIBRARY_STATUS.labels[wanted])]})
    try:
        LIBRARY_STATUS.require(current, wanted)
    except InvalidInput as error:
        raise InvalidInput({"library_status": error.fields["status"]}) from None


NOT_NOMINATED = Message("该项目尚未被推荐入库。", "The project has not been nominated.")
ALREADY_IN_LIBRARY = Message("该项目已是「{status}」。", "The project is already {status}.")


def _check_review(criteria: dict[str, dict[str, Any]], *, publishing: bool) -> dict[str, dict[str, Any]]:
    """Criteria review notes as stored; publishing needs every criterion met, each with a note."""
    known = get_taxonomy().library_criteria
    problems: dict[str, list[Message]] = {}
    if publishing:
        for code, criterion in known.items():
            review = criteria.get(code)
            if review is None:
                problems[f"criteria.{code}"] = [CRITERION_MISSING.format(name=criterion.name)]
            elif not review["met"]:
                problems[f"criteria.{code}.met"] = [CRITERION_NOT_MET.format(name=criterion.name)]
            elif not review.get("note"):
                problems[f"criteria.{code}.note"] = [CRITERION_NOTE.format(name=criterion.name)]
    if problems:
        raise InvalidInput(problems)
    return {code: {"met": bool(r["met"]), "note": r.get("note", "")} for code, r in criteria.items() if code in known}


def publish_project(project: Project, actor: Any, criteria: dict[str, dict[str, Any]], note: str = "") -> Project:
    """Publish a nominated project in the demonstration library after a review against every criterion."""
    require_coordinator(actor)
    _library_step(project, "published")
    reviewed = _check_review(criteria, publishing=True)
    if not project.counted:
        raise InvalidInput({"partners": [NOT_COUNTED]})
    now = utcnow()
    project.library_status, project.review_notes = "published", reviewed
    project.reviewed_at, project.reviewer_id, project.published_at = now, actor.id, now
    project.decline_reason = None
    _record(project, actor, "published", occurred_on=local_today(), note=note)
    db.session.flush()
    _tell_partners(
        project,
        f"「{project.title}」已入选校企合作示范项目库",
        "祝贺！贵单位参与的合作项目已通过审核，在示范项目库中向社会公开。",
        f"/library/{project.id}",
    )
    return project


def decline_project(
    project: Project, actor: Any, reason: str, criteria: dict[str, dict[str, Any]] | None = None
) -> Project:
    """Decline a nominated project, with the reason the partners are told."""
    require_coordinator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [Message("请填写未入选的理由。", "Give the reason.")]})
    _library_step(project, "declined")
    reviewed = _check_review(criteria or {}, publishing=False)
    project.library_status, project.review_notes, project.decline_reason = "declined", reviewed, reason
    project.reviewed_at, project.reviewer_id = utcnow(), actor.id
    _record(project, actor, "declined", occurred_on=local_today(), note=reason)
    db.session.flush()
    _tell_partners(
        project,
        f"「{project.title}」本次未入选校企合作示范项目库",
        f"理由：{reason}\n完善后可再次推荐。",
        f"/projects/{project.id}",
    )
    return project


# --- lists ---------------------------------------------------------------------------------


def visible_projects(viewer: Any) -> Select:
    """Projects a viewer may see: all for coordinators, their organization's for members, none otherwise."""
    stmt = select(Project)
    if viewer is not None and viewer.is_coordinator:
        return stmt
    if viewer is not None and viewer.organization_id is not None:
        return stmt.where(Project.partners.any(ProjectPartner.organization_id == viewer.organization_id))
    return stmt.where(Project.id.is_(None))


def _filtered(stmt: Select, filters: dict[str, Any]) -> Select:
    if filters.get("type"):
        stmt = stmt.where(Project.type_code.in_(filters["type"]))
    if filters.get("status"):
        stmt = stmt.where(Project.status.in_(filters["status"]))
    if filters.get("sector"):
        stmt = stmt.where(Project.sector_links.any(ProjectSector.sector_code.in_(filters["sector"])))
    if filters.get("region"):
        stmt = stmt.where(Project.region_code.in_(get_taxonomy().region_and_descendants(filters["region"])))
    if filters.get("organization_id") is not None:
        stmt = stmt.where(Project.partners.any(ProjectPartner.organization_id == filters["organization_id"]))
    if filters.get("event_id") is not None:
        stmt = stmt.where(Project.event_id == filters["event_id"])
    if filters.get("counted") is not None:
        waiting = Project.partners.any(ProjectPartner.confirmed_at.is_(None))
        stmt = stmt.where(~waiting if filters["counted"] else waiting)
    if filters.get("library_status"):
        stmt = stmt.where(Project.library_status == filters["library_status"])
    if filters.get("school_kind"):
        stmt = stmt.where(
            Project.partners.any(
                ProjectPartner.organization.has(
                    (Organization.kind == "school") & (Organization.subtype == filters["school_kind"])
                )
            )
        )
    return stmt


def list_projects(filters: dict[str, Any], viewer: Any) -> Pagination:
    """One page of the projects the viewer may see, matching the filters, newest first."""
    stmt = _filtered(visible_projects(viewer), filters).order_by(Project.id.desc())
    return db.paginate(stmt, page=filters.get("page", 1), per_page=filters.get("page_size", 20), error_out=False)


def list_library(filters: dict[str, Any]) -> Pagination:
    """One page of the demonstration library (published entries), most recently published first."""
    stmt = _filtered(select(Project).where(Project.library_status == "published"), filters)
    stmt = stmt.order_by(Project.published_at.desc(), Project.id.desc())
    return db.paginate(stmt, page=filters.get("page", 1), per_page=filters.get("page_size", 20), error_out=False)


def review_queue() -> list[Project]:
    """Nominated projects waiting for review, oldest nomination first."""
    return list(
        db.session.scalars(
            select(Project).where(Project.library_status == "nominated").order_by(Project.nominated_at, Project.id)
        )
    )


def next_statuses(project: Project) -> list[str]:
    """The statuses the project may move to now, in lifecycle order."""
    allowed = PROJECT_STATUS.allowed.get(project.status, frozenset())
    return [s for s in PROJECT_STATUS.labels if s in allowed]


@dataclass(frozen=True)
class Step:
    """One dated step of the lifecycle, for the project page."""

    status: str
    label: str
    occurred_on: date | None
    done: bool
    current: bool


def lifecycle(project: Project) -> list[Step]:
    """The lifecycle path with the date each step was reached (终止 replaces the steps not reached)."""
    reached = {e.to_status: e.occurred_on for e in project.history if e.to_status}
    path = ["agreement", "approved", "in_progress", "closed"]
    if project.status == "stopped":
        path = [s for s in path if s in reached] + ["stopped"]
    return [Step(s, PROJECT_STATUS.labels[s], reached.get(s), s in reached, s == project.status) for s in path]


# --- helpers -------------------------------------------------------------------------------


def _record(project: Project, actor: Any, kind: str, **values: Any) -> ProjectChange:
    step = ProjectChange(kind=kind, actor_id=getattr(actor, "id", None), at=utcnow(), **values)
    project.history.append(step)
    return step


def _ask_to_confirm(project: Project, organizations: Iterable[Organization]) -> None:
    for org in organizations:
        notifications.notify(
            members_of(org),
            "project",
            f"请确认合作项目「{project.title}」",
            "贵单位被列为该校企合作项目的合作单位，请核对项目信息并确认参与；全部合作单位确认后项目才计入统计。",
            f"/projects/{project.id}",
        )


def _tell_partners(project: Project, title: str, body: str, link: str) -> None:
    users = [user for partner in project.partners for user in members_of(partner.organization)]
    notifications.notify(users, "project", title, body, link)
