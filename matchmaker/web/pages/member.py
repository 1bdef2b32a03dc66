"""Organization members: their organization, postings, recommended matches and contact requests.

Routes parse the form, call a service and redirect (Post/Redirect/Get); the request commits once. A form
that does not validate is shown again with status 400 and each message beside its field; the
messages come from the API's schemas and services, so they are the API's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from matchmaker import contacts, matching, notifications, organizations, postings
from matchmaker.errors import InvalidInput, Message, NotFound
from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.models import Organization, Posting
from matchmaker.schemas.organizations import OrganizationInSchema
from matchmaker.schemas.postings import PostingInSchema, PostingUpdateSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.text import crosswalk
from matchmaker.transitions import POSTING_STATUS
from matchmaker.web.pages import (
    ORGANIZATION_FORM,
    ORGANIZATION_TEXT_FIELDS,
    FieldErrors,
    field_errors,
    form_options,
    load_form,
    member_required,
    messages_zh,
    safe_local_path,
    submitted_values,
    viewer,
)
from matchmaker.web.transaction import attempt

bp = Blueprint("member", __name__)

MATCH_LIMIT = 20
STATUS_NAMES = POSTING_STATUS.labels
CONTACT_STATUS_NAMES = {"pending": "等待答复", "accepted": "已接受", "declined": "已婉拒"}
# Optional fields that an emptied input clears (a page form always sends all of them).
POSTING_TEXT_FIELDS = (
    "direction",
    "category",
    "title",
    "description",
    "region",
    "quantity",
    "starts_on",
    "ends_on",
    "valid_until",
)
BAD_ID = Message("编号无效。", "Not a valid id.")


# --- forms ----------------------------------------------------------------------------------


def organization_values(org: Organization) -> dict[str, Any]:
    values = {name: getattr(org, name) or "" for name in ORGANIZATION_TEXT_FIELDS if name != "region"}
    values.update(region=org.region_code, sectors=org.sectors)
    return values


def posting_values(posting: Posting) -> dict[str, Any]:
    def text(value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))

    values = {name: text(getattr(posting, name)) for name in POSTING_TEXT_FIELDS if name != "region"}
    values.update(region=posting.region_code or "", sectors=posting.sectors, tags=posting.tags or [])
    return values


# --- lookups ----------------------------------------------------------------------------------


def own_organization() -> Organization:
    org = db.session.get(Organization, viewer().organization_id)
    if org is None:
        abort(403)
    return org


def own_posting(posting_id: int) -> Posting:
    """One of the viewer's organization's postings; 404 for anyone else's (not even its existence shows)."""
    posting = db.session.get(Posting, posting_id)
    if posting is None or posting.organization_id != viewer().organization_id:
        abort(404)
    return posting


@bp.context_processor
def page_helpers() -> dict[str, Any]:
    taxonomy = get_taxonomy()
    return {
        "status_names": STATUS_NAMES,
        "contact_status_names": CONTACT_STATUS_NAMES,
        "region_label": taxonomy.region_label,
        "category_name": lambda code: taxonomy.categories[code].name if code in taxonomy.categories else code,
        "sector_name": lambda code: taxonomy.sectors[code].name if code in taxonomy.sectors else code,
        "kind_name": lambda code: taxonomy.kinds[code].name if code in taxonomy.kinds else code,
    }


# --- the organization -------------------------------------------------------------------------


@bp.route("/my/organization", methods=["GET", "POST"])
@member_required
def organization():
    org = own_organization()
    errors: FieldErrors = {}
    values = organization_values(org)
    if request.method == "POST":
        values = submitted_values(ORGANIZATION_TEXT_FIELDS)
        try:
            data = load_form(OrganizationInSchema(only=ORGANIZATION_FORM))
            organizations.update_organization(org, data, viewer())
            flash("机构资料已保存。")
            return redirect(url_for(".organization"))
        except InvalidInput as exc:
            errors = field_errors(exc)
    return render_template(
        "member/organization.html",
        org=org,
        values=values,
        errors=errors,
        options=form_options(),
        members=organizations.members_of(org),
    ), 400 if errors else 200


# --- postings ---------------------------------------------------------------------------------


