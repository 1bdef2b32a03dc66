"""Web layer: the JSON API and the server-rendered pages. Routes parse, call a service, render; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from matchmaker.errors import Conflict, MatchmakerError, Message, as_message
from matchmaker.extensions import db, login_manager
from matchmaker.models import User
from matchmaker.schemas.fields import MAX_ID

csrf = CSRFProtect()


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: at most a 64-bit id, so a larger number is a plain 404 (not a database overflow)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    from matchmaker.web import api, pages, transaction
    from matchmaker.web.pages import (
        account,
        coordinator,
        dashboard,
        events,
        member,
        notifications,
        projects,
        public,
        registries,
        tools,
    )

    app.url_map.converters["int"] = IdConverter  # before any route is added
    csrf.init_app(app)
    api.init_app(app)
    for blueprint in api.BLUEPRINTS:
        csrf.exempt(blueprint)  # bearer tokens, not cookies: no cross-site forgery to guard against
    pages.init_app(
        app,
        [
            public.bp,
            account.bp,
            member.bp,
            coordinator.bp,
            dashboard.bp,
            notifications.bp,
            events.bp,
            projects.bp,
            tools.bp,
            registries.bp,
        ],
    )
    transaction.init_app(app)  # after every blueprint: each view commits once, in one place
    app.register_error_handler(MatchmakerError, handle_matchmaker_error)
    app.register_error_handler(StaleDataError, handle_concurrent_change)
    app.register_error_handler(OperationalError, handle_concurrent_change)
    app.context_processor(navigation)
    login_manager.login_view = "account.login"
    login_manager.login_message = "请先登录。"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))


def navigation() -> dict[str, Any]:
    """What every page's header needs: unread notifications of the logged-in user."""
    from flask_login import current_user

    from matchmaker.notifications import unread_count

    return {"unread_notifications": unread_count(current_user) if current_user.is_authenticated else 0}


# Pages say more than the API's one-line summaries: where to go next.
PAGE_MESSAGES = {
    404: Message("找不到您要访问的页面，它可能已被删除或地址有误。", "The page you asked for does not exist."),
    405: Message("不能这样访问这个页面，请从网站上的链接或按钮进入。", "This page cannot be reached this way."),
}
CSRF_EXPIRED = Message(
    "页面已过期或缺少安全令牌，您的提交未保存。请返回刷新页面后重新提交。",
    "The form has expired or lacks its security token; nothing was saved. Reload the page and submit again.",
)


def render_http_error(error: HTTPException) -> Any:
    """An HTTP error on a page (404, 405, 413, 429, a missing CSRF token …): a styled page in Chinese."""
    from matchmaker.web.api import HTTP_SUMMARIES

    code = error.code or 500
    message = PAGE_MESSAGES.get(code) or HTTP_SUMMARIES.get(code) or as_message(error.name)
    if isinstance(error, CSRFError):
        message = CSRF_EXPIRED
    elif code == 429 and error.description and not error.description.isascii():
        message = Message(error.description, HTTP_SUMMARIES[429].en)  # the limit's own Chinese message
    headers = error.get_headers()
    headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
    return render_template("error.html", error=HttpError(code, message)), code, headers


@dataclass(frozen=True)
class HttpError:
    status: int
    message: Message


def handle_concurrent_change(error: Exception) -> Any:
    """Two writers changed the same row at once: the later one is refused, with nothing written.

    PostgreSQL reports it through the version column (StaleDataError); SQLite refuses to let a
    transaction that read before another one's commit write at all ("database is locked").
    """
    if isinstance(error, OperationalError) and "database is locked" not in str(error.orig):
        raise error
    db.session.rollback()
    return handle_matchmaker_error(
        Conflict(
            Message(
                "这条数据刚被其他人修改，您的更改未保存。请刷新页面后重试。",
                "Someone else changed this just now; your change was not saved. Reload and try again.",
            )
        )
    )


def handle_matchmaker_error(error: MatchmakerError) -> Any:
    """A service refused: JSON for the API, a page for everything else."""
    if request.path.startswith("/api/"):
        from matchmaker.web.api import handle_matchmaker_error as as_json

        return as_json(error)
    return render_template("error.html", error=error), error.status
