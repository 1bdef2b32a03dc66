"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.indexing import get_search_index
from matchmaker.indexing.embedded import EmbeddedBackend
from matchmaker.models.base import LOCAL_TZ
from matchmaker.schemas.events import EventInSchema
from matchmaker.worker import Worker


class WorkingClient(FlaskClient):
    """A test client after whose every request the worker catches up, as `matchmaker serve`'s own does
    within a second. `client.worker_runs = False` stops it (to look at the work left pending)."""

    worker_runs = True

    def run_wsgi_app(self, *args: Any, **kwargs: Any) -> Any:  # each request, redirects followed included
        response = super().run_wsgi_app(*args, **kwargs)
        if self.worker_runs:
            run_worker(self.application)
        return response


def run_worker(app: Flask) -> int:
    """Let the worker do everything that is due (index changes, jobs); return how much it did."""
    return Worker(app, name="test-worker").work_until_idle()


# --- the API -------------------------------------------------------------------------------------


def api_post_posting(client: FlaskClient, token: str, **fields: Any) -> dict[str, Any]:
    """POST /api/v1/postings with a bearer token; the body's defaults are overridden by `fields`.

    For tests about the API (what it answers, what it announces); a test that only needs a
    posting to exist uses the `make_posting` fixture.
    """
    body = {
        "direction": "offer",
        "category": "program",
        "title": "数控技术专业",
        "description": "培养数控编程与加工人才。",
        "sectors": ["advanced_equipment"],
    }
    body.update(fields)
    response = client.post("/api/v1/postings", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    return response.json


# --- events --------------------------------------------------------------------------------------

# Deadlines are set from one moment so that re-submitting an event's form gives the same values.
NOW = datetime.now(UTC).replace(microsecond=0)


def event_input(**fields: Any) -> dict[str, Any]:
    """What a coordinator fills in, validated by EventInSchema (deadlines relative to now)."""
    data = {
        "title": "遵义装备制造校企洽谈会",
        "venue": "遵义市会展中心",
        "held_on": (NOW + timedelta(days=30)).astimezone(LOCAL_TZ).date().isoformat(),
        "registration_deadline": (NOW + timedelta(days=10)).isoformat(),
        "request_deadline": (NOW + timedelta(days=20)).isoformat(),
        "requires_approval": False,
        "first_slot": "14:00",
        "slot_minutes": 20,
        "slot_count": 3,
        "table_count": 2,
        "table_names": None,
    }  # EventInSchema's post_load needs the key even when tables are counted
    data.update(fields)
    return EventInSchema().load(data)


# --- pages ---------------------------------------------------------------------------------------


def text(response: Any) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


class FieldMessages(HTMLParser):
    """The error messages of a page by the input they are shown beside: {input name: [message, …]}.

    A field is a `div.field` or `fieldset.field`; its messages are the `span.error` inside it.
    """

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "col", "area"}

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[str] = []
        self.fields: list[tuple[int, set[str], list[str]]] = []
        self.error_depth: int | None = None
        self.found: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in ("input", "select", "textarea") and self.fields and attrs.get("name"):
            self.fields[-1][1].add(attrs["name"])
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag in ("div", "fieldset") and "field" in classes:
            self.fields.append((len(self.stack), set(), []))
        if tag == "span" and "error" in classes and self.fields:
            self.error_depth = len(self.stack)
            self.fields[-1][2].append("")

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self.stack:
            return
        while self.stack:
            depth = len(self.stack)
            if self.error_depth == depth:
                self.error_depth = None
            if self.fields and self.fields[-1][0] == depth:
                _, names, messages = self.fields.pop()
                for name in names:
                    self.found.setdefault(name, []).extend(m.strip() for m in messages)
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if self.error_depth is not None and self.fields:
            self.fields[-1][2][-1] += data


def beside(response: Any) -> dict[str, list[str]]:
    """The page's error messages by the input they are shown beside (fields without messages left out)."""
    return {name: messages for name, messages in FieldMessages(text(response)).found.items() if messages}


def drop_search_index(app: Flask) -> None:
    """Delete the app's search index, as an operator might by mistake."""
    backend = get_search_index(app).backend
    if isinstance(backend, EmbeddedBackend):
        for leftover in backend.path.parent.glob(backend.path.name + "*"):
            leftover.unlink()
        return
    backend.drop()
