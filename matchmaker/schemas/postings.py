"""Posting schemas: API input, output and list filters."""

from __future__ import annotations

from marshmallow import Schema, fields

from matchmaker.schemas.common import PageArgsSchema, RegionTerm, SectorTerms
from matchmaker.schemas.fields import (
    Bounded,
    CategoryCode,
    Choice,
    CrosswalkTag,
    Id,
    RegionCode,
    SectorCode,
    SectorList,
    TagTerms,
    Text,
)
from matchmaker.schemas.organizations import KINDS, kind_labels
from matchmaker.taxonomy import DIRECTIONS, STATUSES
from matchmaker.transitions import POSTING_STATUS

DIRECTION_LABELS = {"need": "需求", "offer": "供给"}
LISTED_STATUS_LABELS = {**POSTING_STATUS.labels, "expired": "已过期"}


class PostingInSchema(Schema):
    """Fields a client may set on a posting (all optional on update)."""

    ref = Text(max_length=64, metadata={"description": "Your own stable identifier, unique."})
    organization_id = Id(metadata={"description": "The organization, by id …"})
    organization_ref = Text(
        max_length=64, metadata={"description": "… or by its `ref`. Optional for members of exactly one organization."}
    )
    direction = Choice(DIRECTIONS, labels=DIRECTION_LABELS, required=True)
    category = CategoryCode(
        required=True, metadata={"description": "Category code or Chinese name; see `GET /api/v1/taxonomy`."}
    )
    title = Text(max_length=120, min_length=2, required=True)
    description = Text(max_length=5000, min_length=0, load_default="")
    sectors = SectorList()
    region = RegionCode(allow_none=True, metadata={"description": "Defaults to the organization's region."})
    quantity = Bounded(1, 100_000, allow_none=True, metadata={"description": "Headcount or places."})
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    status = Choice(
        ("draft", "published"), labels=POSTING_STATUS.labels, metadata={"description": "Default `published`."}
    )
    tags = fields.List(
        CrosswalkTag(),
        allow_none=True,
        metadata={
            "description": "Confirmed majors and occupations (`major:<code>`, `occupation:<code>`), e.g. from "
            "`GET /postings/{id}/tag-suggestions`; null lets matching use the suggestions."
        },
    )
    valid_until = fields.Date(
        allow_none=True,
        metadata={
            "description": "Last day the posting is shown; at most a year ahead, default a year after publishing."
        },
    )


class PostingUpdateSchema(PostingInSchema):
    class Meta:
        exclude = ("organization_id", "organization_ref", "status")


class PublishArgsSchema(Schema):
    valid_until = fields.Date(allow_none=True)


class PostingOrganizationSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String()
    subtype = fields.String(allow_none=True)
    verified = fields.Boolean()


class PostingOutSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    organization = fields.Nested(PostingOrganizationSchema)
    direction = fields.String()
    category = fields.String()
    title = fields.String()
    description = fields.String()
    sectors = SectorTerms()
    region = RegionTerm(attribute="region_code")
    quantity = fields.Integer(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    status = fields.String()
    tags = TagTerms(allow_none=True, metadata={"description": "Confirmed tags; null when not confirmed."})
    published_at = fields.DateTime(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    expired = fields.Boolean(metadata={"description": "Published but past `valid_until`: hidden until renewed."})
    public = fields.Boolean(
        attribute="listed", metadata={"description": "Shown to everyone (published, valid, organization verified)."}
    )
    closed_at = fields.DateTime(allow_none=True)
    is_demo = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PostingListArgsSchema(PageArgsSchema):
    direction = Choice(DIRECTIONS, labels=DIRECTION_LABELS)
    category = fields.List(CategoryCode(), metadata={"description": "Any of these categories."})
    sector = fields.List(SectorCode(), metadata={"description": "Any of these sectors (repeat the parameter)."})
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})
    kind = Choice(KINDS, labels=kind_labels, metadata={"description": "Kind of the posting's organization."})
    status = Choice(STATUSES + ("expired",), labels=LISTED_STATUS_LABELS)
    organization_id = Id(strict=False)
    organization_ref = fields.String()
    sort = Choice(
        ("newest", "closing"),
        labels={"newest": "最新发布", "closing": "即将截止"},
        load_default="newest",
        metadata={"description": "`newest` first (default) or `closing` soonest (open-ended last)."},
    )


class TagSuggestionsSchema(Schema):
    suggested = TagTerms(metadata={"description": "Majors and occupations the crosswalk reads in the posting."})
    confirmed = TagTerms(allow_none=True)
