"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

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
