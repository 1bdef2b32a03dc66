"""/api/v1/projects: cooperation projects and the demonstration library."""

from __future__ import annotations

from dataclasses import asdict

from marshmallow import Schema, fields

from matchmaker import projects
from matchmaker.schemas.common import page_schema
from matchmaker.schemas.projects import (
    DeclineSchema,
    LibraryArgsSchema,
    LibraryEntrySchema,
    NominateSchema,
    ProjectCreateSchema,
    ProjectDetailSchema,
    ProjectListArgsSchema,
    ProjectOutSchema,
    ProjectUpdateSchema,
    PublishSchema,
    StatusStepSchema,
)
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transitions import LIBRARY_STATUS, PROJECT_STATUS
from matchmaker.web.api.blueprint import Blueprint
from matchmaker.web.auth import api_user, require_api_user

URL = "/projects"
blp = Blueprint(
    "projects",
    __name__,
    description="School–enterprise cooperation projects (校企合作项目) and the demonstration library (示范项目库). "
    "Partners' members and coordinators see their projects; everyone sees the published library.",
)
AUTH = [{"bearerAuth": []}]


class ProjectTermsSchema(Schema):
    types = fields.List(fields.Dict(), metadata={"description": "Cooperation types: code, name, hint."})
    partner_roles = fields.List(fields.Dict(), metadata={"description": "Partner roles: code, name."})
    library_criteria = fields.List(fields.Dict(), metadata={"description": "Library review criteria."})
    statuses = fields.Dict(metadata={"description": "Project status code → name."})
    next_statuses = fields.Dict(metadata={"description": "Status → the statuses it may move to."})
    library_statuses = fields.Dict()


@blp.get("/terms")
@blp.response(200, ProjectTermsSchema)
def project_terms():
    """The cooperation types, partner roles, review criteria and statuses that inputs accept."""
    taxonomy = get_taxonomy()
    return {
        "types": [asdict(t) for t in taxonomy.cooperation_types.values()],
        "partner_roles": [asdict(t) for t in taxonomy.partner_roles.values()],
        "library_criteria": [asdict(t) for t in taxonomy.library_criteria.values()],
        "statuses": dict(PROJECT_STATUS.labels),
        "next_statuses": {s: sorted(targets) for s, targets in PROJECT_STATUS.allowed.items()},
        "library_statuses": dict(LIBRARY_STATUS.labels),
    }


@blp.get("/library")
@blp.arguments(LibraryArgsSchema, location="query")
@blp.response(200, page_schema(LibraryEntrySchema, "LibraryPage"))
def list_library(args):
    """The demonstration library: published projects, for everyone."""
    return projects.list_library(args)


@blp.get("/library/<int:project_id>")
@blp.response(200, LibraryEntrySchema)
def get_library_entry(project_id):
    """One published demonstration project."""
    return projects.get_library_entry(project_id)


@blp.get("")
@blp.arguments(ProjectListArgsSchema, location="query")
@blp.response(200, page_schema(ProjectOutSchema, "ProjectPage"))
@blp.doc(security=AUTH)
def list_projects(args):
    """Your organization's projects (all of them for coordinators); empty without a token."""
    return projects.list_projects(args, api_user())


@blp.post("")
@blp.arguments(ProjectCreateSchema)
@blp.response(201, ProjectDetailSchema)
@blp.doc(security=AUTH)
def create_project(data):
    """Add a project; with `meeting_id`, from an event meeting that ended in 签订合作协议."""
    user = require_api_user()
    meeting = projects.find_meeting(data["meeting_id"]) if data.get("meeting_id") else None
    return projects.create_project(data, user, meeting=meeting)


@blp.get("/<int:project_id>")
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def get_project(project_id):
    """Read a project you are a partner of (coordinators: any)."""
    return projects.get_visible_project(api_user(), project_id)


@blp.patch("/<int:project_id>")
@blp.arguments(ProjectUpdateSchema(partial=True))
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def update_project(data, project_id):
    """Change a project's fields; send the `version` you read to refuse overwriting a change made meanwhile."""
    user = require_api_user()
    project = projects.get_visible_project(user, project_id)
    return projects.update_project(project, data, user, data.get("version"))


@blp.post("/<int:project_id>/status")
@blp.arguments(StatusStepSchema)
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def change_status(data, project_id):
    """Move the project to its next status (签订协议 → 立项 → 实施中 → 结题, or 终止), dated, with a note."""
    user = require_api_user()
    project = projects.get_visible_project(user, project_id)
    return projects.set_project_status(
        project,
        data["status"],
        user,
        occurred_on=data.get("occurred_on"),
        note=data["note"],
        seen_version=data.get("version"),
    )


@blp.post("/<int:project_id>/confirm")
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def confirm(project_id):
    """Confirm that your organization takes part; the project counts when every partner has."""
    user = require_api_user()
    project = projects.get_visible_project(user, project_id)
    projects.confirm_partnership(project, user)
    return project


@blp.post("/<int:project_id>/nominate")
@blp.arguments(NominateSchema, required=False)
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def nominate(data, project_id):
    """Coordinators: put the project in the library's review queue."""
    user = require_api_user()
    return projects.nominate_project(projects.get_visible_project(user, project_id), user, data.get("note", ""))


@blp.post("/<int:project_id>/publish")
@blp.arguments(PublishSchema)
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def publish(data, project_id):
    """Coordinators: publish a nominated project, every criterion reviewed as met with a note."""
    user = require_api_user()
    project = projects.get_visible_project(user, project_id)
    return projects.publish_project(project, user, data["criteria"], data["note"])


@blp.post("/<int:project_id>/decline")
@blp.arguments(DeclineSchema)
@blp.response(200, ProjectDetailSchema)
@blp.doc(security=AUTH)
def decline(data, project_id):
    """Coordinators: decline a nominated project; the reason is required and told to the partners."""
    user = require_api_user()
    project = projects.get_visible_project(user, project_id)
    return projects.decline_project(project, user, data["reason"], data["criteria"])
