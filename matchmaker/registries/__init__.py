"""The pilot policy's registries (政策台账) and targets (黔发改社会〔2020〕472号).

Four registries — industry mentors, teachers' enterprise practice, alliances, pilot
designations — share one mechanism (`core.Registry`): each is described once in
`definitions.py`, and listing, filtering, counting, export, import and entry are the same code
for all. Beside them: the six-month rule for teachers' practice (`practice.py`), the targets and
the 规上企业 participation (`targets.py`), and the public directory of pilot enterprises.

For dashboards: `target_progress(on)` and `large_enterprise_participation(on, period)`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from matchmaker.errors import Message, NotFound
from matchmaker.models import Organization, OrganizationSector, PilotDesignation
from matchmaker.registries.core import (
    Registry,
    RegistryImportReport,
    all_rows,
    count_rows,
    create_row,
    delete_row,
    export_workbook,
    filtered_rows,
    get_row,
    import_rows,
    list_rows,
    may_write,
    read_uploaded,
    update_row,
)
from matchmaker.registries.definitions import ALLIANCES, DESIGNATIONS, MENTORS, REGISTRIES, TEACHER_PRACTICE
from matchmaker.registries.practice import RULE, SIX_MONTHS_DAYS, practice_compliance
from matchmaker.registries.targets import large_enterprise_participation, pilot_targets, target_progress
from matchmaker.taxonomy import get_taxonomy


def get_registry(name: str) -> Registry:
    """The registry with this URL name, or NotFound."""
    try:
        return REGISTRIES[name]
    except KeyError:
        raise NotFound(Message("没有这个台账：{name}", "No such registry: {name}").format(name=name)) from None


def pilot_enterprise_directory(filters: dict[str, Any]) -> Select:
    """The public directory (产教融合型企业名录): every 产教融合型企业 designation, newest first.

    Filters: `region` (a prefecture includes its counties), `sector`, `level`.
    """
    stmt = select(PilotDesignation).where(PilotDesignation.kind == "enterprise")
    if filters.get("region"):
        stmt = stmt.where(PilotDesignation.region_code.in_(get_taxonomy().region_and_descendants(filters["region"])))
    if filters.get("sector"):
        stmt = stmt.where(
            PilotDesignation.organization.has(
                Organization.sector_links.any(OrganizationSector.sector_code == filters["sector"])
            )
        )
    if filters.get("level"):
        stmt = stmt.where(PilotDesignation.level == filters["level"])
    return stmt.order_by(PilotDesignation.designated_on.desc(), PilotDesignation.id.desc())


__all__ = [
    "ALLIANCES",
    "DESIGNATIONS",
    "MENTORS",
    "REGISTRIES",
    "RULE",
    "SIX_MONTHS_DAYS",
    "TEACHER_PRACTICE",
    "Registry",
    "RegistryImportReport",
    "all_rows",
    "count_rows",
    "create_row",
    "delete_row",
    "export_workbook",
    "filtered_rows",
    "get_registry",
    "get_row",
    "import_rows",
    "large_enterprise_participation",
    "list_rows",
    "may_write",
    "pilot_enterprise_directory",
    "pilot_targets",
    "practice_compliance",
    "read_uploaded",
    "target_progress",
    "update_row",
]
