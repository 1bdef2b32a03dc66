"""Search and match schemas: query arguments and ranked, explained results."""

from __future__ import annotations

from marshmallow import Schema, fields

from matchmaker.matching import SORTS
from matchmaker.schemas.common import RegionTerm, SectorTerms
from matchmaker.schemas.fields import Bounded, CategoryCode, Choice, RegionCode, SectorCode, Text
from matchmaker.schemas.organizations import KINDS, kind_labels
from matchmaker.schemas.postings import DIRECTION_LABELS, PostingOrganizationSchema
from matchmaker.taxonomy import DIRECTIONS


class PageWindowSchema(Schema):
    limit = Bounded(1, 100, strict=False, load_default=20)
    offset = Bounded(0, 10_000, strict=False, load_default=0)


class SearchArgsSchema(PageWindowSchema):
    q = Text(max_length=500, required=True, metadata={"description": "What to look for, in Chinese or English."})
    direction = Choice(DIRECTIONS, labels=DIRECTION_LABELS)
    category = fields.List(CategoryCode(), load_default=list, metadata={"description": "Any of these categories."})
    sector = fields.List(SectorCode(), load_default=list, metadata={"description": "Any of these sectors."})
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})
    kind = Choice(KINDS, labels=kind_labels, metadata={"description": "Kind of the posting's organization."})
    seeker = Choice(
        KINDS,
        labels=kind_labels,
        metadata={
            "description": "Who searches (enterprise or school): their own side's postings rank low. Default: the "
            "token's organization; without one, the query's wording says."
        },
    )
    sort = Choice(
        tuple(SORTS),
        labels=SORTS,
        load_default="relevance",
        metadata={"description": "`relevance` (default), `newest` first, or `closing` soonest (open-ended last)."},
    )


class ResultSchema(Schema):
    id = fields.Integer(attribute="posting.id")
    ref = fields.String(attribute="posting.ref", allow_none=True)
    title = fields.String(attribute="posting.title")
    direction = fields.String(attribute="posting.direction")
    category = fields.String(attribute="posting.category")
    organization = fields.Nested(PostingOrganizationSchema, attribute="posting.organization")
    sectors = SectorTerms(attribute="posting.sectors")
    region = RegionTerm(attribute="posting.region_code")
    valid_until = fields.Date(attribute="posting.valid_until", allow_none=True)
    score = fields.Float()
    explanation = fields.Dict(
        metadata={
            "description": "Why it ranked here: matched terms and snippet, semantic "
            "similarity, crosswalk links, signals and contributions."
        }
    )


class SearchResultsSchema(Schema):
    results = fields.List(fields.Nested(ResultSchema))
    total = fields.Integer(metadata={"description": "How many candidates passed the filters and matched."})
    facets = fields.Dict(metadata={"description": "Counts per sector, region (prefecture), county, category and kind."})
    query = fields.Dict()
    index = fields.Nested(
        "IndexLagSchema",
        metadata={"description": "How far behind the database the search index is; results reflect the index."},
    )


class IndexLagSchema(Schema):
    pending_changes = fields.Integer(metadata={"description": "Changes written but not yet in the index."})
    oldest_pending_seconds = fields.Float(
        allow_none=True, metadata={"description": "Age of the oldest of them, in seconds (null when none)."}
    )


class PostingBriefSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    title = fields.String()
    direction = fields.String()
    category = fields.String()


class PostingMatchesSchema(Schema):
    """One open posting of an organization with its best counterparts."""

    posting = fields.Nested(PostingBriefSchema)
    matches = fields.Nested(SearchResultsSchema)


class OrganizationMatchesSchema(Schema):
    postings = fields.List(fields.Nested(PostingMatchesSchema))
