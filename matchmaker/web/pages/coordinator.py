"""Coordinators: verifying organizations, all postings and contact requests, bulk import."""

from __future__ import annotations

import logging
from io import BytesIO
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from matchmaker import contacts, exports, organizations, postings, status, transfer
from matchmaker.errors import InvalidInput
from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.schemas.postings import PostingListArgsSchema
from matchmaker.taxonomy import get_taxonomy
from matchmaker.web.pages import coordinator_required, field_errors, load_form, viewer

log = logging.getLogger(__name__)
bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

QUEUES = {"pending": "待审核", "verified": "已认证", "closed": "已关闭"}
QUEUE_PAGE_SIZE = 20


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"page_url": page_url}


def page_url(page: int) -> str:
    """This page's address with the same query (filters) and another page number."""
    return url_for(request.endpoint, **request.view_args, **{**request.args.to_dict(flat=False), "page": page})


# --- organizations: the verification queue -----------------------------------------------


@bp.get("/organizations")
@coordinator_required
def organization_queue():
    return render_queue(queue_arg(request.args), page_arg(request.args))


@bp.post("/organizations/<int:org_id>/verify")
@coordinator_required
def verify(org_id: int):
    org = organizations.verify_organization(organizations.find_organization(id=org_id), viewer())
    name = org.name
    flash(f"已认证「{name}」：其已发布的信息现已公开，并可被搜索。")
    return redirect(url_for(".organization_queue", show=queue_arg(request.form), page=page_arg(request.form)))


@bp.post("/organizations/<int:org_id>/reject")
@coordinator_required
def reject(org_id: int):
    org = organizations.find_organization(id=org_id)
    reason = request.form.get("reason", "")
    try:
        organizations.reject_organization(org, viewer(), reason)
    except InvalidInput as error:
        return render_queue(
            queue_arg(request.form),
            page_arg(request.form),
            errors={org.id: field_errors(error)},
            reasons={org.id: reason},
            status=422,
        )
    name = org.name
    flash(f"已将「{name}」标为不予认证；该机构成员可在本机构页面看到原因，修改后可再次申请。")
    return redirect(url_for(".organization_queue", show=queue_arg(request.form), page=page_arg(request.form)))


def render_queue(
    show: str,
    page: int,
    *,
    errors: dict[int, Any] | None = None,
    reasons: dict[int, str] | None = None,
    status: int = 200,
):
    listed = db.paginate(organizations.verification_queue(show), page=page, per_page=QUEUE_PAGE_SIZE, error_out=False)
    return render_template(
        "coordinator/organizations.html",
        show=show,
        queues=QUEUES,
        listed=listed,
        totals={name: organizations.count_rows(organizations.verification_queue(name)) for name in QUEUES},
        posting_counts=organizations.posting_counts([org.id for org in listed.items]),
        members={org.id: organizations.members_of(org) for org in listed.items},
        taxonomy=get_taxonomy(),
        errors=errors or {},
        reasons=reasons or {},
    ), status


@bp.get("/organizations.<any(xlsx, csv):fmt>")
@coordinator_required
def organization_export(fmt: str):
    """The tab of the queue being looked at, every page of it, with the contact details the cards show."""
    show = queue_arg(request.args)
    return send_download(exports.write(exports.organization_sheets(show, viewer()), fmt, f"机构-{QUEUES[show]}"))


def send_download(download: exports.Download) -> Response:
    response = send_file(
        BytesIO(download.body), mimetype=download.mimetype, as_attachment=True, download_name=download.filename
    )
    response.headers["Cache-Control"] = "private, no-store"  # contact details and unpublished drafts
    return response


def queue_arg(args: Any) -> str:
    show = args.get("show", "pending")
    return show if show in QUEUES else "pending"


def page_arg(args: Any) -> int:
    page = args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1


# --- postings and contact requests --------------------------------------------------------


@bp.get("/postings")
@coordinator_required
def posting_list():
    try:
        filters = load_form(PostingListArgsSchema(), request.args)
    except InvalidInput as error:
        return render_postings(None, field_errors(error), 422)
    return render_postings(postings.list_postings(filters, viewer()), {})


