"""Read models for the coordinators' supply–demand dashboard (供需看板).

Every figure about postings counts what the public can see (`Posting.listed`: published, not
past `valid_until`, organization verified and open), except the monthly series, which counts
publications. Counting rules the page states too:

- A posting with several sectors counts once in each of its sectors, so the sector rows add up
  to more than the postings; one with no sector counts in a row 「未注明行业」.
- A county's posting counts in its prefecture. A posting for the whole province counts in a
  column of its own, 「全省」, not in every prefecture; a prefecture filter leaves it out.
- The event funnel counts approved registrations, meeting requests sent (withdrawn ones left
  out), published meetings, meetings whose furthest outcome on either side and at either stage
  reached 达成合作意向 (or beyond) or 签订合作协议 — once per meeting, however many outcomes
  were recorded — and the confirmed cooperation projects traced to the event.

Which needs have no counterpart takes minutes to find (every open need is matched), so the
worker computes it as a snapshot (`enqueue_unmatched_needs`); the page shows the latest one.
Functions here return plain data; `table()` gives each report as the rows of its HTML table
and its Excel export, which therefore hold the same figures.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from flask import current_app
from sqlalchemy import Select, distinct, func, select

from matchmaker import exports
from matchmaker.errors import Message, PermissionDenied
from matchmaker.extensions import db, reading
from matchmaker.jobs import enqueue, handler, slow_io
from matchmaker.models import (
    Event,
    EventParticipant,
    EventSector,
    Job,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
    Organization,
    Posting,
    PostingSector,
    Project,
    ProjectPartner,
    utcnow,
)
from matchmaker.models.base import LOCAL_TZ, local_today
from matchmaker.ranking import learned_weights
from matchmaker.taxonomy import get_taxonomy

PROVINCE = "province"  # the heat map's column of province-wide postings
UNKNOWN = ""  # the row or column of postings without a sector or with an unknown region
PROVINCE_LABEL = "全省"
NO_SECTOR_LABEL = "未注明行业"
NO_REGION_LABEL = "未注明地区"
MONTHS = 12
UNMATCHED_JOB = "unmatched_needs"
NEAR_MISSES = 3
FUNNEL_STAGES = (
    ("registrations", "报名（已通过）"),
    ("requests", "约谈申请"),
    ("meetings", "洽谈（已排定）"),
    ("intentions", "达成合作意向"),
    ("agreements", "签订合作协议"),
    ("projects", "合作项目"),
)


@dataclass(frozen=True)
class ReportFilters:
    """What the dashboard is narrowed to; each report applies the filters that make sense for it."""

    sector: str | None = None
    prefecture: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Table:
    """A report as rows: its HTML table and its Excel sheet."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


def table_xlsx(table: Table) -> bytes:
    """The table as an .xlsx workbook of one sheet, text cells kept as text."""
    columns = [exports.Column(header, itemgetter(i)) for i, header in enumerate(table.columns)]
    return exports.to_xlsx([exports.Sheet(table.title, columns, table.rows)])


# --- open postings ---------------------------------------------------------------------------


def _open_postings(*columns: Any, filters: ReportFilters, category: bool = True, sector: bool = True) -> Select:
    """A SELECT of these columns over the public postings, narrowed by the filters asked for."""
    stmt = select(*columns).where(Posting.listed)
    if sector and filters.sector:
        stmt = stmt.where(Posting.sector_links.any(PostingSector.sector_code == filters.sector))
    if filters.prefecture:
        stmt = stmt.where(Posting.region_code.in_(get_taxonomy().region_and_descendants(filters.prefecture)))
    if category and filters.category:
        stmt = stmt.where(Posting.category == filters.category)
    return stmt


def region_column(code: str | None) -> str:
    """The heat-map column of a posting's region: its prefecture, PROVINCE, or UNKNOWN."""
    region = get_taxonomy().regions.get(code or "")
    if region is None:
        return UNKNOWN
    if region.level == "province":
        return PROVINCE
    return region.prefecture or UNKNOWN


def _by_sector(columns: list[Any], filters: ReportFilters, *, category: bool = True) -> list[Any]:
    """Rows of (sector code or UNKNOWN, *columns) for the open postings, one per posting and sector."""
    with_sector = _open_postings(PostingSector.sector_code, *columns, filters=filters, category=category, sector=False)
    with_sector = with_sector.join(PostingSector, PostingSector.posting_id == Posting.id)
    if filters.sector:
        with_sector = with_sector.where(PostingSector.sector_code == filters.sector)
    rows = list(db.session.execute(with_sector).all())
    if not filters.sector:
        without = _open_postings(*columns, filters=filters, category=category, sector=False).where(
            ~Posting.sector_links.any()
        )
        rows += [(UNKNOWN, *row) for row in db.session.execute(without).all()]
    return rows


