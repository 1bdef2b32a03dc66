"""Contact requests and match marks: the rules, whatever page or client uses them."""

from __future__ import annotations

import pytest

from matchmaker import contacts
from matchmaker.errors import InvalidInput, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import Notification, Organization, User


@pytest.fixture
def parties(app, make_org, make_user):
    factory, school = make_org(kind="enterprise"), make_org(kind="school")
    asker, _ = make_user(org=factory)
    answerer, _ = make_user(org=school)
    return factory.id, school.id, asker.id, answerer.id


def load(model, id_):
    return db.session.get(model, id_)


def test_request_then_accept_shows_contact_details_both_ways(app, parties):
    factory_id, school_id, asker_id, answerer_id = parties
    with app.app_context():
        factory, school = load(Organization, factory_id), load(Organization, school_id)
        asker, answerer = load(User, asker_id), load(User, answerer_id)
        assert not contacts.can_see_contact(asker, school)

        request = contacts.request_contact(asker, school, message="希望合作开设订单班")
        assert not contacts.can_see_contact(asker, school)
        contacts.answer_contact(answerer, request, accept=True)

        assert contacts.can_see_contact(asker, school) and contacts.can_see_contact(answerer, factory)
        kinds = sorted(n.kind for n in db.session.query(Notification))
        assert kinds == ["contact_answer", "contact_request"]


def test_requests_that_make_no_sense_are_refused(app, parties, make_org):
    factory_id, school_id, asker_id, _ = parties
    closed_id = make_org(verified=False).id
    with app.app_context():
        asker = load(User, asker_id)
        school = load(Organization, school_id)
        contacts.request_contact(asker, school)

        with pytest.raises(InvalidInput) as pending:
            contacts.request_contact(asker, school)
        assert "waiting" in pending.value.field_errors()[0]["message"]
        with pytest.raises(InvalidInput):
            contacts.request_contact(asker, load(Organization, factory_id))
        with pytest.raises(InvalidInput):
            contacts.request_contact(asker, load(Organization, closed_id))


def test_only_the_contacted_side_answers_and_only_once(app, parties):
    _, school_id, asker_id, answerer_id = parties
    with app.app_context():
        asker, answerer = load(User, asker_id), load(User, answerer_id)
        request = contacts.request_contact(asker, load(Organization, school_id))

        with pytest.raises(PermissionDenied):
            contacts.answer_contact(asker, request, accept=True)
        contacts.answer_contact(answerer, request, accept=False)
        with pytest.raises(InvalidInput):
            contacts.answer_contact(answerer, request, accept=True)
        assert not contacts.can_see_contact(asker, request.to_organization)
