"""Cooperation projects (合作项目) for members and coordinators, the library review desk, and the public
demonstration library (示范项目库).

Forms are validated with the API's schemas (`schemas/projects.py`); the rules live in
`matchmaker.projects`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError, fields
from sqlalchemy import select

from matchmaker import projects
from matchmaker.errors import InvalidInput, flatten_errors
from matchmaker.extensions import db
from matchmaker.models import Organization, Project, User
from matchmaker.models.projects import FIGURES, INVESTMENTS
from matchmaker.schemas.projects import (
    DeclineSchema,
    LibraryArgsSchema,
    NominateSchema,
    ProjectCreateSchema,
    ProjectListArgsSchema,
    ProjectUpdateSchema,
    PublishSchema,
    StatusStepSchema,
    major_label,
    occupation_label,
)
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transitions import LIBRARY_STATUS, PROJECT_STATUS
from matchmaker.web.pages import FieldErrors, coordinator_required, field_errors, form_data, form_options, viewer
from matchmaker.web.transaction import attempt

bp = Blueprint("cooperation", __name__)

FIGURE_NAMES = {
    "students_trained": "培养学生（人）",
    "apprentices": "学徒（人）",
    "teachers_placed": "教师企业实践（人次）",
    "mentors": "产业导师（人）",
    "school_investment": "院校投入（元）",
    "enterprise_investment": "企业投入（元）",
}
# What the history's 修改信息 entries name (the service records the changed fields' names).
FIELD_NAMES = {
    "ref": "编号",
    "title": "项目名称",
    "type_code": "合作类型",
    "description": "项目简介",
    "region_code": "地区",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    **FIGURE_NAMES,
    "outcomes": "合作成果",
    "documents": "相关文件",
    "majors": "涉及专业",
    "occupations": "涉及职业",
    "sectors": "服务产业",
    "partners": "合作单位",
}
TEXT_FIELDS = (
    "title",
    "type_code",
    "description",
    "region",
    "starts_on",
    "ends_on",
    "outcomes",
    *FIGURES,
    *INVESTMENTS,
)
DOCUMENT_ROWS = 3
PARTNER_ROWS = 3
SPLIT = re.compile(r"[\s,，、;；]+")


@bp.context_processor
def helpers() -> dict[str, Any]:
    taxonomy = get_taxonomy()
    return {
        "type_names": {code: t.name for code, t in taxonomy.cooperation_types.items()},
        "role_names": {code: t.name for code, t in taxonomy.partner_roles.items()},
        "criteria": list(taxonomy.library_criteria.values()),
        "status_names": PROJECT_STATUS.labels,
        "library_names": LIBRARY_STATUS.labels,
        "figure_names": FIGURE_NAMES,
        "history_names": projects.KIND_NAMES,
        "field_names": FIELD_NAMES,
        "major_label": major_label,
        "occupation_label": occupation_label,
    }


# --- lists ---------------------------------------------------------------------------------


def validated(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`data` loaded by the API's schema; its field errors as InvalidInput."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput(error.messages) from None


def list_args(schema: Any) -> dict[str, Any]:
    """The query string as the list filters; bad filters are dropped (a page, not an API answer)."""
    raw: dict[str, Any] = {}
    for key, field in schema.fields.items():
        values = [v for v in request.args.getlist(key) if v.strip()]
        if values:
            raw[key] = values if isinstance(field, fields.List) else values[0]
    try:
        return schema.load(raw)
    except ValidationError:
        return schema.load({})


@bp.get("/projects")
@login_required
def index():
    user = viewer()
    if not user.is_coordinator and user.organization_id is None:
        abort(403)
    args = list_args(ProjectListArgsSchema())
    page = projects.list_projects(args, user)
    return render_template("projects/list.html", page=page, args=args, options=filter_options())


def filter_options() -> dict[str, Any]:
    taxonomy = get_taxonomy()
    return {
        **form_options(),
        "types": [(code, t.name) for code, t in taxonomy.cooperation_types.items()],
        "statuses": list(PROJECT_STATUS.labels.items()),
        "school_kinds": [(s, s) for s in taxonomy.kinds["school"].subtypes],
        "roles": [(code, t.name) for code, t in taxonomy.partner_roles.items()],
    }


@bp.get("/library")
def library():
    args = list_args(LibraryArgsSchema())
    page = projects.list_library(args)
    return render_template("projects/library.html", page=page, args=args, options=filter_options())


@bp.get("/library/<int:project_id>")
def library_entry(project_id: int):
    project = projects.get_library_entry(project_id)
    return render_template("projects/library_show.html", project=project, steps=projects.lifecycle(project))


# --- create and edit -----------------------------------------------------------------------


def partner_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(
        select(Organization).where(Organization.open).order_by(Organization.kind, Organization.name)
    )
    return [(o.id, f"{o.name}（{get_taxonomy().kinds[o.kind].name}）") for o in orgs]


def submitted_project(schema: Any, *, with_partners: bool) -> dict[str, Any]:
    """The project form as the JSON the API takes, validated by the API's schema."""
    data = form_data(schema)
    for name in ("majors", "occupations"):
        data[name] = [v for v in SPLIT.split(request.form.get(name, "")) if v]
    data["sectors"] = request.form.getlist("sectors")
    data["documents"] = [
        {"title": title.strip(), "url": url.strip()}
        for title, url in zip(request.form.getlist("doc_title"), request.form.getlist("doc_url"), strict=False)
        if title.strip() or url.strip()
    ]
    if with_partners:
        data["partners"] = [{"organization_id": org, "role": role} for org, role in submitted_partners()]
    return validated(schema, data)


