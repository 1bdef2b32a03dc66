"""Postings: create, update, publish, close, find and list.

A posting is public when it is published, not past `valid_until`, and its organization is
verified and open. `valid_until` is at most a year ahead and defaults to a year after
publishing; renewing is publishing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select

from matchmaker.errors import InvalidInput, Message, NotFound
from matchmaker.extensions import db
from matchmaker.indexing.outbox import record_posting_changes
from matchmaker.models import Organization, Posting, PostingSector, local_today, utcnow
from matchmaker.organizations import assign_fields, check_ref_free, find_organization, require_manager
from matchmaker.taxonomy import get_taxonomy
from matchmaker.text import crosswalk
from matchmaker.transitions import POSTING_STATUS

EDITABLE_FIELDS = (
    "ref",
    "direction",
    "category",
    "title",
    "description",
    "region_code",
    "quantity",
    "starts_on",
    "ends_on",
    "valid_until",
    "tags",
)
ENDS_BEFORE_START = Message("结束日期不能早于开始日期。", "Must not be before starts_on.")
VALID_TOO_LONG = Message("最长有效期为一年，须不晚于 {last}。", "At most a year ahead: {last} or earlier.")
VALID_IN_PAST = Message("不能早于今天（{today}）。", "Must not be before today ({today}).")


def one_year_after(day: date) -> date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


NO_ORGANIZATION = Message(
    "请用 organization_id 或 organization_ref 指明机构。",
    "Name the organization by organization_id or organization_ref.",
)
UNKNOWN_ORGANIZATION = Message("机构不存在：{key}", "No such organization: {key}")


def organization_for_posting(actor: Any, organization_id: int | None, organization_ref: str | None) -> Organization:
    """The organization a new posting names, defaulting to the actor's own."""
    if organization_id is None and organization_ref is None:
        if actor.organization_id is None:
            raise InvalidInput({"organization_id": [NO_ORGANIZATION]})
        organization_id = actor.organization_id
    try:
        return find_organization(id=organization_id, ref=organization_ref)
    except NotFound:
        field = "organization_id" if organization_id is not None else "organization_ref"
        raise InvalidInput({field: [UNKNOWN_ORGANIZATION.format(key=organization_id or organization_ref)]}) from None


def create_posting(org: Organization, data: dict[str, Any], actor: Any) -> Posting:
    """Add a need or offer of `org`; published unless `status` says draft."""
    require_manager(org, actor)
    check_ref_free(Posting, data.get("ref"), None)
    posting = Posting(status="draft", is_demo=org.is_demo, created_by_id=getattr(actor, "id", None))
    assign_fields(posting, data, EDITABLE_FIELDS)
    if posting.region_code is None:
        posting.region_code = org.region_code
    check_invariants(posting, local_today())
    posting.organization = org  # only now: a refused posting must not hang on the organization's collection
    db.session.add(posting)
    if data.get("status", "published") == "published":
        _publish(posting, data.get("valid_until"))
    return _saved(posting)


def update_posting(posting: Posting, data: dict[str, Any], actor: Any) -> Posting:
    """Change the given fields; the status changes only through publish and close."""
    require_manager(posting.organization, actor)
    if "ref" in data:
        check_ref_free(Posting, data["ref"], posting.id)
    assign_fields(posting, data, EDITABLE_FIELDS)
    check_invariants(posting, local_today())
    return _saved(posting)


def publish_posting(posting: Posting, actor: Any, valid_until: date | None = None) -> Posting:
    """Publish a draft, reopen a closed posting or renew an expired one."""
    require_manager(posting.organization, actor)
    POSTING_STATUS.require(posting.status, "published")
    if valid_until is not None:
        today = local_today()
        if valid_until < today:
            raise InvalidInput({"valid_until": [VALID_IN_PAST.format(today=today.isoformat())]})
    _publish(posting, valid_until)
    check_invariants(posting, local_today())
    return _saved(posting)


