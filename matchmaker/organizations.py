"""Organizations: create, update, verify, close, find and list.

Operations take validated data (from the schemas) and the acting user, check the rules,
change the session and flush; the caller commits.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, or_, select

from matchmaker.errors import InvalidInput, Message, NotFound, PermissionDenied
from matchmaker.extensions import db
from matchmaker.indexing.outbox import record_organization_change
from matchmaker.models import Organization, OrganizationSector, Posting, User, utcnow
from matchmaker.taxonomy import get_taxonomy

EDITABLE_FIELDS = (
    "ref",
    "name",
    "kind",
    "subtype",
    "region_code",
    "description",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
)
WRONG_SUBTYPE = Message(
    "「{subtype}」不是{kind_name}的类型，可选：{choices}。", "{subtype!r} is not a subtype of {kind}: one of {choices}."
)
REF_TAKEN = Message("编号「{ref}」已被其他{what}使用。", "Ref {ref!r} is already used by another {what_en}.")


def create_organization(
    data: dict[str, Any], actor: Any, *, verified: bool = False, is_demo: bool = False
) -> Organization:
    """Add an organization; only coordinators (and the operator) create them directly."""
    if not actor.is_coordinator:
        raise PermissionDenied(Message("只有协调员可以直接创建机构。", "Only coordinators create organizations."))
    check_ref_free(Organization, data.get("ref"), None)
    check_subtype(data["kind"], data.get("subtype"))
    org = Organization(is_demo=is_demo)
    assign_fields(org, data, EDITABLE_FIELDS)
    if verified:
        org.verified_at = utcnow()
    db.session.add(org)
    db.session.flush()
    return org


def register_organization(data: dict[str, Any]) -> Organization:
    """Add an organization from self-registration: it stays unverified until a coordinator verifies it."""
    check_ref_free(Organization, data.get("ref"), None)
    check_subtype(data["kind"], data.get("subtype"))
    org = Organization()
    assign_fields(org, data, EDITABLE_FIELDS)
    db.session.add(org)
    db.session.flush()
    return org


def update_organization(org: Organization, data: dict[str, Any], actor: Any) -> Organization:
    """Change the given fields of an organization its members or a coordinator manage."""
    require_manager(org, actor)
    if "ref" in data:
        check_ref_free(Organization, data["ref"], org.id)
    check_subtype(data.get("kind", org.kind), data.get("subtype", org.subtype))
    assign_fields(org, data, EDITABLE_FIELDS)
    return _saved(org)


def verify_organization(org: Organization, actor: Any, verified: bool = True) -> Organization:
    """Mark an organization verified (its published postings become public), or withdraw it."""
    if not actor.is_coordinator:
        raise PermissionDenied(Message("只有协调员可以审核机构。", "Only coordinators verify organizations."))
    if not verified:
        org.verified_at = None
    elif org.verified_at is None:
        org.verified_at = utcnow()
        org.rejected_at = org.rejection_reason = None
    return _saved(org)


def reject_organization(org: Organization, actor: Any, reason: str) -> Organization:
    """Refuse verification with a reason the organization's members see; they may correct and ask again."""
    if not actor.is_coordinator:
        raise PermissionDenied(Message("只有协调员可以审核机构。", "Only coordinators verify organizations."))
    if not reason.strip():
        raise InvalidInput({"reason": [Message("请说明不予认证的原因。", "Give the reason for rejecting.")]})
    org.verified_at = None
    org.rejected_at = utcnow()
    org.rejection_reason = reason.strip()[:500]
    return _saved(org)


def close_organization(org: Organization, actor: Any) -> Organization:
    """Close an organization: it and its postings leave public view; nothing is deleted."""
    require_manager(org, actor)
    if org.closed_at is None:
        org.closed_at = utcnow()
    return _saved(org)


def _saved(org: Organization) -> Organization:
    """Flush the change and note its postings for the search index in the same transaction."""
    db.session.flush()
    record_organization_change(org)
    return org


def find_organization(*, id: int | None = None, ref: str | None = None) -> Organization:
    """The organization with this id or ref, or NotFound."""
    if id is not None:
        org = db.session.get(Organization, id)
    else:
        org = db.session.scalar(select(Organization).where(Organization.ref == ref))
    if org is None:
        raise NotFound(
            Message("机构不存在：{key}", "No such organization: {key}").format(key=id if id is not None else ref)
        )
    return org


def visible_organizations(viewer: Any) -> Select:
    """Organizations a viewer may see: verified open ones, plus their own, or all for coordinators."""
    stmt = select(Organization)
    if viewer is not None and viewer.is_coordinator:
        return stmt
    if viewer is not None and viewer.organization_id is not None:
        return stmt.where(or_(Organization.open, Organization.id == viewer.organization_id))
    return stmt.where(Organization.open)


