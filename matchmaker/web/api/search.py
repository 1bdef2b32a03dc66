"""/api/v1/search"""

from __future__ import annotations

from flask_smorest import Blueprint

from matchmaker import matching
from matchmaker.indexing import get_search_index
from matchmaker.indexing.base import SearchFilters
from matchmaker.schemas.search import SearchArgsSchema, SearchResultsSchema
from matchmaker.taxonomy import get_taxonomy

URL = "/search"
blp = Blueprint("search", __name__, description="Hybrid search over public postings, with explanations.")


def filters_from(args: dict) -> SearchFilters:
    """Hard filters from parsed query arguments (a prefecture includes its counties)."""
    region = args.get("region")
    return SearchFilters(
        direction=args.get("direction"),
        categories=tuple(args.get("category") or ()),
        sectors=tuple(args.get("sector") or ()),
        region_codes=tuple(sorted(get_taxonomy().region_and_descendants(region))) if region else (),
        kinds=(args["kind"],) if args.get("kind") else (),
    )


@blp.get("")
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultsSchema)
def search(args):
    """Search public postings by meaning and by words, under filters."""
    return matching.search_postings(
        get_search_index(), args["q"], filters_from(args), limit=args["limit"], offset=args["offset"]
    )