def set_posting_status(posting: Posting, status: str, actor: Any) -> Posting:
    """Bring a posting to `status` (draft, published or closed); a published one stays as it is."""
    if status == "published":
        return posting if posting.status == "published" else publish_posting(posting, actor)
    if status == "closed":
        return close_posting(posting, actor)
    require_manager(posting.organization, actor)
    POSTING_STATUS.require(posting.status, status)
    posting.status = "draft"
    posting.closed_at = None
    return _saved(posting)


def close_posting(posting: Posting, actor: Any) -> Posting:
    """Close a posting: it leaves public view and search; nothing is deleted."""
    require_manager(posting.organization, actor)
    if posting.status != "closed":
        POSTING_STATUS.require(posting.status, "closed")
        posting.status = "closed"
        posting.closed_at = utcnow()
    return _saved(posting)


def _saved(posting: Posting) -> Posting:
    """Flush the change and note it for the search index in the same transaction."""
    db.session.flush()
    record_posting_changes([posting.id])
    return posting


def _publish(posting: Posting, valid_until: date | None) -> None:
    today = local_today()
    posting.status = "published"
    posting.published_at = utcnow()
    posting.closed_at = None
    if valid_until is not None:
        posting.valid_until = valid_until
    elif posting.valid_until is None or posting.valid_until < today:
        posting.valid_until = one_year_after(today)


def check_invariants(posting: Posting, today: date) -> None:
    """Raise InvalidInput for rules that span fields or depend on the date."""
    problems: dict[str, list[Message]] = {}
    if posting.starts_on and posting.ends_on and posting.ends_on < posting.starts_on:
        problems["ends_on"] = [ENDS_BEFORE_START]
    last = one_year_after(today)
    if posting.valid_until is not None and posting.valid_until > last:
        problems["valid_until"] = [VALID_TOO_LONG.format(last=last.isoformat())]
    if problems:
        raise InvalidInput(problems)


def suggest_tags(posting: Posting) -> list[str]:
    """Crosswalk tags (majors, occupations) the posting's text suggests, for the poster to confirm."""
    return list(crosswalk.document_tags(posting.direction, posting.category, posting.title, posting.description))


def find_posting(*, id: int | None = None, ref: str | None = None) -> Posting:
    """The posting with this id or ref, or NotFound."""
    if id is not None:
        posting = db.session.get(Posting, id)
    else:
        posting = db.session.scalar(select(Posting).where(Posting.ref == ref))
    if posting is None:
        raise NotFound(
            Message("需求或供给不存在：{key}", "No such posting: {key}").format(key=id if id is not None else ref)
        )
    return posting


def get_visible_posting(viewer: Any, id: int) -> Posting:
    """The posting if the viewer may see it (public, their own, or any for coordinators)."""
    posting = find_posting(id=id)
    if not posting.listed and not (viewer is not None and viewer.can_manage(posting.organization)):
        raise NotFound(Message("需求或供给不存在：{key}", "No such posting: {key}").format(key=id))
    return posting


@dataclass(frozen=True)
class PublicCounts:
    by_direction: dict[str, int]  # need | offer → public postings
    by_sector: dict[str, int]  # sector code → public postings
    organizations: int  # verified, open organizations


def public_counts() -> PublicCounts:
    """What the public can see, counted: for the home page."""
    public = visible_postings(None).subquery()
    by_direction = dict(db.session.execute(select(public.c.direction, func.count()).group_by(public.c.direction)).all())
    by_sector = dict(
        db.session.execute(
            select(PostingSector.sector_code, func.count())
            .where(PostingSector.posting_id.in_(select(public.c.id)))
            .group_by(PostingSector.sector_code)
        ).all()
    )
    organizations = db.session.scalar(select(func.count(Organization.id)).where(Organization.open))
    return PublicCounts(by_direction, by_sector, organizations or 0)


def visible_postings(viewer: Any) -> Select:
    """Postings a viewer may see: public ones, plus their organization's, or all for coordinators."""
    stmt = select(Posting).join(Posting.organization)
    if viewer is not None and viewer.is_coordinator:
        return stmt
    if viewer is not None and viewer.organization_id is not None:
        return stmt.where(or_(Posting.listed, Posting.organization_id == viewer.organization_id))
    return stmt.where(Posting.listed)


