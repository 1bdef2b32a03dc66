"""matchmaker — 产教融合信息服务平台: school–enterprise matchmaking for Guizhou."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from matchmaker.config import ensure_secret_key, load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings → database → search index (lazy) → web."""
    settings = load_settings(overrides)
    home = Path(settings["HOME"])
    home.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(home), template_folder="web/templates", static_folder="web/static")
    app.config.update({"MATCHMAKER_" + name: value for name, value in settings.items()})
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"] or ensure_secret_key(home),
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["PRODUCTION"],
        REMEMBER_COOKIE_SECURE=settings["PRODUCTION"],
        RATELIMIT_STORAGE_URI=settings["RATELIMIT_STORAGE"],
        MAX_CONTENT_LENGTH=11 * 1024 * 1024,  # the largest request: an import upload of up to 10 MB
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.json.ensure_ascii = False  # readable Chinese in API responses
    app.json.sort_keys = False
    logging.basicConfig(level=settings["LOG_LEVEL"].upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The Elasticsearch client logs every request at INFO; its warnings (a node failing) still show.
    logging.getLogger("elastic_transport").setLevel(max(logging.WARNING, logging.getLogger().level))

    from matchmaker.extensions import configure_sqlite, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    limiter.init_app(app)

    from matchmaker import indexing, web

    indexing.init_app(app)
    web.init_app(app)
    return app
