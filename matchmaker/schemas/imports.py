"""Rows of bulk import files (JSON Lines, CSV, Excel): one organization or posting each."""

from __future__ import annotations

from marshmallow import fields

from matchmaker.schemas.fields import Choice, Text
from matchmaker.schemas.organizations import OrganizationInSchema
from matchmaker.schemas.postings import PostingInSchema
from matchmaker.taxonomy import STATUSES

ROW_TYPES = ("organization", "posting")
TRUTHY = {True, "1", "true", "True", "TRUE", "yes", "是", "y"}
FALSY = {False, "0", "false", "False", "FALSE", "no", "否", "n"}


class OrganizationRowSchema(OrganizationInSchema):
    type = Choice(ROW_TYPES, required=True)
    ref = Text(max_length=64, required=True)
    verified = fields.Boolean(
        load_default=True,
        truthy=TRUTHY,
        falsy=FALSY,
        metadata={"description": "Operator imports count as verified unless false."},
    )


class PostingRowSchema(PostingInSchema):
    class Meta:
        exclude = ("organization_id", "organization_ref")

    type = Choice(ROW_TYPES, required=True)
    ref = Text(max_length=64, required=True)
    org = Text(max_length=64, required=True, metadata={"description": "The organization's ref."})
    status = Choice(STATUSES, load_default="published")


ROW_SCHEMAS = {"organization": OrganizationRowSchema, "posting": PostingRowSchema}

# Column order for CSV and Excel files (JSON Lines rows use the same keys).
COLUMNS = (
    "type",
    "ref",
    "org",
    "name",
    "kind",
    "subtype",
    "direction",
    "category",
    "title",
    "description",
    "sectors",
    "region",
    "quantity",
    "starts_on",
    "ends_on",
    "valid_until",
    "status",
    "verified",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
    "tags",
)
LIST_COLUMNS = ("sectors", "tags")
INTEGER_COLUMNS = ("quantity",)
