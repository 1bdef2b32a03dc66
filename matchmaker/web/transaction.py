"""The end of a write request: commit, then bring the search index up to date."""

from __future__ import annotations

import logging

from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.indexing.base import SearchError
from matchmaker.indexing.sync import sync_index

log = logging.getLogger(__name__)
SYNC_WAIT_SECONDS = 5.0


def commit() -> None:
    """Commit the request's one transaction, then apply its index changes.

    The changes are already in the outbox, committed with the data, so an index failure here
    only delays them (the next sync, search or `matchmaker sync-index` applies them).
    """
    db.session.commit()
    try:
        sync_index(get_search_index(), timeout=SYNC_WAIT_SECONDS)
    except SearchError as exc:
        log.warning("search index not updated after commit: %s", exc)
