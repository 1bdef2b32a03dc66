"""Registry pages (政策台账): one list, form, import and export for every registry, driven by its description;
the coordinators' targets page; and the public directory of pilot enterprises (产教融合型企业名录).

Coordinators see and keep every registry. Members of a school or an enterprise see the entries
concerning their organization and record mentor posts and teacher placements for it.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from marshmallow import ValidationError, fields
from sqlalchemy import select

from matchmaker import registries
from matchmaker.errors import InvalidInput, PermissionDenied
from matchmaker.exports import cell_value
from matchmaker.extensions import db
from matchmaker.models import Alliance, Organization, local_today
from matchmaker.models.registries import ALLIANCE_ROLES, DESIGNATION_LEVELS
from matchmaker.registries import Registry
from matchmaker.registries.core import Column, require_writer
from matchmaker.registries.definitions import format_members, parse_members
from matchmaker.schemas.registries import LabeledChoice, RegistryArgsSchema, TargetsArgsSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.web.api.registries import XLSX
from matchmaker.web.pages import (
    coordinator_required,
    field_errors,
    form_data,
    form_options,
    load_form,
    viewer,
)
from matchmaker.web.pages.coordinator import filter_options, page_url
from matchmaker.web.transaction import attempt

bp = Blueprint("registries", __name__)
COMMON_FILTERS = set(RegistryArgsSchema().fields)
FILTER_LABELS = {"q": "关键词", "active_on": "在岗日期", "on": "判定日期", "level": "层级", "kind": "类别"}
ORGANIZATION_FIELDS = ("school", "enterprise", "lead", "organization")


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"page_url": page_url, "cell": cell}


def cell(column: Column, row: Any) -> Any:
    """A row's value in a column as the list shows it: as the export writes it."""
    return cell_value(column.value(row))


def registry_or_404(name: str) -> Registry:
    if name not in registries.REGISTRIES:
        abort(404)
    return registries.REGISTRIES[name]


# --- the registries ---------------------------------------------------------------------------


@bp.get("/registries")
@login_required
def index():
    user = viewer()
    totals = {
        name: registries.count_rows(registry, registries.all_rows(registry, {}, user))["total"]
        for name, registry in registries.REGISTRIES.items()
    }
    return render_template(
        "registries/index.html",
        registries=registries.REGISTRIES,
        totals=totals,
        writable={name: registries.may_write(r, user) for name, r in registries.REGISTRIES.items()},
    )


@bp.get("/registries/<name>")
@login_required
def entry_list(name: str):
    registry = registry_or_404(name)
    try:
        filters = load_form(registry.args_schema(), request.args)
    except InvalidInput as error:
        return render_list(registry, None, field_errors(error)), 422
    return render_list(registry, filters, {})


def render_list(registry: Registry, filters: dict[str, Any] | None, errors: dict[str, Any]) -> str:
    user = viewer()
    context: dict[str, Any] = {"listed": None, "counts": None, "practice": None}
    if filters is not None:
        rows = registries.all_rows(registry, filters, user)
        context.update(
            listed=registries.list_rows(registry, filters, user), counts=registries.count_rows(registry, rows)
        )
        if registry is registries.TEACHER_PRACTICE:
            context["practice_on"] = filters.get("on") or local_today()
            context["practice"] = registries.practice_compliance(
                context["practice_on"], {row.school_id for row in rows}
            )
    return render_template(
        "registries/list.html",
        registry=registry,
        errors=errors,
        filter_fields=own_filters(registry),
        options=choices(),
        editable=lambda row: may_change(registry, row),
        writable=registries.may_write(registry, user),
        rule=registries.RULE,
        six_months=registries.SIX_MONTHS_DAYS,
        **context,
    )


def own_filters(registry: Registry) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(name, label, input type, choices) of the registry's own filters beyond school, enterprise, sector and region."""
    result = []
    for name, field in registry.args_schema().fields.items():
        if name in COMMON_FILTERS:
            continue
        if isinstance(field, LabeledChoice):
            result.append((name, FILTER_LABELS.get(name, name), "choice", list(field.labels.items())))
        elif isinstance(field, fields.Date):
            result.append((name, FILTER_LABELS.get(name, name), "date", []))
        else:
            result.append((name, FILTER_LABELS.get(name, name), "text", []))
    return result