def submitted_partners() -> list[tuple[int, str]]:
    """(organization id, role) of the filled partner rows; a row without a role is a 合作单位."""
    roles = request.form.getlist("partner_role")
    return [
        (int(org), (roles[i] if i < len(roles) else "") or "partner")
        for i, org in enumerate(request.form.getlist("partner_org"))
        if org.strip().isdigit()
    ]


def form_values(project: Project | None) -> dict[str, Any]:
    if project is None:
        return {"sectors": [], "documents": [], "partners": [], "majors": "", "occupations": ""}
    values = {name: getattr(project, name) for name in TEXT_FIELDS if name != "region"}
    values.update(
        region=project.region_code,
        sectors=project.sectors,
        documents=project.documents,
        partners=[(p.organization_id, p.role) for p in project.partners],
        majors="\n".join(project.majors),
        occupations="\n".join(project.occupations),
    )
    return values


def typed_values() -> dict[str, Any]:
    values = {name: request.form.get(name, "") for name in TEXT_FIELDS}
    values.update(
        sectors=request.form.getlist("sectors"),
        documents=[
            {"title": t, "url": u}
            for t, u in zip(request.form.getlist("doc_title"), request.form.getlist("doc_url"), strict=False)
            if t or u
        ],
        partners=submitted_partners(),
        majors=request.form.get("majors", ""),
        occupations=request.form.get("occupations", ""),
    )
    return values


def render_form(project: Project | None, values: dict[str, Any], errors: FieldErrors, status: int = 200, **extra: Any):
    return render_template(
        "projects/form.html",
        project=project,
        values=values,
        errors=errors,
        options=filter_options(),
        partner_choices=partner_choices(),
        document_rows=DOCUMENT_ROWS,
        partner_rows=PARTNER_ROWS,
        **extra,
    ), status


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def create():
    user = viewer()
    if not user.is_coordinator and user.organization_id is None:
        abort(403)
    meeting_id = request.values.get("meeting", "")
    meeting = projects.find_meeting(int(meeting_id)) if meeting_id.isdigit() else None
    source = None
    if meeting is not None:
        projects.check_meeting_source(meeting, user)
        source = projects.meeting_defaults(meeting)
    if request.method == "GET":
        values = form_values(None)
        if source:
            values.update(title=source["title"], region=source["region"], sectors=source["sectors"])
        return render_form(None, values, {}, meeting=meeting, source=source)
    try:
        data = submitted_project(ProjectCreateSchema(), with_partners=meeting is None)
        project = projects.create_project(data, user, meeting=meeting)
    except InvalidInput as error:
        return render_form(None, typed_values(), field_errors(error), 400, meeting=meeting, source=source)
    flash("已创建合作项目。" + ("其他合作单位确认后，项目计入统计。" if not project.counted else ""))
    return redirect(url_for(".show", project_id=project.id))


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    user = viewer()
    project = projects.get_visible_project(user, project_id)
    projects.require_editor(project, user)
    if request.method == "GET":
        return render_form(project, form_values(project), {})
    try:
        data = submitted_project(ProjectUpdateSchema(), with_partners=True)
        if unchanged_partners(project, data.get("partners")):
            del data["partners"]  # the form always sends them: leave them out of the history when untouched
        projects.update_project(project, data, user, data.get("version"))
    except InvalidInput as error:
        return render_form(project, typed_values(), field_errors(error), 400)
    flash("已保存。")
    return redirect(url_for(".show", project_id=project.id))


def unchanged_partners(project: Project, submitted: list[dict[str, Any]] | None) -> bool:
    if submitted is None:
        return False
    current = sorted((p.organization_id, p.role) for p in project.partners)
    return sorted((p.get("organization_id"), p.get("role") or "partner") for p in submitted) == current


# --- the project page and its actions ------------------------------------------------------


