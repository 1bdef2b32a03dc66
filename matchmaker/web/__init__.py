"""Web layer: the JSON API and the server-rendered pages. Routes parse, call a service, render."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFProtect

from matchmaker.errors import MatchmakerError
from matchmaker.extensions import db, login_manager
from matchmaker.models import User

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    from matchmaker.web import api, pages

    csrf.init_app(app)
    api.init_app(app)
    for blueprint in api.BLUEPRINTS:
        csrf.exempt(blueprint)  # bearer tokens, not cookies: no cross-site forgery to guard against
    app.register_blueprint(pages.bp)
    app.register_error_handler(MatchmakerError, handle_matchmaker_error)
    login_manager.login_view = "pages.login"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))


def handle_matchmaker_error(error: MatchmakerError) -> Any:
    """A service refused: JSON for the API, a page for everything else."""
    if request.path.startswith("/api/"):
        from matchmaker.web.api import handle_matchmaker_error as as_json

        return as_json(error)
    return render_template("error.html", error=error), error.status
