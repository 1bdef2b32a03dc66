"""Unbound extension singletons, bound to an app in `create_app`."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, MetaData, event

# Named constraints so Alembic migrations can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
# No default limits: only the views that ask for one (login) are limited.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# SQLite lets one writer at a time in; a transaction that read and then writes after another one
# committed fails at once ("database is locked"), whatever the busy timeout. Work that will write
# says so first (`writing()`): its transactions begin with BEGIN IMMEDIATE, taking the write lock
# up front, and wait for it (busy_timeout) instead of failing. No effect on PostgreSQL.
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block will write (see `_write_intent`)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside this block only read, even within `writing()`: long reads of a
    writer (a job matching every need) leave SQLite's write lock to others. End the transaction
    before the block ends (commit): a write in it could not take the lock reliably."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like the server databases we also run on.

    pysqlite opens transactions lazily and never around SAVEPOINT or DDL; emitting BEGIN
    ourselves gives real savepoints (bulk import relies on them) and transactional
    migrations. WAL lets readers in other worker processes run while one process writes.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def schema_is_current() -> bool:
    """Whether the database has every migration applied (`matchmaker db upgrade`)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.get_config())
    log = logging.getLogger("alembic.runtime.migration")
    level = log.level
    log.setLevel(logging.WARNING)  # a check, not a migration: keep its INFO lines out of command output
    try:
        with db.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == set(script.get_heads())
    finally:
        log.setLevel(level)
