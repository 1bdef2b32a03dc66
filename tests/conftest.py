"""Shared fixtures: an app on a fresh database, its HTTP client and CLI runner, servers, and factories
(`make_org`, `make_user`, `make_posting`, `make_event`, `login`).

Every test that uses `app` runs twice: on SQLite (the embedded default) and on a real
PostgreSQL server (the production configuration). The suite starts its own PostgreSQL,
Redis and Elasticsearch servers (tests/servers.py) unless these name running ones:

    MATCHMAKER_TEST_DATABASE_URL       a PostgreSQL server where the suite may create and drop
                                       databases, e.g. postgresql://postgres@127.0.0.1:5432/postgres
    MATCHMAKER_TEST_REDIS_URL          e.g. redis://127.0.0.1:6379/15 (the tests write to it)
    MATCHMAKER_TEST_ELASTICSEARCH_URL  e.g. http://127.0.0.1:9200 (the tests create indices named matchmaker-test-*)

A server that cannot be had fails the tests that need it, with the reason; nothing is
skipped. Set MATCHMAKER_TEST_DATABASES=sqlite to run only the SQLite half while developing.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from matchmaker import accounts, create_app, organizations, postings
from matchmaker.cli import main as cli_main
from matchmaker.config import SETTINGS
from matchmaker.events import operations as events
from matchmaker.extensions import db, writing
from matchmaker.indexing import build_backend, get_search_index, set_search_index
from matchmaker.indexing.embedder import EmbeddingCache, FakeEmbedder, SentenceTransformerEmbedder
from matchmaker.indexing.service import SearchIndex
from matchmaker.indexing.sync import reindex
from matchmaker.models import Event, Organization, Posting, User
from tests import servers
from tests.helpers import WorkingClient, drop_search_index, event_input, run_worker

DATABASES = [name for name in os.environ.get("MATCHMAKER_TEST_DATABASES", "sqlite,postgresql").split(",") if name]
ROOT = Path(__file__).resolve().parent.parent
STARTED: list[servers.Server] = []


def pytest_configure(config: pytest.Config) -> None:
    # A terminated run (CI timeout, `kill`) unwinds like Ctrl-C, so fixtures stop their servers.
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    servers.remove_stale_workdirs()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for server in STARTED:
        memory = f", {server.info['memory_mb']:.0f} MiB resident" if "memory_mb" in server.info else ""
        terminalreporter.write_line(f"started {server.name} at {server.url} in {server.started_in:.1f} s{memory}")


def start_server(start: Callable[[], servers.Server]) -> servers.Server:
    """Start a server for the session, failing (not skipping) with the reason when it cannot be had."""
    try:
        server = start()
    except servers.ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    STARTED.append(server)
    return server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server (a database on it) where the suite may create and drop databases."""
    if os.environ.get("MATCHMAKER_TEST_DATABASE_URL"):
        yield os.environ["MATCHMAKER_TEST_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        return
    server = start_server(servers.start_postgres)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if os.environ.get("MATCHMAKER_TEST_REDIS_URL"):
        yield os.environ["MATCHMAKER_TEST_REDIS_URL"]
        return
    server = start_server(servers.start_redis)
    yield server.url
    server.stop()


ELASTICSEARCH: dict[str, servers.Server] = {}  # target → the server started for it, for the whole session


def _elasticsearch_for(target: str) -> str:
    """The URL of a live Elasticsearch for a target of servers.elasticsearch_targets(), started on first use.

    Every test of a target shares its server until the session ends (pytest_sessionfinish stops them).
    """
    if target == "external":
        return os.environ["MATCHMAKER_TEST_ELASTICSEARCH_URL"].rstrip("/")
    if target == "missing":
        pytest.fail(
            "No Elasticsearch distribution in .cache/elasticsearch/: run the tests with `make test`, which "
            "fetches it from Maven Central, or set MATCHMAKER_TEST_ELASTICSEARCH_URL.",
            pytrace=False,
        )
    if target not in ELASTICSEARCH:
        home = servers.elasticsearch_targets()[target]
        server = start_server(lambda: servers.start_elasticsearch(home))
        server.info["memory_mb"] = server.resident_memory_mb()
        ELASTICSEARCH[target] = server
    return ELASTICSEARCH[target].url


def pytest_sessionfinish(session: pytest.Session) -> None:
    while ELASTICSEARCH:
        _, server = ELASTICSEARCH.popitem()
        server.stop()


@pytest.fixture(scope="session")
def elasticsearch_for() -> Callable[[str], str]:
    """`elasticsearch_for(target)`: the URL of a live server for a target of servers.elasticsearch_targets()."""
    return _elasticsearch_for


@pytest.fixture(scope="session", params=list(servers.elasticsearch_targets()))
def elasticsearch_url(request: pytest.FixtureRequest) -> str:
    """A live Elasticsearch: each cached distribution (8.x and 9.x) in turn, or the configured cluster."""
    return _elasticsearch_for(request.param)


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
    admin_url = request.getfixturevalue("postgres_url")
    name = f"matchmaker_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.split("?")[0].rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        _migrate(tmp_path_factory.mktemp("pg"), url)
        yield {"kind": "postgresql", "url": url}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests marked `both_backends` run on the embedded index and once more on Elasticsearch.
    if metafunc.definition.get_closest_marker("both_backends") and "search_backend" in metafunc.fixturenames:
        metafunc.parametrize("search_backend", ["embedded", "elasticsearch"], indirect=True)


@pytest.fixture
def search_backend(request: pytest.FixtureRequest) -> str:
    """The backend of the app's search index: embedded, unless the test is marked `both_backends`."""
    return getattr(request, "param", "embedded")


@pytest.fixture
def app(database: dict[str, Any], tmp_path: Path, search_backend: str) -> Iterator[Flask]:
    """The application on an empty, migrated database, with its home in a temporary folder."""
    home = tmp_path / "instance"
    home.mkdir()
    if database["kind"] == "sqlite":
        shutil.copyfile(database["template"], home / "matchmaker.db")
        url = f"sqlite:///{home / 'matchmaker.db'}"
    else:
        url = database["url"]
    settings = {"HOME": str(home), "DATABASE_URL": url, "SECRET_KEY": "test"}
    if search_backend == "elasticsearch":
        # The newest server the session has; the contract suite covers every one.
        settings.update(
            SEARCH_BACKEND="elasticsearch",
            ELASTICSEARCH_URL=_elasticsearch_for(list(servers.elasticsearch_targets())[-1]),
            ELASTICSEARCH_INDEX_PREFIX=f"matchmaker-test-{uuid.uuid4().hex[:12]}",
        )
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.test_client_class = WorkingClient
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
        drop_search_index(app)
        get_search_index(app).backend.close()


def use_search_index(app: Flask, embedder: Any) -> SearchIndex:
    """Give the app an empty index of the configured backend that uses this embedder (tests not about the
    model use a fake)."""
    folder = Path(app.config["MATCHMAKER_HOME"]) / "search"
    index = SearchIndex(backend=build_backend(app.config), embedder=embedder, lock_path=folder / "index.lock")
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


@pytest.fixture
def work(app: Flask) -> Callable[[], int]:
    """`work()`: run the worker until nothing is due, as after a commit outside a request."""
    return lambda: run_worker(app)


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
        data = {
            "ref": f"ORG-{n}",
            "name": f"测试机构{n}",
            "kind": "enterprise",
            "region": "520102",
            "sectors": [],
            "description": "",
        }
        data.update(fields)
        with app.app_context(), writing():
            org = organizations.create_organization(data, accounts.OPERATOR, verified=verified)
            db.session.commit()
            db.session.refresh(org)
            db.session.expunge(org)
            return org

    return make


@pytest.fixture
def make_posting(app: Flask) -> Callable[..., Posting]:
    """Create a posting of an organization (or organization id) directly through the service, published
    unless `status="draft"`, then run the worker so that it is in the search index:
    `make_posting(org, title=…, sectors=[…])`. Fields are the service's (already validated) input."""

    def make(org: Organization | int, **fields: Any) -> Posting:
        data = {
            "direction": "offer",
            "category": "program",
            "title": "数控技术专业",
            "description": "培养数控编程与加工人才。",
            "sectors": [],
        }
        data.update(fields)
        with app.app_context(), writing():
            owner = db.session.get(Organization, org if isinstance(org, int) else org.id)
            posting = postings.create_posting(owner, data, accounts.OPERATOR)
            db.session.commit()
            db.session.refresh(posting)
            db.session.expunge(posting)
        run_worker(app)
        return posting

    return make


@pytest.fixture
def make_event(app: Flask) -> Callable[..., Event]:
    """Create a matchmaking event through the service (tests.helpers.event_input's defaults, overridden by
    `fields`), in draft unless `opened=True` opens its registration; `by` a coordinator, else the operator.
    Returns the event detached: load it in an app context to follow its slots and tables."""

    def make(*, opened: bool = False, by: User | None = None, **fields: Any) -> Event:
        with app.app_context(), writing():
            actor = db.session.get(User, by.id) if by is not None else accounts.OPERATOR
            event = events.create_event(event_input(**fields), actor)
            if opened:
                events.set_event_status(event, "open", actor, event.version)
            db.session.commit()
            db.session.refresh(event)
            db.session.expunge(event)
            return event

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., tuple[User, str]]:
    """Create a user and return it with a bearer token: `user, token = make_user(role=…, org=…)`."""
    counter = iter(range(1, 10_000))

    def make(*, role: str = "member", org: Organization | None = None) -> tuple[User, str]:
        with app.app_context(), writing():
            owner = db.session.get(Organization, org.id) if org is not None else None
            user = accounts.create_user(
                f"user{next(counter)}@example.cn", "correct horse battery", role=role, organization=owner
            )
            token = accounts.create_token(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user, token

    return make


@pytest.fixture
def login(app: Flask, make_user: Callable[..., tuple[User, str]]) -> Callable[..., FlaskClient]:
    """A logged-in test client of its own: `login(org)` for a member, `login(role="coordinator")`."""

    def log_in(org: Organization | None = None, role: str = "member") -> FlaskClient:
        user, _ = make_user(org=org, role=role)
        client = app.test_client()
        answer = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
        assert answer.status_code == 302
        return client

    return log_in


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