def _sector_rows(present: set[str], filters: ReportFilters, *, all_sectors: bool) -> list[tuple[str, str]]:
    """(code, label) of the sector rows: every sector (or those present), then 未注明行业 when present."""
    sectors = get_taxonomy().sectors
    codes = [filters.sector] if filters.sector else [c for c in sectors if all_sectors or c in present]
    rows = [(code, sectors[code].name) for code in codes]
    if not filters.sector and UNKNOWN in present:
        rows.append((UNKNOWN, NO_SECTOR_LABEL))
    return rows


@dataclass
class SectorRegionGrid:
    """Open needs and offers by sector × prefecture (the heat map)."""

    sectors: list[tuple[str, str]]  # (code, label), rows
    columns: list[tuple[str, str]]  # (prefecture code, PROVINCE or UNKNOWN; label)
    needs: dict[tuple[str, str], int]  # (sector, column) → open needs
    offers: dict[tuple[str, str], int]

    def cell(self, sector: str, column: str) -> tuple[int, int]:
        return self.needs.get((sector, column), 0), self.offers.get((sector, column), 0)

    def table(self) -> Table:
        rows = []
        for sector, sector_label in self.sectors:
            for column, column_label in self.columns:
                needs, offers = self.cell(sector, column)
                rows.append([sector_label, column_label, needs, offers, needs - offers])
        return Table("行业×地区供需", ["行业", "地区", "需求", "供给", "缺口（需求−供给）"], rows)


def sector_region_grid(filters: ReportFilters) -> SectorRegionGrid:
    """Open needs against open offers by sector and prefecture; counties count in their prefecture."""
    counts: dict[str, dict[tuple[str, str], int]] = {"need": defaultdict(int), "offer": defaultdict(int)}
    present_sectors, present_columns = set(), set()
    for sector, direction, region_code in _by_sector([Posting.direction, Posting.region_code], filters):
        column = region_column(region_code)
        counts[direction][(sector, column)] += 1
        present_sectors.add(sector)
        present_columns.add(column)
    taxonomy = get_taxonomy()
    prefectures = [r for r in taxonomy.regions.values() if r.level == "prefecture"]
    if filters.prefecture:
        prefectures = [taxonomy.regions[filters.prefecture]]
    columns = [(r.code, r.name) for r in prefectures]
    if not filters.prefecture:
        columns.append((PROVINCE, PROVINCE_LABEL))
    if UNKNOWN in present_columns:
        columns.append((UNKNOWN, NO_REGION_LABEL))
    return SectorRegionGrid(
        sectors=_sector_rows(present_sectors, filters, all_sectors=True),
        columns=columns,
        needs=dict(counts["need"]),
        offers=dict(counts["offer"]),
    )


# --- by category, by month --------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    needs: int
    offers: int


@dataclass
class CategoryReport:
    rows: list[CategoryCount]

    def table(self) -> Table:
        return Table(
            "按类别供需",
            ["类别", "需求", "供给", "缺口（需求−供给）"],
            [[r.name, r.needs, r.offers, r.needs - r.offers] for r in self.rows],
        )


def by_category(filters: ReportFilters) -> CategoryReport:
    """Open needs and offers of each category (the category filter does not apply: every category shows)."""
    stmt = _open_postings(Posting.category, Posting.direction, func.count(Posting.id), filters=filters, category=False)
    counts = {(c, d): n for c, d, n in db.session.execute(stmt.group_by(Posting.category, Posting.direction))}
    return CategoryReport(
        [
            CategoryCount(c.code, c.name, counts.get((c.code, "need"), 0), counts.get((c.code, "offer"), 0))
            for c in get_taxonomy().categories.values()
        ]
    )


@dataclass
class MonthlyReport:
    months: list[str]  # "2025-03", oldest first
    needs: list[int]
    offers: list[int]

    def table(self) -> Table:
        return Table(
            "每月发布",
            ["月份", "发布需求", "发布供给"],
            [[m, n, o] for m, n, o in zip(self.months, self.needs, self.offers, strict=True)],
        )


