"""Organization schemas: API input, output and list filters."""

from __future__ import annotations

from marshmallow import Schema, fields

from matchmaker.schemas.common import PageArgsSchema, RegionTerm, SectorTerms
from matchmaker.schemas.fields import Choice, RegionCode, SectorCode, SectorList, Text
from matchmaker.taxonomy import get_taxonomy

KINDS = ("enterprise", "school")


def kind_labels() -> dict[str, str]:
    return {code: kind.name for code, kind in get_taxonomy().kinds.items()}


class OrganizationInSchema(Schema):
    """Fields a client may set on an organization (all optional on update)."""

    ref = Text(max_length=64, metadata={"description": "Your own stable identifier, unique."})
    name = Text(max_length=100, min_length=2, required=True)
    kind = Choice(KINDS, labels=kind_labels, required=True)
    subtype = Text(max_length=20, allow_none=True)
    region = RegionCode(required=True)
    sectors = SectorList()
    description = Text(max_length=5000, min_length=0, load_default="")
    website = Text(max_length=200, min_length=0, allow_none=True)
    contact_name = Text(max_length=50, min_length=0, allow_none=True)
    contact_phone = Text(max_length=30, min_length=0, allow_none=True)
    contact_email = fields.Email(allow_none=True)


class OrganizationOutSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String()
    subtype = fields.String(allow_none=True)
    region = RegionTerm(attribute="region_code")
    sectors = SectorTerms()
    description = fields.String()
    website = fields.String(allow_none=True)
    verified = fields.Boolean()
    verified_at = fields.DateTime(allow_none=True)
    closed = fields.Boolean()
    is_demo = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrganizationContactSchema(Schema):
    """Contact details: shown only to the organization's members and coordinators."""

    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)


class OrganizationListArgsSchema(PageArgsSchema):
    kind = Choice(KINDS, labels=kind_labels)
    subtype = fields.String()
    sector = fields.List(SectorCode(), metadata={"description": "Any of these sectors (repeat the parameter)."})
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})
    verified = fields.Boolean()
    q = Text(max_length=100, metadata={"description": "Part of the name."})