def listed_postings(*, organization: Organization | None = None, limit: int | None = None) -> list[Posting]:
    """Listed (public) postings, newest first: all, or one organization's."""
    stmt = select(Posting).where(Posting.listed).order_by(Posting.id.desc()).limit(limit)
    if organization is not None:
        stmt = stmt.where(Posting.organization_id == organization.id)
    return list(db.session.scalars(stmt))


def postings_of(org: Organization) -> list[Posting]:
    """Every posting of an organization, drafts and closed ones included, newest first (its members' list)."""
    return list(
        db.session.scalars(select(Posting).where(Posting.organization_id == org.id).order_by(Posting.id.desc()))
    )


def list_postings(filters: dict[str, Any], viewer: Any) -> Pagination:
    """One page of visible postings matching the filters, newest first (or soonest closing: `sort="closing"`)."""
    stmt = sorted_postings(filters, viewer)
    return db.paginate(stmt, page=filters["page"], per_page=filters["page_size"], error_out=False)


def sorted_postings(filters: dict[str, Any], viewer: Any) -> Select:
    """Every visible posting matching the filters in the list's order (its pages, and its export, read this)."""
    stmt = filtered_postings(filters, viewer)
    if filters.get("sort") == "closing":
        return stmt.order_by(Posting.valid_until.is_(None), Posting.valid_until, Posting.id.desc())
    return stmt.order_by(Posting.id.desc())


def facet_counts(filters: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Public postings under the filters counted per sector, prefecture, county, category and kind (as search's)."""
    chosen = filtered_postings(filters, None).with_only_columns(Posting.id).subquery()
    in_chosen = Posting.id.in_(select(chosen.c.id))

    def grouped(column: Any, *joins: Any) -> dict[str, int]:
        stmt = select(column, func.count()).select_from(Posting)
        for join in joins:
            stmt = stmt.join(join)
        return {key: n for key, n in db.session.execute(stmt.where(in_chosen).group_by(column)).all() if key}

    regions = get_taxonomy().regions
    by_region = grouped(Posting.region_code)
    prefectures: dict[str, int] = {}
    for code, n in by_region.items():
        prefecture = regions[code].prefecture if code in regions else None
        if prefecture:
            prefectures[prefecture] = prefectures.get(prefecture, 0) + n
    return {
        "sector": grouped(PostingSector.sector_code, Posting.sector_links),
        "region": prefectures,
        "county": {code: n for code, n in by_region.items() if code in regions and regions[code].level == "county"},
        "category": grouped(Posting.category),
        "kind": grouped(Organization.kind, Posting.organization),
    }


def filtered_postings(filters: dict[str, Any], viewer: Any) -> Select:
    """Visible postings matching the list filters (PostingListArgsSchema), unordered."""
    stmt = visible_postings(viewer)
    today = local_today()
    if filters.get("direction"):
        stmt = stmt.where(Posting.direction == filters["direction"])
    if filters.get("category"):
        stmt = stmt.where(Posting.category.in_(filters["category"]))
    if filters.get("sector"):
        stmt = stmt.where(Posting.sector_links.any(PostingSector.sector_code.in_(filters["sector"])))
    if filters.get("region"):
        stmt = stmt.where(Posting.region_code.in_(get_taxonomy().region_and_descendants(filters["region"])))
    if filters.get("kind"):
        stmt = stmt.where(Organization.kind == filters["kind"])
    status = filters.get("status")
    if status == "published":
        stmt = stmt.where(
            Posting.status == "published", or_(Posting.valid_until.is_(None), Posting.valid_until >= today)
        )
    elif status == "expired":
        stmt = stmt.where(Posting.status == "published", Posting.valid_until < today)
    elif status:
        stmt = stmt.where(Posting.status == status)
    if filters.get("organization_id") is not None:
        stmt = stmt.where(Posting.organization_id == filters["organization_id"])
    if filters.get("organization_ref"):
        stmt = stmt.where(Organization.ref == filters["organization_ref"])
    return stmt
