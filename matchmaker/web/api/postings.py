"""/api/v1/postings"""

from __future__ import annotations

from matchmaker import matching, notifications, postings
from matchmaker.indexing import get_search_index
from matchmaker.schemas.common import page_schema
from matchmaker.schemas.postings import (
    PostingInSchema,
    PostingListArgsSchema,
    PostingOutSchema,
    PostingUpdateSchema,
    PublishArgsSchema,
    TagSuggestionsSchema,
)
from matchmaker.schemas.search import PageWindowSchema, SearchResultsSchema
from matchmaker.web.api.blueprint import Blueprint
from matchmaker.web.auth import api_user, require_api_user

URL = "/postings"
blp = Blueprint("postings", __name__, description="Needs and offers of organizations.")
AUTH = [{"bearerAuth": []}]


@blp.get("")
@blp.arguments(PostingListArgsSchema, location="query")
@blp.response(200, page_schema(PostingOutSchema, "PostingPage"))
def list_postings(args):
    """List postings (public ones; your organization's and all for coordinators)."""
    return postings.list_postings(args, api_user())


@blp.post("")
@blp.arguments(PostingInSchema)
@blp.response(201, PostingOutSchema)
@blp.doc(security=AUTH)
def create_posting(data):
    """Post a need or an offer for an organization you belong to (or any, for coordinators)."""
    user = require_api_user()
    org = postings.organization_for_posting(user, data.pop("organization_id", None), data.pop("organization_ref", None))
    posting = postings.create_posting(org, data, user)
    notifications.announce_later(posting)
    return posting


@blp.get("/<int:posting_id>")
@blp.response(200, PostingOutSchema)
def get_posting(posting_id):
    """Read a posting."""
    return postings.get_visible_posting(api_user(), posting_id)


@blp.patch("/<int:posting_id>")
@blp.arguments(PostingUpdateSchema(partial=True))
@blp.response(200, PostingOutSchema)
@blp.doc(security=AUTH)
def update_posting(data, posting_id):
    """Change a posting's fields."""
    posting = postings.update_posting(postings.find_posting(id=posting_id), data, require_api_user())
    return posting


@blp.post("/<int:posting_id>/publish")
@blp.arguments(PublishArgsSchema, required=False)
@blp.response(200, PostingOutSchema)
@blp.doc(security=AUTH)
def publish_posting(args, posting_id):
    """Publish a draft, reopen a closed posting or renew an expired one."""
    posting = postings.publish_posting(
        postings.find_posting(id=posting_id), require_api_user(), args.get("valid_until")
    )
    notifications.announce_later(posting)
    return posting


@blp.post("/<int:posting_id>/close")
@blp.response(200, PostingOutSchema)
@blp.doc(security=AUTH)
def close_posting(posting_id):
    """Close a posting; it leaves public view."""
    posting = postings.close_posting(postings.find_posting(id=posting_id), require_api_user())
    return posting


@blp.get("/<int:posting_id>/matches")
@blp.arguments(PageWindowSchema, location="query")
@blp.response(200, SearchResultsSchema)
def posting_matches(args, posting_id):
    """Complementary postings of the other side, best first, with the reasons."""
    posting = postings.get_visible_posting(api_user(), posting_id)
    return matching.match_posting(posting, get_search_index(), limit=args["limit"], offset=args["offset"])


@blp.get("/<int:posting_id>/tag-suggestions")
@blp.response(200, TagSuggestionsSchema)
def tag_suggestions(posting_id):
    """Majors and occupations the crosswalk suggests for a posting; confirm them with PATCH `tags`."""
    posting = postings.get_visible_posting(api_user(), posting_id)
    return {"suggested": postings.suggest_tags(posting), "confirmed": posting.tags}
