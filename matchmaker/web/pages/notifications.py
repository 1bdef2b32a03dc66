"""Notifications in the app and the user's notification settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from matchmaker import notifications
from matchmaker.errors import InvalidInput, NotFound
from matchmaker.extensions import db
from matchmaker.mail import mailer_from
from matchmaker.models import Notification
from matchmaker.models.notifications import EMAIL_MODES, NOTIFICATION_KINDS
from matchmaker.web.pages import field_errors, safe_local_path, viewer

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

EMAIL_MODE_NAMES = {"immediate": "每条即时发送", "weekly": "每周汇总", "off": "不发邮件"}
KIND_HINTS = {
    "new_match": "有新发布与本机构的需求或供给相匹配时",
    "contact_request": "其他机构请求与本机构联系时",
    "contact_answer": "本机构发出的联系请求得到答复时",
    "event": "对接活动的报名审核、洽谈日程发布和成效回访",
    "project": "合作项目邀请确认、示范项目库推荐与入选结果",
}


@bp.get("")
@login_required
def inbox():
    return render_template(
        "notifications/list.html", notes=notifications.notifications_for(viewer()), kind_names=notifications.KIND_NAMES
    )


@bp.post("/read")
@login_required
def mark_all_read():
    notifications.mark_read(viewer())
    flash("已将全部通知标为已读。")
    return redirect(url_for(".inbox"))


@bp.get("/<int:note_id>")
@login_required
def open_note(note_id: int):
    """Mark one notification read and go to what it is about."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != viewer().id:
        raise NotFound()
    notifications.mark_read(viewer(), [note.id])
    link = safe_local_path(note.link) or url_for(".inbox")
    return redirect(link)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    user = viewer()
    if request.method == "POST":
        wanted, email_mode = request.form.getlist("kinds"), request.form.get("email_mode", "")
        try:
            notifications.update_settings(user, wanted, email_mode)
        except InvalidInput as error:
            return render_settings(set(wanted), email_mode, field_errors(error), 422)
        flash("通知设置已保存。")
        return redirect(url_for(".settings"))
    current = notifications.settings_for(user)
    return render_settings({kind for kind in NOTIFICATION_KINDS if current.wants(kind)}, current.email_mode, {}, 200)


def render_settings(wanted: set[str], email_mode: str, errors: dict, status: int):
    return render_template(
        "notifications/settings.html",
        wanted=wanted,
        email_mode=email_mode,
        errors=errors,
        kinds=[(kind, notifications.KIND_NAMES[kind], KIND_HINTS[kind]) for kind in NOTIFICATION_KINDS],
        modes=[(mode, EMAIL_MODE_NAMES[mode]) for mode in EMAIL_MODES],
        mail_configured=mailer_from(current_app.config) is not None,
    ), status
