"""Shared fixtures: an app on a fresh database, its HTTP client and CLI runner, and factories.

Every test that uses `app` runs twice: on SQLite (the embedded default) and on the real
PostgreSQL server at 127.0.0.1:5432 (the production configuration). The suite creates
its own PostgreSQL database and drops it at the end. Set MATCHMAKER_TEST_DATABASES=sqlite
to run only the SQLite half while developing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from matchmaker import accounts, create_app, organizations
from matchmaker.cli import main as cli_main
from matchmaker.config import SETTINGS
from matchmaker.extensions import db
from matchmaker.indexing import set_search_index
from matchmaker.indexing.embedded import EmbeddedBackend
from matchmaker.indexing.embedder import EmbeddingCache, FakeEmbedder, SentenceTransformerEmbedder
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import reindex
from matchmaker.models import Organization, User

POSTGRES_ADMIN_URL = os.environ.get("MATCHMAKER_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
DATABASES = [name for name in os.environ.get("MATCHMAKER_TEST_DATABASES", "sqlite,postgresql").split(",") if name]


def _migrate(home: Path, url: str) -> None:
    """Create the schema the way operators do: by running the Alembic migrations."""
    from flask_migrate import upgrade

    app = create_app({"HOME": str(home), "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated database for the session: a SQLite template file or a PostgreSQL database."""
    if request.param == "sqlite":
        home = tmp_path_factory.mktemp("template")
        _migrate(home, f"sqlite:///{home / 'matchmaker.db'}")
        yield {"kind": "sqlite", "template": home / "matchmaker.db"}
        return
    name = f"matchmaker_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        _migrate(tmp_path_factory.mktemp("pg"), url)
        yield {"kind": "postgresql", "url": url}
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(database: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The application on an empty, migrated database, with its home in a temporary folder."""
    home = tmp_path / "instance"
    home.mkdir()
    if database["kind"] == "sqlite":
        shutil.copyfile(database["template"], home / "matchmaker.db")
        url = f"sqlite:///{home / 'matchmaker.db'}"
    else:
        url = database["url"]
    app = create_app({"HOME": str(home), "DATABASE_URL": url, "SECRET_KEY": "test"})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        use_search_index(app, FakeEmbedder())
    yield app
    with app.app_context():
        db.session.remove()
        if database["kind"] == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


def use_search_index(app: Flask, embedder: Any) -> SearchIndex:
    """Give the app an empty embedded index that uses this embedder (tests not about the model use a fake)."""
    folder = Path(app.config["MATCHMAKER_HOME"]) / "search"
    index = SearchIndex(backend=EmbeddedBackend(folder / "index.sqlite"), embedder=embedder,
                        lock_path=folder / "index.lock")
    set_search_index(app, index)
    reindex(index)
    return index


@pytest.fixture
def use_embedder(app: Flask) -> Callable[[Any], SearchIndex]:
    """Switch the app to a fresh empty index built with another embedder: `use_embedder(real_embedder)`."""

    def switch(embedder: Any) -> SearchIndex:
        with app.app_context():
            return use_search_index(app, embedder)

    return switch


@pytest.fixture(scope="session")
def real_embedder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The converted multilingual-e5-small as the product configures it, loaded once per session.

    `make test` prepares the model and names its folder in MATCHMAKER_TEST_MODEL_DIR.
    """
    folder = os.environ.get("MATCHMAKER_TEST_MODEL_DIR")
    if not folder or not Path(folder, "matchmaker_model.json").exists():
        pytest.fail("MATCHMAKER_TEST_MODEL_DIR must name a prepared model folder (make test prepares one)")
    cache = EmbeddingCache(tmp_path_factory.mktemp("embeddings") / "embeddings.sqlite")
    return SentenceTransformerEmbedder(folder, cache=cache, max_seq_length=SETTINGS["EMBEDDING_MAX_TOKENS"].default)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class CliRunner:
    """Runs `matchmaker …` commands against the test app."""

    def __init__(self, runner: FlaskCliRunner):
        self.runner = runner

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(cli_main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def cli(app: Flask) -> CliRunner:
    return CliRunner(app.test_cli_runner())


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organization]:
    """Create an organization directly through the service (verified unless told otherwise)."""
    counter = iter(range(1, 10_000))

    def make(*, verified: bool = True, **fields: Any) -> Organization:
        n = next(counter)
        data = {"ref": f"ORG-{n}", "name": f"测试机构{n}", "kind": "enterprise", "region": "520102",
                "sectors": [], "description": ""}
        data.update(fields)
        with app.app_context():
            org = organizations.create_organization(data, accounts.OPERATOR, verified=verified)
            db.session.commit()
            db.session.refresh(org)
            db.session.expunge(org)
            return org

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., tuple[User, str]]:
    """Create a user and return it with a bearer token: `user, token = make_user(role=…, org=…)`."""
    counter = iter(range(1, 10_000))

    def make(*, role: str = "member", org: Organization | None = None) -> tuple[User, str]:
        with app.app_context():
            owner = db.session.get(Organization, org.id) if org is not None else None
            user = accounts.create_user(f"user{next(counter)}@example.cn", "correct horse battery",
                                        role=role, organization=owner)
            token = accounts.create_token(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user, token

    return make


@pytest.fixture
def count(app: Flask) -> Callable[[type], int]:
    """Count the rows of a model: `count(Posting)`."""

    def count_rows(model: type) -> int:
        with app.app_context():
            return db.session.query(model).count()

    return count_rows


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    """Authorization header for a token: `client.post(…, headers=bearer(token))`."""
    return lambda token: {"Authorization": f"Bearer {token}"}
