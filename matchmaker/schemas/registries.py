"""Registry schemas (政策台账): input, output and list filters of mentor posts, teacher placements,
alliances and pilot designations.

Organizations are named by id, `ref` or exact name (`OrganizationKey`); which one they are is
settled by the service (`matchmaker.registries`), which reports an unknown or ambiguous one on
the field. Coded choices (levels, roles, kinds) accept the code or its Chinese label, so an
exported spreadsheet imports again as it is.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from matchmaker.errors import Message
from matchmaker.models.registries import ALLIANCE_LEVELS, ALLIANCE_ROLES, DESIGNATION_KINDS, DESIGNATION_LEVELS
from matchmaker.schemas.common import PageArgsSchema, RegionTerm, SectorTerms
from matchmaker.schemas.fields import EMPTY, Bounded, Choice, Id, RegionCode, SectorCode, SectorList, Text
from matchmaker.taxonomy import normalize_term

NOT_AN_ORGANIZATION = Message(
    "不是有效的机构：请填写机构的编号（id）、ref 或全称。", "Not a valid organization: give its id, ref or name."
)


class LabeledChoice(Choice):
    """A code from `labels`, given as the code or as its Chinese label (省级 for province)."""

    def __init__(self, labels: dict[str, str], **kwargs: Any):
        super().__init__(tuple(labels), labels=labels, **kwargs)
        self.metadata["description"] = "; ".join(f"`{code}` {label}" for code, label in labels.items())


class OrganizationKey(fields.Field):
    """An organization by id (a number), `ref` or exact name; loads as an int (id) or a stripped string."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.metadata.setdefault("description", "The organization's id, its `ref`, or its exact name.")
        self.metadata.setdefault("oneOf", [{"type": "integer"}, {"type": "string"}])

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError(NOT_AN_ORGANIZATION)
        if isinstance(value, int):
            return value
        text = normalize_term(value)
        if not text:
            raise ValidationError(EMPTY)
        if len(text) > 200:
            raise ValidationError(NOT_AN_ORGANIZATION)
        return int(text) if text.isdigit() and len(text) < 19 else text


class OrganizationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


# --- mentor posts --------------------------------------------------------------------------


class MentorPostInSchema(Schema):
    """An industry mentor post (all optional on update)."""

    person_name = Text(max_length=50, required=True, metadata={"description": "The mentor's name."})
    enterprise = OrganizationKey(required=True)
    school = OrganizationKey(required=True)
    major = Text(max_length=100, min_length=0, load_default="")
    post_title = Text(max_length=100, min_length=0, load_default="")
    since = fields.Date(required=True)
    until = fields.Date(allow_none=True, metadata={"description": "Empty while the mentor still holds the post."})
    hours_per_year = Bounded(0, 5000, strict=False, allow_none=True)
    posting_id = Id(
        strict=False,
        allow_none=True,
        metadata={"description": "The school's mentor need or the enterprise's mentor offer it was filled from."},
    )
    note = Text(max_length=2000, min_length=0, load_default="")


class MentorPostOutSchema(Schema):
    id = fields.Integer()
    person_name = fields.String()
    enterprise = fields.Nested(OrganizationRefSchema)
    school = fields.Nested(OrganizationRefSchema)
    major = fields.String()
    post_title = fields.String()
    since = fields.Date()
    until = fields.Date(allow_none=True)
    hours_per_year = fields.Integer(allow_none=True)
    posting_id = fields.Integer(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class RegistryArgsSchema(PageArgsSchema):
    """Filters every registry has: the organizations concerned, their sector and region."""

    school = Id(strict=False, metadata={"description": "Rows concerning this school (organization id)."})
    enterprise = Id(strict=False, metadata={"description": "Rows concerning this enterprise (organization id)."})
    sector = SectorCode(metadata={"description": "Sector code or Chinese name."})
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})


class MentorPostArgsSchema(RegistryArgsSchema):
    active_on = fields.Date(metadata={"description": "Only posts held on this day."})
    q = Text(max_length=100, metadata={"description": "Part of the mentor's name, the major or the post title."})


# --- teacher placements ----------------------------------------------------------------------


class TeacherPlacementInSchema(Schema):
    """A teacher's placement in an enterprise (all optional on update)."""

    teacher_name = Text(max_length=50, required=True)
    school = OrganizationKey(required=True)
    enterprise = OrganizationKey(required=True)
    subject = Text(max_length=100, min_length=0, load_default="", metadata={"description": "Major or course taught."})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    hours = Bounded(0, 20_000, strict=False, allow_none=True)
    note = Text(max_length=2000, min_length=0, load_default="")