def may_change(registry: Registry, row: Any) -> bool:
    try:
        require_writer(registry, row, viewer())
    except PermissionDenied:
        return False
    return True


def choices() -> dict[str, Any]:
    """Options of the registry forms and filters: organizations by kind, alliances, regions, sectors."""
    orgs = db.session.execute(
        select(Organization.id, Organization.name, Organization.kind).order_by(Organization.name)
    ).all()
    options = filter_options()
    return {
        **form_options(),
        "schools": [(str(i), n) for i, n, kind in orgs if kind == "school"],
        "enterprises": [(str(i), n) for i, n, kind in orgs if kind == "enterprise"],
        "organizations": [(str(i), n) for i, n, _ in orgs],
        "alliances": [
            (str(i), n) for i, n in db.session.execute(select(Alliance.id, Alliance.name).order_by(Alliance.name))
        ],
        "sector_filter": options["sector"],
        "region_filter": options["region"],
        "roles": ALLIANCE_ROLES,
    }


@bp.get("/registries/<name>/export.xlsx")
@login_required
def export(name: str):
    registry = registry_or_404(name)
    try:
        filters = load_form(registry.args_schema(), request.args)
    except InvalidInput as error:
        return render_list(registry, None, field_errors(error)), 422
    content = registries.export_workbook(registry, registries.all_rows(registry, filters, viewer()))
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=f"{registry.name}.xlsx")


# --- entry by form ------------------------------------------------------------------------------


def load_entry(registry: Registry) -> dict[str, Any]:
    """The submitted entry form, validated by the API's input schema (members: one "机构：角色" a line)."""
    schema = registry.in_schema()
    data = form_data(schema)
    for field in registry.form:
        if field.widget == "members":
            lines = request.form.get(field.name, "").splitlines()
            data[field.name] = [member for line in lines for member in parse_members(line)]
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(exc.messages) from None


def values_of(registry: Registry, row: Any) -> dict[str, Any]:
    """A row's values as the form shows them."""
    values: dict[str, Any] = {}
    for field in registry.form:
        if field.name in ORGANIZATION_FIELDS or field.widget == "alliance":
            value = getattr(row, f"{field.name}_id", None)
        elif field.widget == "region":
            value = row.region_code
        elif field.widget == "members":
            value = "\n".join(format_members(row))
        else:
            value = getattr(row, field.name, None)
        if field.widget == "sectors":
            values[field.name] = list(value or [])
        else:
            values[field.name] = "" if value is None else str(value)
    return values


def submitted(registry: Registry) -> dict[str, Any]:
    return {
        f.name: request.form.getlist(f.name) if f.widget == "sectors" else request.form.get(f.name, "")
        for f in registry.form
    }


def initial_values(registry: Registry) -> dict[str, Any]:
    """A new entry's form: the member's own organization filled in where it fits."""
    values = {f.name: [] if f.widget == "sectors" else "" for f in registry.form}
    user = viewer()
    if user is not None and user.organization is not None and user.organization.kind in values:
        values[user.organization.kind] = str(user.organization_id)
    return values


def render_form(registry: Registry, row: Any, values: dict[str, Any], errors: dict[str, Any], status: int = 200):
    return render_template(
        "registries/form.html", registry=registry, row=row, values=values, errors=errors, options=choices()
    ), status


@bp.get("/registries/<name>/new")
@login_required
def new_entry(name: str):
    registry = registry_or_404(name)
    if not registries.may_write(registry, viewer()):
        abort(403)
    return render_form(registry, None, initial_values(registry), {})


@bp.post("/registries/<name>/new")
@login_required
def create_entry(name: str):
    registry = registry_or_404(name)
    try:
        with attempt():
            registries.create_row(registry, load_entry(registry), viewer())
    except InvalidInput as error:
        return render_form(registry, None, submitted(registry), field_errors(error), 422)
    flash(f"已登记一条{registry.label}记录。")
    return redirect(url_for(".entry_list", name=registry.name))


