"""Contact requests between organizations, and members' marks on recommended matches.

Contact details of an organization are shown to its own members, to coordinators, and to
organizations whose contact request it accepted (or whose request it made and got accepted).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from matchmaker import notifications
from matchmaker.errors import InvalidInput, Message, NotFound, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import ContactRequest, MatchMark, Organization, Posting, User, utcnow
from matchmaker.models.contacts import MATCH_MARKS
from matchmaker.organizations import members_of, require_manager

MESSAGE_LIMIT = 500
OWN_ORGANIZATION = Message("不能联系本机构。", "You cannot contact your own organization.")
ALREADY_PENDING = Message(
    "已向该机构发送过联系请求，正在等待对方答复。",
    "A contact request to this organization is already waiting for an answer.",
)
NOT_OPEN = Message("该机构尚未认证或已关闭，暂不能联系。", "This organization is not verified or is closed.")


def request_contact(
    actor: User,
    to_org: Organization,
    *,
    message: str = "",
    from_posting: Posting | None = None,
    to_posting: Posting | None = None,
) -> ContactRequest:
    """Ask another organization for contact; its members are notified and answer."""
    if actor.organization_id is None:
        raise PermissionDenied(
            Message("只有机构成员可以发送联系请求。", "Only members of an organization send contact requests.")
        )
    from_org = actor.organization
    if to_org.id == from_org.id:
        raise InvalidInput({"organization": [OWN_ORGANIZATION]})
    if not to_org.open:
        raise InvalidInput({"organization": [NOT_OPEN]})
    if from_posting is not None:
        require_manager(from_posting.organization, actor)
    if to_posting is not None and to_posting.organization_id != to_org.id:
        raise InvalidInput(
            {"to_posting": [Message("该发布不属于所联系的机构。", "That posting belongs to another organization.")]}
        )
    if len(message.strip()) > MESSAGE_LIMIT:
        raise InvalidInput(
            {"message": [Message("留言不能超过 {max} 个字符。", "At most {max} characters.").format(max=MESSAGE_LIMIT)]}
        )
    pending = db.session.scalar(
        select(ContactRequest.id).where(
            ContactRequest.from_organization_id == from_org.id,
            ContactRequest.to_organization_id == to_org.id,
            ContactRequest.status == "pending",
        )
    )
    if pending is not None:
        raise InvalidInput({"organization": [ALREADY_PENDING]})
    contact = ContactRequest(
        from_organization=from_org,
        to_organization=to_org,
        from_posting=from_posting,
        to_posting=to_posting,
        message=message.strip(),
        created_by_id=actor.id,
    )
    db.session.add(contact)
    db.session.flush()
    about = f"（关于「{to_posting.title}」）" if to_posting is not None else ""
    notifications.notify(
        members_of(to_org), "contact_request", f"{from_org.name} 请求与贵单位联系{about}", contact.message, "/contacts"
    )
    return contact


def answer_contact(actor: User, contact: ContactRequest, accept: bool) -> ContactRequest:
    """Accept (contact details become visible to both sides) or decline a pending request."""
    if actor.organization_id != contact.to_organization_id:
        raise PermissionDenied(
            Message("只有被联系机构的成员可以答复。", "Only members of the contacted organization answer.")
        )
    if contact.status != "pending":
        raise InvalidInput({"status": [Message("该请求已答复。", "This request was already answered.")]})
    contact.status = "accepted" if accept else "declined"
    contact.answered_at = utcnow()
    contact.answered_by_id = actor.id
    db.session.flush()
    verb = "已接受" if accept else "已婉拒"
    notifications.notify(
        members_of(contact.from_organization),
        "contact_answer",
        f"{contact.to_organization.name} {verb}您的联系请求",
        "现在可以查看对方的联系方式。" if accept else "",
        "/contacts",
    )
    return contact


def find_contact(contact_id: int) -> ContactRequest:
    contact = db.session.get(ContactRequest, contact_id)
    if contact is None:
        raise NotFound(Message("联系请求不存在。", "No such contact request."))
    return contact


def contact_requests(viewer: Any) -> list[ContactRequest]:
    """Requests the viewer's organization sent or received (all of them, for coordinators), newest first."""
    stmt = select(ContactRequest).order_by(ContactRequest.id.desc())
    if not viewer.is_coordinator:
        stmt = stmt.where(
            or_(
                ContactRequest.from_organization_id == viewer.organization_id,
                ContactRequest.to_organization_id == viewer.organization_id,
            )
        )
    return list(db.session.scalars(stmt))


def can_see_contact(viewer: Any, org: Organization) -> bool:
    """Whether the viewer may see the organization's contact details."""
    if viewer is None:
        return False
    if viewer.can_manage(org):
        return True
    if viewer.organization_id is None:
        return False
    accepted = db.session.scalar(
        select(ContactRequest.id).where(
            ContactRequest.status == "accepted",
            or_(
                and_(
                    ContactRequest.from_organization_id == viewer.organization_id,
                    ContactRequest.to_organization_id == org.id,
                ),
                and_(
                    ContactRequest.from_organization_id == org.id,
                    ContactRequest.to_organization_id == viewer.organization_id,
                ),
            ),
        )
    )
    return accepted is not None


def mark_match(actor: Any, posting: Posting, counterpart: Posting, mark: str) -> MatchMark:
    """Record that the posting's organization is (not) interested in a recommended counterpart."""
    require_manager(posting.organization, actor)
    if mark not in MATCH_MARKS:
        raise InvalidInput(
            {"mark": [Message("须为 interested 或 not_interested。", "Must be interested or not_interested.")]}
        )
    row = db.session.scalar(
        select(MatchMark).where(MatchMark.posting_id == posting.id, MatchMark.counterpart_id == counterpart.id)
    )
    if row is None:
        row = MatchMark(posting_id=posting.id, counterpart_id=counterpart.id)
        db.session.add(row)
    row.mark, row.marked_by_id, row.marked_at = mark, getattr(actor, "id", None), utcnow()
    db.session.flush()
    return row


def marks_for(posting: Posting) -> dict[int, str]:
    """counterpart posting id → mark, for one posting."""
    return dict(
        db.session.execute(
            select(MatchMark.counterpart_id, MatchMark.mark).where(MatchMark.posting_id == posting.id)
        ).all()
    )
