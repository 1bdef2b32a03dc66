"""One unit of work per request: the view runs, then its transaction is committed once, here.

Every view is wrapped (`init_app`): an answer below 400 commits; an error answer or an
exception rolls everything back. After the commit come the request's post-commit hooks
(`after_commit`), e.g. waking this process's worker for the jobs the request recorded. A
failing commit (a concurrent change) is an exception like any other, answered by the
app's error handlers, with nothing written.

A view that catches a refused service call and answers with a redirect (not an error page)
runs that call in `attempt()`, so a half-made change cannot reach the commit.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from flask import Flask, current_app, g, request

from matchmaker.extensions import db, writing
from matchmaker.worker import wake_in_process

log = logging.getLogger(__name__)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # other requests write, and say so (extensions.writing)


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Commit after the view when its answer is not an error; otherwise roll back."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.after_commit = []
        with writing() if request.method not in READ_METHODS else nullcontext():
            try:
                response = current_app.make_response(view(*args, **kwargs))
            except BaseException:
                db.session.rollback()
                raise
            if response.status_code >= 400:
                db.session.rollback()
                return response
            db.session.commit()
        for hook in g.after_commit:
            try:
                hook()
            except Exception:  # noqa: BLE001 - the data is committed; a hook only adds to it
                log.exception("post-commit hook failed")
        wake_in_process(current_app)
        return response

    return wrapped


def after_commit(hook: Callable[[], None]) -> None:
    """Run `hook` once this request's transaction is committed (not at all if it rolls back)."""
    g.after_commit.append(hook)


@contextmanager
def attempt() -> Iterator[None]:
    """Run service calls in a savepoint: if they raise, their writes are undone and the error goes on."""
    with db.session.begin_nested():
        yield


def init_app(app: Flask) -> None:
    """Wrap every view function registered so far (call it after the blueprints)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = unit_of_work(view)