@bp.get("/registries/<name>/<int:row_id>/edit")
@login_required
def edit_entry(name: str, row_id: int):
    registry = registry_or_404(name)
    row = registries.get_row(registry, row_id, viewer())
    require_writer(registry, row, viewer())
    return render_form(registry, row, values_of(registry, row), {})


@bp.post("/registries/<name>/<int:row_id>/edit")
@login_required
def update_entry(name: str, row_id: int):
    registry = registry_or_404(name)
    row = registries.get_row(registry, row_id, viewer())
    try:
        with attempt():
            registries.update_row(registry, row, load_entry(registry), viewer())
    except InvalidInput as error:
        return render_form(registry, row, submitted(registry), field_errors(error), 422)
    flash(f"已保存{registry.label}记录。")
    return redirect(url_for(".entry_list", name=registry.name))


@bp.post("/registries/<name>/<int:row_id>/delete")
@login_required
def delete_entry(name: str, row_id: int):
    registry = registry_or_404(name)
    registries.delete_row(registry, registries.get_row(registry, row_id, viewer()), viewer())
    flash(f"已删除一条{registry.label}记录。")
    return redirect(url_for(".entry_list", name=registry.name))


# --- import ---------------------------------------------------------------------------------------


@bp.get("/registries/<name>/import")
@login_required
def import_form(name: str):
    registry = registry_or_404(name)
    if not registries.may_write(registry, viewer()):
        abort(403)
    return render_template("registries/import.html", registry=registry, errors={}, report=None)


@bp.post("/registries/<name>/import")
@login_required
def import_file(name: str):
    registry = registry_or_404(name)
    if not registries.may_write(registry, viewer()):
        abort(403)
    upload = request.files.get("file")
    try:
        rows = registries.read_uploaded(upload.stream if upload else None, upload.filename if upload else "")
    except InvalidInput as error:
        return render_template(
            "registries/import.html", registry=registry, errors=field_errors(error), report=None
        ), 422
    report = registries.import_rows(
        registry,
        rows,
        viewer(),
        skip_invalid=request.form.get("skip_invalid") == "1",
        dry_run=request.form.get("dry_run") == "1",
    )
    return render_template(
        "registries/import.html",
        registry=registry,
        errors={},
        report=report,
        dry_run=request.form.get("dry_run") == "1",
        filename=upload.filename,
    )


# --- targets and the public directory ----------------------------------------------------------------


@bp.get("/coordinator/targets")
@coordinator_required
def targets():
    try:
        args = load_form(TargetsArgsSchema(), request.args)
    except InvalidInput as error:
        args, errors = {"period": "year"}, field_errors(error)
    else:
        errors = {}
    return render_template(
        "registries/targets.html",
        progress=registries.target_progress(args.get("on")),
        participation=registries.large_enterprise_participation(args.get("on"), args["period"]),
        source=registries.pilot_targets()["source"],
        period=args["period"],
        on=args.get("on"),
        errors=errors,
    )


@bp.get("/pilot-enterprises")
def pilot_enterprises():
    taxonomy = get_taxonomy()
    args = request.args
    filters: dict[str, Any] = {}
    if args.get("region") in taxonomy.regions:
        filters["region"] = args["region"]
    if args.get("sector") in taxonomy.sectors:
        filters["sector"] = args["sector"]
    if args.get("level") in DESIGNATION_LEVELS:
        filters["level"] = args["level"]
    listed = db.paginate(
        registries.pilot_enterprise_directory(filters), page=page_number(args), per_page=50, error_out=False
    )
    options = filter_options()
    return render_template(
        "registries/pilot_enterprises.html",
        listed=listed,
        levels=DESIGNATION_LEVELS,
        regions=options["region"],
        sectors=options["sector"],
        taxonomy=taxonomy,
    )


def page_number(args: Any) -> int:
    page = args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1