@bp.get("/my/postings")
@member_required
def my_postings():
    org = own_organization()
    rows = postings.postings_of(org)
    return render_template("member/postings.html", org=org, postings=rows)


@bp.route("/my/postings/new", methods=["GET", "POST"])
@member_required
def new_posting():
    org = own_organization()
    errors: FieldErrors = {}
    values: dict[str, Any] = {
        "direction": "need" if org.kind == "enterprise" else "offer",
        "region": org.region_code,
        "sectors": org.sectors,
    }
    if request.method == "POST":
        values = submitted_values(POSTING_TEXT_FIELDS)
        try:
            data = load_form(PostingInSchema(only=(*POSTING_TEXT_FIELDS, "sectors", "status")))
            posting = postings.create_posting(org, data, viewer())
            notifications.announce_later(posting)
            flash("已发布。" if posting.status == "published" else "已保存为草稿（尚未公开）。")
            return redirect(url_for(".matches", posting_id=posting.id))
        except InvalidInput as exc:
            errors = field_errors(exc)
    return render_template(
        "member/posting_form.html",
        posting=None,
        org=org,
        values=values,
        errors=errors,
        options=form_options(),
        tag_choices=[],
    ), 400 if errors else 200


@bp.route("/my/postings/<int:posting_id>/edit", methods=["GET", "POST"])
@member_required
def edit_posting(posting_id: int):
    posting = own_posting(posting_id)
    errors: FieldErrors = {}
    values = posting_values(posting)
    if request.method == "POST":
        values = submitted_values(POSTING_TEXT_FIELDS, ("sectors", "tags"))
        try:
            data = load_form(PostingUpdateSchema(only=(*POSTING_TEXT_FIELDS, "sectors", "tags")))
            data.setdefault("tags", None)  # none confirmed: matching reads the tags from the text
            postings.update_posting(posting, data, viewer())
            publish = request.form.get("action") == "publish"
            if publish:
                postings.publish_posting(posting, viewer())
            if publish:
                notifications.announce_later(posting)
            flash("已保存并发布。" if publish else "已保存。")
            return redirect(url_for(".matches", posting_id=posting.id))
        except InvalidInput as exc:
            errors = field_errors(exc)
    return render_template(
        "member/posting_form.html",
        posting=posting,
        org=posting.organization,
        values=values,
        errors=errors,
        options=form_options(),
        tag_choices=tag_choices(posting),
    ), 400 if errors else 200


def tag_choices(posting: Posting) -> list[dict[str, str]]:
    """The crosswalk's suggestions for the saved text, then confirmed tags it no longer suggests."""
    tags = list(dict.fromkeys([*postings.suggest_tags(posting), *(posting.tags or [])]))
    return [described for tag in tags if (described := crosswalk.describe_tag(tag)) is not None]


@bp.post("/my/postings/<int:posting_id>/publish")
@member_required
def publish(posting_id: int):
    posting = own_posting(posting_id)
    try:
        with attempt():
            postings.publish_posting(posting, viewer())
            notifications.announce_later(posting)
        flash(f"「{posting.title}」已发布，有效期至 {posting.valid_until.isoformat()}。")
    except InvalidInput as exc:
        flash(messages_zh(exc))
    return redirect(url_for(".my_postings"))


@bp.post("/my/postings/<int:posting_id>/close")
@member_required
def close(posting_id: int):
    posting = own_posting(posting_id)
    postings.close_posting(posting, viewer())
    flash(f"「{posting.title}」已关闭，不再公开展示。")
    return redirect(url_for(".my_postings"))


# --- matches ----------------------------------------------------------------------------------


@bp.get("/my/postings/<int:posting_id>/matches")
@member_required
def matches(posting_id: int):
    posting = own_posting(posting_id)
    try:
        found = matching.match_posting(posting, get_search_index(), limit=MATCH_LIMIT)
    except matching.SearchUnavailable as exc:
        return render_template("member/matches.html", posting=posting, unavailable=exc.message), exc.status
    marks = contacts.marks_for(posting)
    wanted = [r for r in found.results if marks.get(r.posting.id) != "not_interested"]
    unwanted = [r for r in found.results if marks.get(r.posting.id) == "not_interested"]
    return render_template(
        "member/matches.html",
        posting=posting,
        unavailable=None,
        results=wanted,
        unwanted=unwanted,
        total=found.total,
        marks=marks,
        contact_state=contact_state(),
    )


