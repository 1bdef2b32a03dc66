"""Record index changes in the database transaction that makes them (the outbox)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import IndexOperation, Organization, Posting


def record_posting_changes(posting_ids: Iterable[int]) -> None:
    """Note that these postings changed; the sync step brings their documents up to date."""
    db.session.add_all(IndexOperation(posting_id=posting_id) for posting_id in dict.fromkeys(posting_ids))


def record_organization_change(org: Organization) -> None:
    """An organization's name, kind, verification or closing shows in all its postings' documents."""
    record_posting_changes(db.session.scalars(select(Posting.id).where(Posting.organization_id == org.id)))