def last_months(today: date, count: int = MONTHS) -> list[str]:
    """The `count` calendar months up to this one, oldest first ("2025-03")."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def by_month(filters: ReportFilters, today: date | None = None) -> MonthlyReport:
    """Needs and offers published in each of the last 12 months (China time), by their latest publication.

    A flow, not the current stock: postings since closed or expired count in the month they were
    published; drafts and postings of organizations never verified do not.
    """
    months = last_months(today or local_today())
    start = datetime(int(months[0][:4]), int(months[0][5:]), 1, tzinfo=LOCAL_TZ)
    stmt = (
        select(Posting.direction, Posting.published_at)
        .where(
            Posting.published_at >= start,
            Posting.status != "draft",
            Posting.organization.has(Organization.verified_at.is_not(None)),
        )
        .where(*_filter_conditions(filters))
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for direction, published_at in db.session.execute(stmt):
        counts[(direction, published_at.astimezone(LOCAL_TZ).strftime("%Y-%m"))] += 1
    return MonthlyReport(months, [counts[("need", m)] for m in months], [counts[("offer", m)] for m in months])


def _filter_conditions(filters: ReportFilters) -> list[Any]:
    conditions = []
    if filters.sector:
        conditions.append(Posting.sector_links.any(PostingSector.sector_code == filters.sector))
    if filters.prefecture:
        conditions.append(Posting.region_code.in_(get_taxonomy().region_and_descendants(filters.prefecture)))
    if filters.category:
        conditions.append(Posting.category == filters.category)
    return conditions


# --- headcount against places ---------------------------------------------------------------------


@dataclass(frozen=True)
class HeadcountRow:
    sector: str  # code, or UNKNOWN
    name: str
    needs: int  # open talent needs
    headcount: int  # the people they ask for (their `quantity`)
    offers: int  # open talent offers
    places: int  # the people they offer


@dataclass
class HeadcountReport:
    rows: list[HeadcountRow]

    def table(self) -> Table:
        return Table(
            "人才需求人数与供给人数",
            ["行业", "人才需求（条）", "需求人数", "人才供给（条）", "供给人数", "缺口（人）"],
            [[r.name, r.needs, r.headcount, r.offers, r.places, r.headcount - r.places] for r in self.rows],
        )


def headcount_by_sector(filters: ReportFilters) -> HeadcountReport:
    """Headcount asked by open talent needs against places offered by open talent offers, by sector.

    A posting without a quantity counts as a posting and adds no people. Only sectors with a
    talent posting are listed.
    """
    talent = ReportFilters(filters.sector, filters.prefecture, "talent")
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sector, direction, quantity in _by_sector([Posting.direction, Posting.quantity], talent):
        sums[sector][direction] += 1
        sums[sector][direction + "_people"] += quantity or 0
    return HeadcountReport(
        [
            HeadcountRow(code, label, s["need"], s["need_people"], s["offer"], s["offer_people"])
            for code, label in _sector_rows(set(sums), filters, all_sectors=False)
            if (s := sums[code])
        ]
    )


# --- the event funnel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    event_id: int | None  # None: all events together
    title: str
    held_on: date | None
    registrations: int
    requests: int
    meetings: int
    intentions: int
    agreements: int
    projects: int

    def stages(self) -> list[int]:
        return [getattr(self, name) for name, _ in FUNNEL_STAGES]


@dataclass
class FunnelReport:
    events: list[FunnelRow]  # newest event first
    overall: FunnelRow

    def table(self) -> Table:
        rows = [
            [row.title, row.held_on.isoformat() if row.held_on else None, *row.stages()]
            for row in (*self.events, self.overall)
        ]
        return Table("对接活动成效", ["活动", "举办日期", *(label for _, label in FUNNEL_STAGES)], rows)


def event_funnel(filters: ReportFilters) -> FunnelReport:
    """Registrations → requests → meetings → intentions → agreements → projects, per event and overall.

    Events in preparation (draft) are left out; the sector filter keeps events with that sector in
    focus, the prefecture filter events held there.
    """
    stmt = select(Event).where(Event.status != "draft").order_by(Event.held_on.desc(), Event.id.desc())
    if filters.sector:
        stmt = stmt.where(Event.sector_links.any(EventSector.sector_code == filters.sector))
    if filters.prefecture:
        stmt = stmt.where(Event.region_code.in_(get_taxonomy().region_and_descendants(filters.prefecture)))
    events = list(db.session.scalars(stmt))
    ids = [e.id for e in events]
    counts = {name: _per_event(query, ids) for name, query in _stage_queries().items()} if ids else {}
    rows = [
        FunnelRow(e.id, e.title, e.held_on, **{name: counts[name].get(e.id, 0) for name, _ in FUNNEL_STAGES})
        for e in events
    ]
    overall = FunnelRow(
        None, "全部活动", None, **{name: sum(getattr(r, name) for r in rows) for name, _ in FUNNEL_STAGES}
    )
    return FunnelReport(rows, overall)


def _stage_queries() -> dict[str, Select]:
    """For each funnel stage, a SELECT of (event id, count) still to be narrowed to events and grouped."""
    published = Meeting.published.is_(True)

    def meetings_reaching(outcomes: tuple[str, ...]) -> Select:
        return (
            select(Meeting.event_id, func.count(distinct(Meeting.id)))
            .join(MeetingOutcome, MeetingOutcome.meeting_id == Meeting.id)
            .where(published, MeetingOutcome.outcome.in_(outcomes))
        )

    return {
        "registrations": select(EventParticipant.event_id, func.count(EventParticipant.id)).where(
            EventParticipant.status == "approved"
        ),
        "requests": select(MeetingRequest.event_id, func.count(MeetingRequest.id)).where(
            MeetingRequest.status != "withdrawn"
        ),
        "meetings": select(Meeting.event_id, func.count(Meeting.id)).where(published),
        # An agreement signed is an intention reached, so the funnel only narrows.
        "intentions": meetings_reaching(("intention", "agreement")),
        "agreements": meetings_reaching(("agreement",)),
        # A project counts once every partner has confirmed it (models.projects.Project.counted).
        "projects": select(Project.event_id, func.count(Project.id)).where(
            ~Project.partners.any(ProjectPartner.confirmed_at.is_(None))
        ),
    }


def _per_event(query: Select, event_ids: list[int]) -> dict[int, int]:
    event_column = query.selected_columns[0]
    return dict(db.session.execute(query.where(event_column.in_(event_ids)).group_by(event_column)).all())


# --- unmatched needs: a snapshot the worker computes --------------------------------------------------


def counterpart_threshold() -> float:
    """The match score from which an offer counts as a need's counterpart.

    The score from which the product announces a new match to both sides (MATCHMAKER_MATCH_NOTIFY_SCORE,
    else the learned `announce` score): below it nobody is told of a counterpart, so the need is unmet.
    One threshold for both, not a second one to keep in step.
    """
    configured = current_app.config.get("MATCHMAKER_MATCH_NOTIFY_SCORE")
    return float(configured) if configured is not None else learned_weights().announce


@dataclass(frozen=True)
class NearMiss:
    posting_id: int
    title: str
    organization: str
    score: float


@dataclass(frozen=True)
class UnmatchedNeed:
    posting_id: int
    title: str
    organization: str
    organization_id: int
    category: str
    sectors: list[str]
    region_code: str | None
    near_misses: list[NearMiss]

    @property
    def best_score(self) -> float | None:
        return self.near_misses[0].score if self.near_misses else None


@dataclass
class UnmatchedSnapshot:
    computed_at: datetime
    threshold: float
    needs_checked: int
    seconds: float
    needs: list[UnmatchedNeed] = field(default_factory=list)  # lowest best score first

    def to_json(self) -> dict[str, Any]:
        return {
            "computed_at": self.computed_at.isoformat(),
            "threshold": self.threshold,
            "needs_checked": self.needs_checked,
            "seconds": round(self.seconds, 1),
            "needs": [
                {
                    "posting_id": n.posting_id,
                    "title": n.title,
                    "organization": n.organization,
                    "organization_id": n.organization_id,
                    "category": n.category,
                    "sectors": n.sectors,
                    "region_code": n.region_code,
                    "near_misses": [m.__dict__ for m in n.near_misses],
                }
                for n in self.needs
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnmatchedSnapshot:
        needs = [
            UnmatchedNeed(**{**n, "near_misses": [NearMiss(**m) for m in n["near_misses"]]}) for n in data["needs"]
        ]
        return cls(
            datetime.fromisoformat(data["computed_at"]),
            data["threshold"],
            data["needs_checked"],
            data["seconds"],
            needs,
        )

    def filtered(self, filters: ReportFilters) -> list[UnmatchedNeed]:
        """The listed needs within the filters (as they were when the snapshot was computed)."""
        taxonomy = get_taxonomy()
        region_codes = taxonomy.region_and_descendants(filters.prefecture) if filters.prefecture else None
        return [
            n
            for n in self.needs
            if (not filters.sector or filters.sector in n.sectors)
            and (not filters.category or n.category == filters.category)
            and (region_codes is None or n.region_code in region_codes)
        ]

    def table(self, filters: ReportFilters | None = None) -> Table:
        taxonomy = get_taxonomy()
        rows = []
        for need in self.filtered(filters or ReportFilters()):
            category = taxonomy.categories.get(need.category)
            row = [
                need.title,
                need.organization,
                category.name if category else need.category,
                "、".join(taxonomy.sectors[s].name for s in need.sectors if s in taxonomy.sectors),
                taxonomy.region_label(need.region_code) or "",
            ]
            for n in range(NEAR_MISSES):
                miss = need.near_misses[n] if n < len(need.near_misses) else None
                row += [f"{miss.organization}「{miss.title}」", round(miss.score, 2)] if miss else ["", None]
            rows.append(row)
        columns = ["需求", "发布机构", "类别", "行业", "地区"]
        for n in range(1, NEAR_MISSES + 1):
            columns += [f"候选{n}", f"候选{n}匹配分"]
        return Table("未对接需求", columns, rows)


def find_unmatched_needs(index: Any, threshold: float) -> UnmatchedSnapshot:
    """Match every open need (matching.match_posting) and keep those whose best offer scores below `threshold`,
    each with its best candidates (the near misses)."""
    from matchmaker.matching import match_posting

    started = time.monotonic()
    needs = db.session.scalars(select(Posting).where(Posting.listed, Posting.direction == "need").order_by(Posting.id))
    unmatched, checked = [], 0
    for need in needs:
        results = match_posting(need, index, limit=NEAR_MISSES).results
        checked += 1
        if results and results[0].score >= threshold:
            continue
        unmatched.append(
            UnmatchedNeed(
                posting_id=need.id,
                title=need.title,
                organization=need.organization.name,
                organization_id=need.organization_id,
                category=need.category,
                sectors=list(need.sectors),
                region_code=need.region_code,
                near_misses=[
                    NearMiss(r.posting.id, r.posting.title, r.posting.organization.name, round(r.score, 4))
                    for r in results
                ],
            )
        )
    unmatched.sort(key=lambda n: (n.best_score if n.best_score is not None else float("-inf"), n.posting_id))
    return UnmatchedSnapshot(utcnow(), threshold, checked, time.monotonic() - started, unmatched)


def enqueue_unmatched_needs(actor: Any) -> Job:
    """Have the worker compute a new snapshot of unmatched needs (the one already waiting, if any)."""
    if actor is None or not actor.is_coordinator:
        raise PermissionDenied(Message("只有协调员可以重新计算。", "Only coordinators recompute the dashboard."))
    waiting = unmatched_job_under_way()
    if waiting is not None:
        return waiting
    total = db.session.scalar(select(func.count(Posting.id)).where(Posting.listed, Posting.direction == "need"))
    return enqueue(UNMATCHED_JOB, {}, created_by=actor, total=total)


def unmatched_job_under_way() -> Job | None:
    """The unmatched-needs job waiting or running, if one is."""
    return db.session.scalar(
        select(Job).where(Job.kind == UNMATCHED_JOB, Job.status.in_(("pending", "running"))).order_by(Job.id).limit(1)
    )


def latest_unmatched_snapshot() -> UnmatchedSnapshot | None:
    """The newest snapshot the worker finished, or None before the first."""
    job = db.session.scalar(
        select(Job)
        .where(Job.kind == UNMATCHED_JOB, Job.status == "done", Job.result.is_not(None))
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(1)
    )
    return UnmatchedSnapshot.from_json(job.result) if job is not None else None


@handler(UNMATCHED_JOB, batch_size=1)
def _unmatched_needs_job(job: Job, shared: Any) -> None:
    from matchmaker.indexing import get_search_index

    job_id = job.id
    # The worker opens each job's transaction as a writer (on SQLite: BEGIN IMMEDIATE, the database's
    # one write lock). Minutes of matching inside it would lock every other writer out, so the claim is
    # committed first (slow_io) and the matching runs in a transaction that only reads.
    with slow_io(), reading():
        snapshot = find_unmatched_needs(get_search_index(), counterpart_threshold())
        db.session.commit()  # ends the read; the result is written in a writer's transaction of its own
    job = db.session.get(Job, job_id)
    job.progress = snapshot.needs_checked
    job.result = snapshot.to_json()
