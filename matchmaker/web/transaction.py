"""The end of a write request: commit, then the side effects that follow it.

After the commit: the search index takes the request's changes, organizations whose postings
match a newly published one are told, and owed notification mails go out. Each side effect
only logs its failure: the data is committed, the outbox and the owed mails are retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app

from matchmaker import notifications
from matchmaker.extensions import db
from matchmaker.indexing import get_search_index
from matchmaker.indexing.base import SearchError
from matchmaker.indexing.sync import sync_index
from matchmaker.mail import MailError, mailer_from
from matchmaker.models import Posting

log = logging.getLogger(__name__)
SYNC_WAIT_SECONDS = 5.0


def commit(*, announce: Iterable[Posting] = ()) -> None:
    """Commit the request's one transaction, then index, announce new matches and send mail."""
    db.session.commit()
    config = current_app.config
    index = get_search_index()
    try:
        sync_index(index, timeout=SYNC_WAIT_SECONDS)
        for posting in announce:
            notifications.announce_matches(posting, index, config["MATCHMAKER_MATCH_NOTIFY_SCORE"])
        db.session.commit()
    except SearchError as exc:
        db.session.rollback()
        log.warning("search index not updated after commit: %s", exc)
    try:
        notifications.deliver_mail(mailer_from(config), config["MATCHMAKER_SITE_URL"])
    except MailError as exc:
        log.warning("notification mail not sent: %s", exc)