@bp.get("/postings.<any(xlsx, csv):fmt>")
@coordinator_required
def posting_export(fmt: str):
    """The list under the same filters, every page of it; a bad filter is named on the list page."""
    try:
        filters = load_form(PostingListArgsSchema(), request.args)
    except InvalidInput as error:
        return render_postings(None, field_errors(error), 422)
    return send_download(exports.write(exports.posting_sheets(filters, viewer()), fmt, "需求与供给"))


def render_postings(listed: Any, errors: dict[str, Any], status: int = 200):
    return render_template(
        "coordinator/postings.html", listed=listed, errors=errors, taxonomy=get_taxonomy(), options=filter_options()
    ), status


def filter_options() -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices of the posting filters; counties indented under their prefecture."""
    taxonomy = get_taxonomy()
    regions = []
    for prefecture in (r for r in taxonomy.regions.values() if r.level == "prefecture"):
        regions.append((prefecture.code, prefecture.name))
        regions.extend((r.code, "\u3000" + r.name) for r in taxonomy.regions.values() if r.parent == prefecture.code)
    return {
        "category": [(c.code, c.name) for c in taxonomy.categories.values()],
        "sector": [(s.code, f"{s.group_name} · {s.name}") for s in taxonomy.sectors.values()],
        "region": regions,
    }


@bp.get("/contacts")
@coordinator_required
def contact_list():
    return render_template("coordinator/contacts.html", requests=contacts.contact_requests(viewer()))


@bp.get("/contacts.<any(xlsx, csv):fmt>")
@coordinator_required
def contact_export(fmt: str):
    return send_download(exports.write(exports.contact_sheets(viewer()), fmt, "联系请求"))


# --- bulk import: upload, preview, confirm ------------------------------------------------


@bp.get("/import")
@coordinator_required
def import_form():
    return render_template("coordinator/import.html", errors={})


@bp.post("/import")
@coordinator_required
def import_preview():
    request.max_content_length = transfer.MAX_UPLOAD_BYTES + 64 * 1024  # the form's other fields and framing
    upload = request.files.get("file")
    try:
        upload_id, path = transfer.save_upload(upload.stream if upload else None, upload.filename if upload else "")
        report = transfer.import_rows(
            transfer.read_upload(path, upload.filename, header=transfer.IMPORT_HEADER), dry_run=True, actor=viewer()
        )
    except InvalidInput as error:
        return render_template("coordinator/import.html", errors=field_errors(error)), 422
    return render_template(
        "coordinator/import.html", errors={}, report=report, upload_id=upload_id, filename=upload.filename
    )


@bp.get("/import/template.<any(xlsx, csv):fmt>")
@coordinator_required
def import_template(fmt: str):
    """The import template: a header and an example row per row type (.xlsx: and a sheet explaining each column)."""
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(
        BytesIO(transfer.template_bytes(fmt)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{transfer.TEMPLATE_NAME}.{fmt}",
    )


@bp.post("/import/confirm")
@coordinator_required
def import_confirm():
    try:
        job = transfer.import_later(
            request.form.get("upload", ""),
            request.form.get("filename", ""),
            skip_invalid=request.form.get("skip_invalid") == "1",
            actor=viewer(),
        )
    except InvalidInput as error:
        return render_template("coordinator/import.html", errors=field_errors(error)), 422
    return redirect(url_for(".import_progress", job_id=job.id))


@bp.get("/import/jobs/<int:job_id>")
@coordinator_required
def import_progress(job_id: int):
    """An import job's state: queued, running, or its report; the page refreshes itself until it is done."""
    job = transfer.find_import_job(job_id)
    report = transfer.import_job_report(job)
    indexing = status.indexing_progress(report.posting_ids) if report and report.written else None
    return render_template(
        "coordinator/import_job.html",
        job=job,
        report=report,
        indexing=indexing,
        filename=job.payload.get("filename", ""),
        refresh=job.status != "done" or (indexing is not None and indexing.waiting > 0),
    )


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """Raised while the form is read: here, or before the view by the CSRF check or the app's own limit."""
    return render_template("coordinator/import.html", errors={"file": [transfer.TOO_LARGE]}), 413


@bp.get("/status")
@coordinator_required
def status_page():
    """The search index against the database, the job queue and the workers."""
    return render_template(
        "coordinator/status.html", work=status.background_work(get_search_index()), seconds_since=status.seconds_since
    )