def render_show(project: Project, errors: FieldErrors | None = None, status: int = 200):
    user = viewer()
    mine = next((p for p in project.partners if p.organization_id == user.organization_id), None)
    return render_template(
        "projects/show.html",
        project=project,
        steps=projects.lifecycle(project),
        history=project.history,
        next_statuses=projects.next_statuses(project) if projects.can_edit(project, user) else [],
        can_edit=projects.can_edit(project, user),
        waiting_for_me=mine is not None and mine.confirmed_at is None,
        recorders=recorders(project),
        errors=errors or {},
    ), status


def recorders(project: Project) -> dict[int, str]:
    """Who recorded each history entry, as partners know them: their organization, or 协调员."""
    ids = {e.actor_id for e in project.history if e.actor_id is not None}
    users = db.session.scalars(select(User).where(User.id.in_(ids))) if ids else []
    return {u.id: "协调员" if u.is_coordinator or u.organization is None else u.organization.name for u in users}


@bp.get("/projects/<int:project_id>")
@login_required
def show(project_id: int):
    return render_show(projects.get_visible_project(viewer(), project_id))


@bp.post("/projects/<int:project_id>/status")
@login_required
def change_status(project_id: int):
    user = viewer()
    project = projects.get_visible_project(user, project_id)
    try:
        data = load(StatusStepSchema())
        with attempt():
            projects.set_project_status(
                project,
                data["status"],
                user,
                occurred_on=data.get("occurred_on"),
                note=data["note"],
                seen_version=data.get("version"),
            )
    except InvalidInput as error:
        db.session.refresh(project)
        return render_show(project, field_errors(error), 400)
    flash(f"项目状态已改为「{PROJECT_STATUS.labels[project.status]}」。")
    return redirect(url_for(".show", project_id=project.id))


def load(schema: Any) -> dict[str, Any]:
    """A small form (status step, library decision) validated by the API's schema."""
    return validated(schema, form_data(schema))


@bp.post("/projects/<int:project_id>/confirm")
@login_required
def confirm(project_id: int):
    user = viewer()
    project = projects.get_visible_project(user, project_id)
    projects.confirm_partnership(project, user)
    flash("已确认贵单位参与该项目。" + ("全部合作单位均已确认，项目计入统计。" if project.counted else ""))
    return redirect(url_for(".show", project_id=project.id))


# --- the library desk (coordinators) -------------------------------------------------------


@bp.post("/projects/<int:project_id>/nominate")
@coordinator_required
def nominate(project_id: int):
    project = projects.get_visible_project(viewer(), project_id)
    try:
        with attempt():
            projects.nominate_project(project, viewer(), load(NominateSchema())["note"])
    except InvalidInput as error:
        db.session.refresh(project)
        return render_show(project, field_errors(error), 400)
    flash("已推荐入库，等待审核。")
    return redirect(url_for(".review", project_id=project.id))


@bp.get("/projects/review")
@coordinator_required
def review_queue():
    return render_template("projects/review_queue.html", queue=projects.review_queue())


def criteria_from_form() -> dict[str, dict[str, Any]]:
    return {
        c: {"met": request.form.get(f"met_{c}") == "1", "note": request.form.get(f"note_{c}", "")}
        for c in get_taxonomy().library_criteria
        if f"met_{c}" in request.form or request.form.get(f"note_{c}", "").strip()
    }


@bp.route("/projects/<int:project_id>/review", methods=["GET", "POST"])
@coordinator_required
def review(project_id: int):
    user = viewer()
    project = projects.get_visible_project(user, project_id)
    if request.method == "GET":
        return render_review(project, {}, project.review_notes or {}, "")
    decision = request.form.get("decision")
    criteria = criteria_from_form()
    reason = request.form.get("reason", "")
    try:
        if decision == "publish":
            data = validated(PublishSchema(), {"criteria": criteria, "note": reason})
            projects.publish_project(project, user, data["criteria"], data["note"])
        else:
            data = validated(DeclineSchema(), {"criteria": criteria, "reason": reason})
            projects.decline_project(project, user, data["reason"], data["criteria"])
    except InvalidInput as error:
        return render_review(project, field_errors(error) | by_criterion(error), criteria, reason, 400)
    flash("已入选示范项目库并公开。" if decision == "publish" else "已记录未入选及理由，并通知合作单位。")
    return redirect(url_for(".review_queue"))


def by_criterion(error: InvalidInput) -> FieldErrors:
    """`criteria.<code>[.met|.note]` errors by criterion (`criterion_<code>`), to show beside each one."""
    found: FieldErrors = {}
    for path, message in flatten_errors(error.fields):
        parts = path.split(".")
        if parts[0] == "criteria" and len(parts) > 1:
            found.setdefault(f"criterion_{parts[1]}", []).append(message)
    return found


def render_review(project: Project, errors: FieldErrors, reviewed: dict[str, Any], reason: str, status: int = 200):
    return render_template(
        "projects/review.html",
        project=project,
        steps=projects.lifecycle(project),
        errors=errors,
        reviewed=reviewed,
        reason=reason,
    ), status
