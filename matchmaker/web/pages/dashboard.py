"""The coordinators' supply–demand dashboard (供需看板): charts, their tables and Excel exports."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from matchmaker import registries, reports
from matchmaker.errors import InvalidInput
from matchmaker.reports import ReportFilters
from matchmaker.schemas.reports import DashboardArgsSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.web.pages import coordinator_required, field_errors, load_form, viewer

bp = Blueprint("dashboard", __name__, url_prefix="/coordinator/dashboard")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Each chart by the name its export link uses: the report behind it.
CHARTS: dict[str, Callable[[ReportFilters], Any]] = {
    "regions": reports.sector_region_grid,
    "categories": reports.by_category,
    "months": reports.by_month,
    "headcount": reports.headcount_by_sector,
    "events": reports.event_funnel,
}


def read_filters() -> tuple[ReportFilters, dict[str, Any]]:
    """The filters in the query string, or none (with the errors to show beside the inputs)."""
    try:
        return load_form(DashboardArgsSchema(), request.args), {}
    except InvalidInput as error:
        return ReportFilters(), field_errors(error)


@bp.get("")
@coordinator_required
def show():
    filters, errors = read_filters()
    found = {name: report(filters) for name, report in CHARTS.items()}
    snapshot = reports.latest_unmatched_snapshot()
    return render_template(
        "dashboard/dashboard.html",
        filters=filters,
        errors=errors,
        options=filter_options(),
        reports=found,
        tables={name: report.table() for name, report in found.items()},
        charts=chart_data(found),
        snapshot=snapshot,
        unmatched=snapshot.filtered(filters) if snapshot else [],
        job=reports.unmatched_job_under_way(),
        query=request.args.to_dict(),
        taxonomy=get_taxonomy(),
        targets=registries.target_progress(),
        target_source=registries.pilot_targets()["source"],
        participation=(registries.large_enterprise_participation(None, "year") or [None])[-1],
    ), (422 if errors else 200)


@bp.get("/<name>.xlsx")
@coordinator_required
def export(name: str):
    """One chart's data, under the same filters as the page it was linked from."""
    if name == "unmatched":
        snapshot = reports.latest_unmatched_snapshot()
        if snapshot is None:
            abort(404)
        filters, _ = read_filters()
        table = snapshot.table(filters)
    elif name in CHARTS:
        filters, _ = read_filters()
        table = CHARTS[name](filters).table()
    else:
        abort(404)
    body = reports.table_xlsx(table)
    return send_file(BytesIO(body), mimetype=XLSX, as_attachment=True, download_name=f"{table.title}.xlsx")


@bp.post("/unmatched")
@coordinator_required
def recompute():
    reports.enqueue_unmatched_needs(viewer())
    return redirect(url_for(".show", **request.args) + "#unmatched")


def filter_options() -> dict[str, list[tuple[str, str]]]:
    taxonomy = get_taxonomy()
    return {
        "sector": [(s.code, f"{s.group_name} · {s.name}") for s in taxonomy.sectors.values()],
        "prefecture": [(r.code, r.name) for r in taxonomy.regions.values() if r.level == "prefecture"],
        "category": [(c.code, c.name) for c in taxonomy.categories.values()],
    }


def chart_data(found: dict[str, Any]) -> dict[str, Any]:
    """What dashboard.js draws, as JSON: labels and series of each chart."""
    grid, categories, months, headcount, funnel = (found[name] for name in CHARTS)
    cells = [
        [x, y, *grid.cell(sector, column)]
        for y, (sector, _) in enumerate(grid.sectors)
        for x, (column, _) in enumerate(grid.columns)
    ]
    return {
        "regions": {
            "columns": [label for _, label in grid.columns],
            "sectors": [label for _, label in grid.sectors],
            "cells": cells,  # [column index, sector index, needs, offers]
        },
        "categories": {
            "labels": [row.name for row in categories.rows],
            "needs": [row.needs for row in categories.rows],
            "offers": [row.offers for row in categories.rows],
        },
        "months": {"labels": months.months, "needs": months.needs, "offers": months.offers},
        "headcount": {
            "labels": [row.name for row in headcount.rows],
            "headcount": [row.headcount for row in headcount.rows],
            "places": [row.places for row in headcount.rows],
        },
        "events": {
            "stages": [label for _, label in reports.FUNNEL_STAGES],
            "overall": funnel.overall.stages(),
            "events": [{"title": row.title, "stages": row.stages()} for row in funnel.events],
        },
    }
