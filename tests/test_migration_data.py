"""Migrations that move data keep it: an event's sectors in focus survive 0007 (JSON list → rows)."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import Event


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A URL of an empty database of each kind (the PostgreSQL one dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    admin = request.getfixturevalue("postgres_url")
    name = f"matchmaker_migrate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_event_sectors_move_from_a_json_list_to_rows_in_order(empty_database, tmp_path):
    app = create_app({"HOME": str(tmp_path), "DATABASE_URL": empty_database, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO events (title, description, held_on, venue, sectors, registration_deadline,"
                    " request_deadline, requires_approval, min_meetings, status, version, created_at, updated_at)"
                    " VALUES ('茶产业对接会', '', '2027-03-01', '湄潭县', :sectors, '2027-02-20 00:00:00',"
                    " '2027-02-25 00:00:00', true, 0, 'draft', 1, '2027-01-01 00:00:00', '2027-01-01 00:00:00')"
                ),
                {"sectors": '["tea", "liquor_tobacco", "tea"]'},
            )

        upgrade()
        assert [event.sectors for event in db.session.query(Event)] == [["tea", "liquor_tobacco"]]
        db.session.remove()

        downgrade(revision="0006")
        with db.engine.connect() as connection:
            [(stored,)] = connection.execute(text("SELECT sectors FROM events")).all()
        db.engine.dispose()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == ["tea", "liquor_tobacco"]