def contact_state() -> dict[int, tuple[str, bool]]:
    """Other organization id → (status, sent by us) of the latest request between it and the viewer's."""
    own = viewer().organization_id
    state: dict[int, tuple[str, bool]] = {}
    for contact in contacts.contact_requests(viewer()):  # newest first
        sent = contact.from_organization_id == own
        state.setdefault(contact.to_organization_id if sent else contact.from_organization_id, (contact.status, sent))
    return state


@bp.post("/my/postings/<int:posting_id>/marks")
@member_required
def mark(posting_id: int):
    posting = own_posting(posting_id)
    counterpart_id = request.form.get("counterpart_id", "")
    try:
        counterpart = postings.get_visible_posting(viewer(), int(counterpart_id))
    except (ValueError, NotFound):
        abort(404)
    try:
        with attempt():
            contacts.mark_match(viewer(), posting, counterpart, request.form.get("mark", ""))
        flash(f"已将「{counterpart.title}」标记为{'感兴趣' if request.form['mark'] == 'interested' else '不感兴趣'}。")
    except InvalidInput as exc:
        flash(messages_zh(exc))
    return redirect(url_for(".matches", posting_id=posting.id) + f"#match-{counterpart.id}")


# --- contact requests -------------------------------------------------------------------------


@bp.get("/contacts")
@member_required
def contact_list():
    own = viewer().organization_id
    rows = contacts.contact_requests(viewer())
    sent = [c for c in rows if c.from_organization_id == own]
    received = [c for c in rows if c.to_organization_id == own]
    details = {
        c.id: contact_details(c.to_organization if c in sent else c.from_organization)
        for c in rows
        if c.status == "accepted"
    }
    return render_template("member/contacts.html", sent=sent, received=received, details=details)


def contact_details(org: Organization) -> dict[str, Any]:
    """What the other side gave for contact; its members' e-mail addresses when it gave none."""
    given = {"name": org.contact_name, "phone": org.contact_phone, "email": org.contact_email}
    if any(given.values()):
        return given
    return {"name": None, "phone": None, "email": "、".join(u.email for u in organizations.members_of(org))}


@bp.post("/contacts/new")
@member_required
def new_contact():
    back = safe_local_path(request.form.get("next")) or url_for(".contact_list")
    try:
        to_org = organizations.get_visible_organization(viewer(), id=form_id("to_organization_id", required=True))
        to_posting_id, from_posting_id = form_id("to_posting_id"), form_id("from_posting_id")
        to_posting = None if to_posting_id is None else postings.get_visible_posting(viewer(), to_posting_id)
        from_posting = None if from_posting_id is None else postings.find_posting(id=from_posting_id)
        with attempt():
            contacts.request_contact(
                viewer(),
                to_org,
                message=request.form.get("message", ""),
                from_posting=from_posting,
                to_posting=to_posting,
            )
    except (InvalidInput, NotFound) as exc:
        flash(messages_zh(exc) if isinstance(exc, InvalidInput) else exc.message.zh)
        return redirect(back)
    flash("已发送联系请求，对方接受后双方可查看联系方式。")
    return redirect(back)


def form_id(name: str, *, required: bool = False) -> int | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    if not value.isdigit():
        raise InvalidInput({name: [BAD_ID]})
    return int(value)


@bp.post("/contacts/<int:contact_id>/answer")
@member_required
def answer(contact_id: int):
    try:
        contact = contacts.find_contact(contact_id)
    except NotFound:
        abort(404)
    if (
        contact.to_organization_id != viewer().organization_id
        and contact.from_organization_id != viewer().organization_id
    ):
        abort(404)
    accept = request.form.get("accept") == "1"
    try:
        with attempt():
            contacts.answer_contact(viewer(), contact, accept)
        flash(
            f"已接受「{contact.from_organization.name}」的联系请求，双方现在可以查看联系方式。"
            if accept
            else f"已婉拒「{contact.from_organization.name}」的联系请求。"
        )
    except InvalidInput as exc:
        flash(messages_zh(exc))
    return redirect(url_for(".contact_list") + f"#contact-{contact_id}")
