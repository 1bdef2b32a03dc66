"""The rules for "listed" postings and "open" organizations: one definition, the same in Python and in SQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organization, Posting, local_today, utcnow


def test_python_and_sql_agree_on_open_indexed_and_listed(app):
    today = local_today()
    with app.app_context():
        orgs = []
        for n, (verified, closed) in enumerate(itertools.product((False, True), repeat=2)):
            orgs.append(
                Organization(
                    ref=f"O{n}",
                    name=f"机构{n}",
                    kind="enterprise",
                    region_code="520102",
                    verified_at=utcnow() if verified else None,
                    closed_at=utcnow() if closed else None,
                )
            )
        db.session.add_all(orgs)
        for n, (org, status, valid_until) in enumerate(
            itertools.product(
                orgs, ("draft", "published", "closed"), (None, today - timedelta(days=1), today, today + timedelta(1))
            )
        ):
            db.session.add(
                Posting(
                    ref=f"P{n}",
                    organization=org,
                    direction="need",
                    category="talent",
                    title=f"需求{n}",
                    status=status,
                    valid_until=valid_until,
                )
            )
        db.session.flush()
        postings = db.session.scalars(select(Posting)).all()

        open_in_sql = set(db.session.scalars(select(Organization.id).where(Organization.open)))
        indexed_in_sql = set(db.session.scalars(select(Posting.id).where(Posting.indexed)))
        listed_in_sql = set(db.session.scalars(select(Posting.id).where(Posting.listed)))

        assert open_in_sql == {o.id for o in orgs if o.open} and len(open_in_sql) == 1
        assert indexed_in_sql == {p.id for p in postings if p.indexed} and len(indexed_in_sql) == 4
        # The published postings of the open organization, but for the one that expired yesterday.
        assert listed_in_sql == {p.id for p in postings if p.listed} and len(listed_in_sql) == 3
        db.session.rollback()
