"""/api/v1/search"""

from __future__ import annotations

from matchmaker import matching
from matchmaker.indexing import get_search_index
from matchmaker.schemas.search import SearchArgsSchema, SearchResultsSchema
from matchmaker.web.api.blueprint import Blueprint
from matchmaker.web.auth import api_user

URL = "/search"
blp = Blueprint("search", __name__, description="Hybrid search over public postings, with explanations.")


@blp.get("")
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultsSchema)
def search(args):
    """Search public postings by meaning and by words, under filters."""
    return matching.search_postings(
        get_search_index(),
        args["q"],
        matching.filters_from(args),
        seeker_side=matching.seeker_side(args.get("seeker"), api_user()),
        limit=args["limit"],
        offset=args["offset"],
        sort=args["sort"],
    )