class TeacherPlacementOutSchema(Schema):
    id = fields.Integer()
    teacher_name = fields.String()
    school = fields.Nested(OrganizationRefSchema)
    enterprise = fields.Nested(OrganizationRefSchema)
    subject = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    days = fields.Integer(metadata={"description": "Calendar days from start to end, both included."})
    hours = fields.Integer(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TeacherPlacementArgsSchema(RegistryArgsSchema):
    q = Text(max_length=100, metadata={"description": "Part of the teacher's name or the subject."})
    on = fields.Date(metadata={"description": "The day the six-month rule is judged on (today by default)."})


# --- alliances --------------------------------------------------------------------------------


class AllianceMemberInSchema(Schema):
    organization = OrganizationKey(required=True)
    role = LabeledChoice(ALLIANCE_ROLES, load_default="member")


class AllianceMemberOutSchema(Schema):
    organization = fields.Nested(OrganizationRefSchema)
    role = fields.String()


class AllianceInSchema(Schema):
    """An alliance or group (all optional on update; `members` replaces the whole list)."""

    name = Text(max_length=200, min_length=2, required=True)
    lead = OrganizationKey(required=True, metadata={"description": "The lead organization (牵头单位)."})
    members = fields.List(fields.Nested(AllianceMemberInSchema), load_default=list)
    sectors = SectorList()
    guiding_department = Text(max_length=200, min_length=0, load_default="")
    level = LabeledChoice(ALLIANCE_LEVELS, required=True)
    region = RegionCode(required=True)
    founded_on = fields.Date(allow_none=True)
    note = Text(max_length=2000, min_length=0, load_default="")


class AllianceOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    lead = fields.Nested(OrganizationRefSchema)
    members = fields.List(fields.Nested(AllianceMemberOutSchema))
    sectors = SectorTerms()
    guiding_department = fields.String()
    level = fields.String()
    region = RegionTerm(attribute="region_code")
    founded_on = fields.Date(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AllianceArgsSchema(RegistryArgsSchema):
    level = LabeledChoice(ALLIANCE_LEVELS)
    q = Text(max_length=100, metadata={"description": "Part of the name."})


# --- pilot designations ------------------------------------------------------------------------


class PilotDesignationInSchema(Schema):
    """A pilot designation. Its subject: `region` for a city, `alliance` for an alliance, `organization` otherwise."""

    kind = LabeledChoice(DESIGNATION_KINDS, required=True)
    organization = OrganizationKey(allow_none=True)
    alliance = OrganizationKey(allow_none=True, metadata={"description": "The alliance's id or exact name."})
    region = RegionCode(allow_none=True, metadata={"description": "The city (prefecture or county) designated."})
    name = Text(max_length=200, min_length=0, load_default="", metadata={"description": "Defaults to the subject's."})
    designated_on = fields.Date(required=True)
    level = LabeledChoice(DESIGNATION_LEVELS, required=True)
    issued_by = Text(max_length=200, required=True, metadata={"description": "发文单位"})
    document_number = Text(max_length=100, min_length=0, allow_none=True, metadata={"description": "文号"})
    note = Text(max_length=2000, min_length=0, load_default="")


class AllianceRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class PilotDesignationOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    organization = fields.Nested(OrganizationRefSchema, allow_none=True)
    alliance = fields.Nested(AllianceRefSchema, allow_none=True)
    region = RegionTerm(attribute="region_code")
    name = fields.String()
    designated_on = fields.Date()
    level = fields.String()
    issued_by = fields.String()
    document_number = fields.String(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PilotDesignationArgsSchema(RegistryArgsSchema):
    kind = LabeledChoice(DESIGNATION_KINDS)
    level = LabeledChoice(DESIGNATION_LEVELS)
    q = Text(max_length=100, metadata={"description": "Part of the name."})


# --- counts, imports and targets -------------------------------------------------------------


class CountSchema(Schema):
    key = fields.String()
    label = fields.String()
    count = fields.Integer()


class RegistryCountsSchema(Schema):
    total = fields.Integer()
    by_school = fields.List(fields.Nested(CountSchema))
    by_sector = fields.List(fields.Nested(CountSchema))
    by_region = fields.List(fields.Nested(CountSchema), metadata={"description": "By prefecture."})


class ImportArgsSchema(Schema):
    skip_invalid = fields.Boolean(load_default=False, metadata={"description": "Import the good rows anyway."})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check every row, write nothing."})


class ImportFileSchema(Schema):
    file = fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "CSV (UTF-8) or .xlsx"}
    )


class RowProblemSchema(Schema):
    field = fields.String()
    message = fields.String()
    message_zh = fields.String()


class RowErrorSchema(Schema):
    line = fields.Integer(metadata={"description": "The row's line in the file (the header is line 1)."})
    problems = fields.List(fields.Nested(RowProblemSchema))


class RegistryImportReportSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    written = fields.Boolean()
    errors = fields.List(fields.Nested(RowErrorSchema))


class TargetsArgsSchema(Schema):
    on = fields.Date(metadata={"description": "Count as of this day (today by default)."})
    period = Choice(("year", "quarter"), load_default="year")