def get_visible_organization(viewer: Any, *, id: int | None = None, ref: str | None = None) -> Organization:
    """Like `find_organization`, but NotFound for organizations the viewer may not see."""
    org = find_organization(id=id, ref=ref)
    if not org.open and not (viewer is not None and viewer.can_manage(org)):
        raise NotFound(Message("机构不存在：{key}", "No such organization: {key}").format(key=id or ref))
    return org


def list_organizations(filters: dict[str, Any], viewer: Any) -> Pagination:
    """One page of visible organizations matching the filters, newest first."""
    stmt = visible_organizations(viewer)
    if filters.get("kind"):
        stmt = stmt.where(Organization.kind == filters["kind"])
    if filters.get("subtype"):
        stmt = stmt.where(Organization.subtype == filters["subtype"])
    if filters.get("sector"):
        stmt = stmt.where(Organization.sector_links.any(OrganizationSector.sector_code.in_(filters["sector"])))
    if filters.get("region"):
        stmt = stmt.where(Organization.region_code.in_(get_taxonomy().region_and_descendants(filters["region"])))
    if filters.get("verified") is not None:
        stmt = stmt.where(
            Organization.verified_at.is_not(None) if filters["verified"] else Organization.verified_at.is_(None)
        )
    if filters.get("q"):
        stmt = stmt.where(Organization.name.contains(filters["q"], autoescape=True))
    stmt = stmt.order_by(Organization.id.desc())
    return db.paginate(stmt, page=filters["page"], per_page=filters["page_size"], error_out=False)


def check_subtype(kind: str, subtype: str | None) -> None:
    """Raise a field error unless `subtype` is empty or one of the kind's subtypes."""
    known = get_taxonomy().kinds[kind]
    if subtype and subtype not in known.subtypes:
        raise InvalidInput(
            {
                "subtype": [
                    WRONG_SUBTYPE.format(
                        subtype=subtype, kind=kind, kind_name=known.name, choices="、".join(known.subtypes)
                    )
                ]
            }
        )


def members_of(org: Organization) -> list[User]:
    """The organization's active users."""
    return list(db.session.scalars(select(User).where(User.organization_id == org.id, User.active.is_(True))))


def require_manager(org: Organization, actor: Any) -> None:
    """Raise unless the actor may change this organization and its postings."""
    if actor is None or not actor.can_manage(org):
        raise PermissionDenied(
            Message(
                "只有该机构的成员或协调员可以修改。", "Only members of this organization or coordinators may change it."
            )
        )


def check_ref_free(model: type, ref: str | None, own_id: int | None) -> None:
    """Raise a field error when another row of `model` already uses this ref."""
    if not ref:
        return
    other = db.session.scalar(select(model.id).where(model.ref == ref))
    if other is not None and other != own_id:
        what = ("机构", "organization") if model is Organization else ("需求或供给", "posting")
        raise InvalidInput({"ref": [REF_TAKEN.format(ref=ref, what=what[0], what_en=what[1])]})


def assign_fields(row: Any, data: dict[str, Any], editable: tuple[str, ...]) -> None:
    """Copy validated data onto an organization or posting (`region` → `region_code`)."""
    data = dict(data)
    if "region" in data:
        data["region_code"] = data.pop("region")
    for name in editable:
        if name in data:
            setattr(row, name, data[name])
    if "sectors" in data:
        row.sectors = data["sectors"]


def verification_queue(show: str) -> Select:
    """Organizations of one coordinator tab: pending ones never rejected before the rejected ones, oldest first."""
    stmt = select(Organization)
    if show == "verified":
        return stmt.where(Organization.open).order_by(Organization.verified_at.desc(), Organization.id.desc())
    if show == "closed":
        return stmt.where(Organization.closed_at.is_not(None)).order_by(Organization.closed_at.desc())
    return stmt.where(Organization.verified_at.is_(None), Organization.closed_at.is_(None)).order_by(
        case((Organization.rejected_at.is_(None), 0), else_=1), Organization.created_at, Organization.id
    )


def count_rows(stmt: Select) -> int:
    """How many rows a query gives (its ordering dropped)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def posting_counts(org_ids: list[int]) -> dict[int, tuple[int, int]]:
    """organization id → (all postings, published postings)."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(
            Posting.organization_id, func.count(Posting.id), func.sum(case((Posting.status == "published", 1), else_=0))
        )
        .where(Posting.organization_id.in_(org_ids))
        .group_by(Posting.organization_id)
    )
    return {org_id: (total, int(published or 0)) for org_id, total, published in rows}
