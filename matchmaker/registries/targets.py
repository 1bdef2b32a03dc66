"""The pilot's numeric targets and the large enterprises' participation, for coordinators' pages and dashboards.

`target_progress(on)` counts pilot designations against the targets of 黔发改社会〔2020〕472号
(data file `data/taxonomy/pilot_targets.json`). Only designations of province level and above
(国家级, 省级) count: the targets are the province's, and a prefecture's own designation is not
one of them. A designation counts from its `designated_on` day.

`large_enterprise_participation(on, period)` is the share of registered 规上企业 (enterprises
with the subtype 规上企业 in organization_types.json — the platform's mark for 规模以上工业企业)
that take part in at least one active cooperation in each year or quarter.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from matchmaker.data import data_dir
from matchmaker.extensions import db
from matchmaker.models import (
    Alliance,
    MentorPost,
    Organization,
    PilotDesignation,
    Project,
    ProjectPartner,
    TeacherPlacement,
    local_today,
)
from matchmaker.models.base import LOCAL_TZ

LARGE_ENTERPRISE_SUBTYPE = "规上企业"
ACTIVE_PROJECT_STATUSES = ("agreement", "approved", "in_progress")
MAX_YEARS_SHOWN = 10


@functools.cache
def pilot_targets() -> dict[str, Any]:
    """The targets data file, read once per process."""
    return json.loads((data_dir("taxonomy") / "pilot_targets.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TargetProgress:
    kind: str  # a designation kind
    label: str  # 产教融合型企业
    unit: str  # 家
    deadline: date
    deadline_label: str  # 到2022年
    minimum: int  # the target
    achieved: int  # designations counted by the deadline, or by `on` if that is earlier
    current: int  # designations counted by `on` (after the deadline, more than `achieved`)
    on: date

    @property
    def met(self) -> bool:
        return self.achieved >= self.minimum

    @property
    def due(self) -> bool:
        """The deadline has passed: `achieved` is final."""
        return self.on > self.deadline

    @property
    def percent(self) -> int:
        """How far `achieved` is towards the target, capped at 100."""
        return min(100, round(100 * self.achieved / self.minimum)) if self.minimum else 100


def target_progress(on: date | None = None) -> list[TargetProgress]:
    """Each target (kind × deadline) with the designations counted towards it as of `on` (today by default).

    A designation counts when its level is in the data file's `counted_levels` (national and
    province) and it was made on or before the deadline (for `achieved`) or `on` (for `current`).
    """
    on = on or local_today()
    data = pilot_targets()
    dates = sorted({on} | {date.fromisoformat(d["date"]) for d in data["deadlines"]})
    counts = {cutoff: _designation_counts(cutoff, data["counted_levels"]) for cutoff in dates}
    progress = []
    for target in data["targets"]:
        for deadline in data["deadlines"]:
            day = date.fromisoformat(deadline["date"])
            progress.append(
                TargetProgress(
                    kind=target["kind"],
                    label=target["label"],
                    unit=target["unit"],
                    deadline=day,
                    deadline_label=deadline["label"],
                    minimum=target["minimum"][deadline["code"]],
                    achieved=counts[min(on, day)].get(target["kind"], 0),
                    current=counts[on].get(target["kind"], 0),
                    on=on,
                )
            )
    return progress


def _designation_counts(cutoff: date, levels: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        select(PilotDesignation.kind, func.count(PilotDesignation.id))
        .where(PilotDesignation.level.in_(levels), PilotDesignation.designated_on <= cutoff)
        .group_by(PilotDesignation.kind)
    )
    return dict(rows.all())


# --- large enterprises' participation ------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationPeriod:
    label: str  # 2024年, 2024年第3季度
    start: date
    end: date  # the period's last day, or `on` for the period still running
    registered: int  # 规上企业 on the platform as of `on` (the same in every period)
    participating: int  # of those, the ones in an active cooperation during the period

    @property
    def share(self) -> float:
        return self.participating / self.registered if self.registered else 0.0


def large_enterprise_participation(on: date | None = None, period: str = "year") -> list[ParticipationPeriod]:
    """Per year (or quarter) up to `on`: how many registered 规上企业 take part in an active cooperation.

    The enterprises counted are those on the platform as of `on` (created by then, not closed),
    in every period: the platform is younger than the registries' history, so past periods show
    which of today's 规上企业 took part then. One takes part when, during the period, it held a mentor post
    (since … until), hosted a teacher placement (start … end), was the lead or a member of an
    alliance (from its founding, or its recording when no founding date is known), or is a
    confirmed partner of a project whose status is agreement, approved or in progress (from the
    project's start, or the partner's confirmation). Project statuses are current, not
    historical: a project stopped today no longer counts in any period. Periods begin with the
    earliest date in the registries (at most ten years back) and end with the one holding `on`.
    """
    on = on or local_today()
    registered = [
        org.id
        for org in db.session.scalars(
            select(Organization).where(
                Organization.kind == "enterprise", Organization.subtype == LARGE_ENTERPRISE_SUBTYPE
            )
        )
        if _local_date(org.created_at) <= on and (org.closed_at is None or _local_date(org.closed_at) > on)
    ]
    spans = _activity_spans(set(registered))
    earliest = min((start for org_spans in spans.values() for start, _ in org_spans), default=on)
    earliest = min(max(earliest, date(on.year - MAX_YEARS_SHOWN + 1, 1, 1)), on)
    result = []
    for label, start, end in periods_between(earliest, on, period):
        participating = sum(
            any(first <= end and (last is None or last >= start) for first, last in spans.get(org_id, ()))
            for org_id in registered
        )
        result.append(ParticipationPeriod(label, start, end, len(registered), participating))
    return result


def periods_between(first: date, last: date, period: str) -> list[tuple[str, date, date]]:
    """(label, start, end) of each year or quarter from the one holding `first` to the one holding `last`.

    The last period ends on `last` itself.
    """
    step = 3 if period == "quarter" else 12
    month = 1 + (first.month - 1) // step * step
    start = date(first.year, month, 1)
    result = []
    while start <= last:
        next_month = start.month + step
        following = date(start.year + (next_month - 1) // 12, (next_month - 1) % 12 + 1, 1)
        label = f"{start.year}年" if step == 12 else f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
        result.append((label, start, min(following - timedelta(days=1), last)))
        start = following
    return result


def _local_date(moment: Any) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _activity_spans(org_ids: set[int]) -> dict[int, list[tuple[date, date | None]]]:
    """organization id → (first day, last day or None) of each cooperation it takes part in."""
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    if not org_ids:
        return spans
    ids = list(org_ids)
    for org_id, since, until in db.session.execute(
        select(MentorPost.enterprise_id, MentorPost.since, MentorPost.until).where(MentorPost.enterprise_id.in_(ids))
    ):
        spans[org_id].append((since, until))
    for org_id, start, end in db.session.execute(
        select(TeacherPlacement.enterprise_id, TeacherPlacement.starts_on, TeacherPlacement.ends_on).where(
            TeacherPlacement.enterprise_id.in_(ids)
        )
    ):
        spans[org_id].append((start, end))
    for alliance in db.session.scalars(select(Alliance)):
        first = alliance.founded_on or _local_date(alliance.created_at)
        for org_id in {alliance.lead_id} | {m.organization_id for m in alliance.members}:
            if org_id in org_ids:
                spans[org_id].append((first, None))
    for org_id, confirmed_at, starts_on, ends_on in db.session.execute(
        select(ProjectPartner.organization_id, ProjectPartner.confirmed_at, Project.starts_on, Project.ends_on)
        .join(Project, Project.id == ProjectPartner.project_id)
        .where(
            ProjectPartner.organization_id.in_(ids),
            ProjectPartner.confirmed_at.is_not(None),
            Project.status.in_(ACTIVE_PROJECT_STATUSES),
        )
    ):
        spans[org_id].append((starts_on or _local_date(confirmed_at), ends_on))
    return spans


__all__ = [
    "ParticipationPeriod",
    "TargetProgress",
    "large_enterprise_participation",
    "periods_between",
    "pilot_targets",
    "target_progress",
]
