"""/api/v1/registries/<registry>: the policy registries (政策台账), one set of routes per registry.

Every registry gets the same routes (list, create, read, change, delete, counts, Excel export,
import) from its description (`matchmaker.registries.REGISTRIES`), each documented with that
registry's own schemas. All need a bearer token: coordinators read and write everything;
members read the entries concerning their organization and, for mentor posts and teacher
placements, record entries for it.
"""

from __future__ import annotations

import io
from typing import Any

from flask import send_file

from matchmaker import registries
from matchmaker.errors import PermissionDenied
from matchmaker.registries import Registry
from matchmaker.schemas.common import page_schema
from matchmaker.schemas.registries import (
    ImportArgsSchema,
    ImportFileSchema,
    RegistryCountsSchema,
    RegistryImportReportSchema,
    TargetsArgsSchema,
)
from matchmaker.web.api.blueprint import Blueprint
from matchmaker.web.auth import require_api_user

URL = "/registries"
blp = Blueprint(
    "api_registries",  # the pages' blueprint is "registries"
    __name__,
    description="The pilot policy's registries (政策台账): industry mentors, teachers' enterprise practice, "
    "alliances and pilot designations; and the pilot's targets.",
)
AUTH = [{"bearerAuth": []}]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_routes(registry: Registry) -> None:
    """Register the routes of one registry, documented with its schemas."""
    name, title, label = registry.name, registry.title, registry.label
    endpoint = name.replace("-", "_")
    doc = {"security": AUTH, "tags": [f"registries: {name}"]}

    @blp.route(f"/{name}", methods=["GET"], endpoint=f"{endpoint}_list")
    @blp.arguments(registry.args_schema, location="query")
    @blp.response(200, page_schema(registry.out_schema, f"{title}Page"))
    @blp.doc(summary=f"List {label} entries (filtered)", **doc)
    def list_entries(args: dict[str, Any]) -> Any:
        return registries.list_rows(registry, args, require_api_user())

    @blp.route(f"/{name}", methods=["POST"], endpoint=f"{endpoint}_create")
    @blp.arguments(registry.in_schema)
    @blp.response(201, registry.out_schema)
    @blp.doc(summary=f"Record a {label} entry", **doc)
    def create_entry(data: dict[str, Any]) -> Any:
        return registries.create_row(registry, data, require_api_user())

    @blp.route(f"/{name}/<int:row_id>", methods=["GET"], endpoint=f"{endpoint}_get")
    @blp.response(200, registry.out_schema)
    @blp.doc(summary=f"Read a {label} entry", **doc)
    def get_entry(row_id: int) -> Any:
        return registries.get_row(registry, row_id, require_api_user())

    @blp.route(f"/{name}/<int:row_id>", methods=["PATCH"], endpoint=f"{endpoint}_update")
    @blp.arguments(registry.in_schema(partial=True))
    @blp.response(200, registry.out_schema)
    @blp.doc(summary=f"Change a {label} entry", **doc)
    def update_entry(data: dict[str, Any], row_id: int) -> Any:
        actor = require_api_user()
        return registries.update_row(registry, registries.get_row(registry, row_id, actor), data, actor)

    @blp.route(f"/{name}/<int:row_id>", methods=["DELETE"], endpoint=f"{endpoint}_delete")
    @blp.response(204)
    @blp.doc(summary=f"Delete a {label} entry", **doc)
    def delete_entry(row_id: int) -> None:
        actor = require_api_user()
        registries.delete_row(registry, registries.get_row(registry, row_id, actor), actor)

    @blp.route(f"/{name}/counts", methods=["GET"], endpoint=f"{endpoint}_counts")
    @blp.arguments(registry.args_schema, location="query")
    @blp.response(200, RegistryCountsSchema)
    @blp.doc(summary=f"Count {label} entries by school, sector and region (filtered)", **doc)
    def count_entries(args: dict[str, Any]) -> Any:
        return registries.count_rows(registry, registries.all_rows(registry, args, require_api_user()))

    @blp.route(f"/{name}/export.xlsx", methods=["GET"], endpoint=f"{endpoint}_export")
    @blp.arguments(registry.args_schema, location="query")
    @blp.doc(
        summary=f"The filtered {label} entries as an Excel workbook",
        responses={"200": {"description": "An .xlsx file", "content": {XLSX: {"schema": {"type": "string"}}}}},
        **doc,
    )
    def export_entries(args: dict[str, Any]) -> Any:
        content = registries.export_workbook(registry, registries.all_rows(registry, args, require_api_user()))
        return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")

    @blp.route(f"/{name}/import", methods=["POST"], endpoint=f"{endpoint}_import")
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, RegistryImportReportSchema)
    @blp.doc(
        summary=f"Import {label} entries from a CSV or .xlsx file (all rows, or none unless skip_invalid)",
        description="Columns are the input fields or the export's Chinese headers. `written` says whether "
        "anything was recorded; `errors` name each refused row's line and fields.",
        **doc,
    )
    def import_entries(args: dict[str, Any], files: dict[str, Any]) -> Any:
        actor = require_api_user()
        upload = files["file"]
        rows = registries.read_uploaded(upload.stream, upload.filename or "")
        report = registries.import_rows(
            registry, rows, actor, skip_invalid=args["skip_invalid"], dry_run=args["dry_run"]
        )
        return report.to_dict()


for _registry in registries.REGISTRIES.values():
    add_routes(_registry)


@blp.get("/targets")
@blp.arguments(TargetsArgsSchema, location="query")
@blp.doc(security=AUTH)
def targets(args: dict[str, Any]) -> Any:
    """The pilot's targets with the designations counted towards them, and the 规上企业 participation (coordinators)."""
    if not require_api_user().is_coordinator:
        raise PermissionDenied()
    progress = registries.target_progress(args.get("on"))
    participation = registries.large_enterprise_participation(args.get("on"), args["period"])
    return {
        "source": registries.pilot_targets()["source"],
        "targets": [
            {
                "kind": p.kind,
                "label": p.label,
                "deadline": p.deadline.isoformat(),
                "minimum": p.minimum,
                "achieved": p.achieved,
                "current": p.current,
                "met": p.met,
            }
            for p in progress
        ],
        "large_enterprise_participation": [
            {
                "period": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "registered": p.registered,
                "participating": p.participating,
                "share": round(p.share, 4),
            }
            for p in participation
        ],
    }
