"""Cooperation project schemas: API input, output, list filters, status steps and library decisions.

Majors and occupations are checked against the catalogs the product ships
(`data/crosswalk/majors.csv`, `occupations.csv`), read once per process without building the
crosswalk's search structures.
"""

from __future__ import annotations

import csv
import functools
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validates_schema

from matchmaker.data import data_dir
from matchmaker.errors import Message
from matchmaker.models.projects import FIGURES, INVESTMENTS
from matchmaker.schemas.common import PageArgsSchema, RegionTerm, SectorTerms
from matchmaker.schemas.fields import (
    DUPLICATE_ITEMS,
    Bounded,
    Choice,
    Id,
    RegionCode,
    SectorCode,
    SectorList,
    Text,
)
from matchmaker.taxonomy import get_taxonomy, normalize_term
from matchmaker.transitions import LIBRARY_STATUS, PROJECT_STATUS

MAX_FIGURE = 1_000_000
MAX_INVESTMENT = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_DOCUMENTS = 20
MAX_TERMS = 30

BAD_AMOUNT = Message("请填写金额（元），如 120000 或 120000.50。", "Enter an amount in yuan, e.g. 120000 or 120000.50.")
NEGATIVE_AMOUNT = Message("金额不能为负数。", "Must not be negative.")
TOO_MANY_DECIMALS = Message("金额最多保留两位小数（元、角、分）。", "At most 2 decimal places.")
AMOUNT_TOO_LARGE = Message("金额过大。", "Amount too large.")
BAD_URL = Message("请填写以 http:// 或 https:// 开头的网址。", "Must be an http:// or https:// URL.")
UNKNOWN_MAJOR = Message(
    "未知的专业「{value}」，请使用专业目录中的专业代码或名称。",
    "Unknown major {value!r}: use a code or name from the major catalog.",
)
UNKNOWN_OCCUPATION = Message(
    "未知的职业代码「{value}」，请使用《职业分类大典》的职业代码（如 6-18-01-01）。",
    "Unknown occupation code {value!r}: use a code of the occupation classification (e.g. 6-18-01-01).",
)
TOO_MANY = Message("最多 {max} 项。", "At most {max} items.")
PARTNER_ONE_WAY = Message(
    "请用 organization_id 或 organization_ref 指明机构（二选一）。",
    "Name the organization by organization_id or organization_ref (one of them).",
)


# --- catalogs ------------------------------------------------------------------------------


@functools.cache
def major_catalog() -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
    """(major code → (name, level), the set of major names) from the shipped major catalog."""
    with (data_dir("crosswalk") / "majors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["code"]: (r["name"], r["level"]) for r in rows}, frozenset(r["name"] for r in rows)


@functools.cache
def occupation_catalog() -> dict[str, str]:
    """Occupation code → name from the shipped occupation classification."""
    with (data_dir("crosswalk") / "occupations.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh)}


def major_label(value: str) -> str:
    """'数控技术（高职专科）' for a code, the name itself for a name."""
    by_code, _ = major_catalog()
    if value in by_code:
        name, level = by_code[value]
        return f"{name}（{level}）"
    return value


def occupation_label(code: str) -> str:
    return occupation_catalog().get(code, code)


# --- fields --------------------------------------------------------------------------------


class Money(fields.Field):
    """An amount in yuan: non-negative, at most two decimals; loads as Decimal, dumps as a string."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.metadata.setdefault("type", "string")
        self.metadata.setdefault("example", "120000.00")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValidationError(BAD_AMOUNT)
        text = normalize_term(str(value)).replace(",", "").replace("，", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(BAD_AMOUNT) from None
        if not amount.is_finite():
            raise ValidationError(BAD_AMOUNT)
        if amount < 0:
            raise ValidationError(NEGATIVE_AMOUNT)
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(TOO_MANY_DECIMALS)
        if amount > MAX_INVESTMENT:
            raise ValidationError(AMOUNT_TOO_LARGE)
        return amount.quantize(Decimal("0.01"))

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{Decimal(value):.2f}"


class HttpUrl(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            raise ValidationError(BAD_URL)
        return text


class MajorTerm(Text):
    """A major code or name from the catalog (stored as given)."""

    def __init__(self, **kwargs: Any):
        super().__init__(max_length=60, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = normalize_term(super()._deserialize(value, attr, data, **kwargs))
        by_code, names = major_catalog()
        if text not in by_code and text not in names:
            raise ValidationError(UNKNOWN_MAJOR.format(value=text))
        return text


class OccupationCode(Text):
    def __init__(self, **kwargs: Any):
        super().__init__(max_length=20, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = normalize_term(super()._deserialize(value, attr, data, **kwargs))
        if text not in occupation_catalog():
            raise ValidationError(UNKNOWN_OCCUPATION.format(value=text))
        return text


class DistinctList(fields.List):
    """A list without duplicates and with at most `max_items` entries."""

    def __init__(self, inner: Any, *, max_items: int, **kwargs: Any):
        kwargs.setdefault("load_default", list)
        super().__init__(inner, **kwargs)
        self.max_items = max_items
        self.metadata.setdefault("maxItems", max_items)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list) and len(value) > self.max_items:
            raise ValidationError(TOO_MANY.format(max=self.max_items))
        items = super()._deserialize(value, attr, data, **kwargs)
        keys = [repr(item) for item in items]
        if len(set(keys)) != len(keys):
            raise ValidationError(DUPLICATE_ITEMS)
        return items


def type_choice(**kwargs: Any) -> Choice:
    types = get_taxonomy().cooperation_types
    return Choice(tuple(types), labels={code: t.name for code, t in types.items()}, **kwargs)


def role_choice(**kwargs: Any) -> Choice:
    roles = get_taxonomy().partner_roles
    return Choice(tuple(roles), labels={code: t.name for code, t in roles.items()}, **kwargs)


# --- input ---------------------------------------------------------------------------------


class PartnerInSchema(Schema):
    organization_id = Id()
    organization_ref = Text(max_length=64)
    role = role_choice(load_default="partner")

    @validates_schema
    def _one_key(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("organization_id" in data) == ("organization_ref" in data):
            raise ValidationError(PARTNER_ONE_WAY, "organization_id")


class DocumentSchema(Schema):
    title = Text(max_length=120, required=True)
    url = HttpUrl(max_length=500, required=True)


class ProjectInSchema(Schema):
    """Fields a client may set on a project (all optional on update, where `version` guards the edit)."""

    ref = Text(max_length=64, allow_none=True, metadata={"description": "Your own stable identifier, unique."})
    title = Text(max_length=120, min_length=2, required=True)
    type_code = type_choice(
        required=True, metadata={"description": "Cooperation type code; see `GET /api/v1/projects/terms`."}
    )
    description = Text(max_length=5000, min_length=0, load_default="")
    partners = fields.List(
        fields.Nested(PartnerInSchema),
        metadata={
            "description": "Two or more organizations, at least one school and one enterprise. A member's own "
            "organization is added (confirmed) if missing; the others confirm with `POST /{id}/confirm`."
        },
    )
    region = RegionCode(allow_none=True, metadata={"description": "Defaults to the (first) school partner's."})
    sectors = SectorList()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    students_trained = Bounded(0, MAX_FIGURE, load_default=0, metadata={"description": "Students trained."})
    apprentices = Bounded(0, MAX_FIGURE, load_default=0)
    teachers_placed = Bounded(0, MAX_FIGURE, load_default=0, metadata={"description": "Teachers in enterprises."})
    mentors = Bounded(0, MAX_FIGURE, load_default=0, metadata={"description": "Industry mentors in schools."})
    school_investment = Money(load_default=Decimal("0.00"), metadata={"description": "Yuan, ≤ 2 decimals."})
    enterprise_investment = Money(load_default=Decimal("0.00"), metadata={"description": "Yuan, ≤ 2 decimals."})
    outcomes = Text(max_length=5000, min_length=0, load_default="")
    documents = DistinctList(fields.Nested(DocumentSchema), max_items=MAX_DOCUMENTS)
    majors = DistinctList(MajorTerm(), max_items=MAX_TERMS, metadata={"description": "Major codes or names."})
    occupations = DistinctList(OccupationCode(), max_items=MAX_TERMS, metadata={"description": "Occupation codes."})


class ProjectCreateSchema(ProjectInSchema):
    meeting_id = Id(
        metadata={
            "description": "Make the project from an event meeting whose outcome was 签订合作协议: its two sides "
            "become partners and the event, region and sectors are filled in."
        }
    )


class ProjectUpdateSchema(ProjectInSchema):
    version = Bounded(
        1, 2**31 - 1, metadata={"description": "The version you read: a change made meanwhile is refused (409)."}
    )


class StatusStepSchema(Schema):
    status = Choice(tuple(PROJECT_STATUS.labels), labels=dict(PROJECT_STATUS.labels), required=True)
    occurred_on = fields.Date(allow_none=True, metadata={"description": "The step's own date; default today."})
    note = Text(max_length=2000, min_length=0, load_default="")
    version = Bounded(1, 2**31 - 1)


class NominateSchema(Schema):
    note = Text(max_length=2000, min_length=0, load_default="")


class CriterionReviewSchema(Schema):
    met = fields.Boolean(required=True)
    note = Text(max_length=2000, min_length=0, load_default="")


def criteria_field(**kwargs: Any) -> fields.Dict:
    return fields.Dict(
        keys=Choice(tuple(get_taxonomy().library_criteria)),
        values=fields.Nested(CriterionReviewSchema),
        metadata={"description": "criterion code → {met, note}; the criteria are in `GET /api/v1/projects/terms`."},
        **kwargs,
    )


class PublishSchema(Schema):
    criteria = criteria_field(required=True)
    note = Text(max_length=2000, min_length=0, load_default="")


class DeclineSchema(Schema):
    reason = Text(max_length=2000, required=True)
    criteria = criteria_field(load_default=dict)


# --- output --------------------------------------------------------------------------------


class PartnerOrganizationSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String()
    subtype = fields.String(allow_none=True)


class PartnerOutSchema(Schema):
    organization = fields.Nested(PartnerOrganizationSchema)
    role = fields.String()
    confirmed = fields.Function(lambda p: p.confirmed_at is not None)
    confirmed_at = fields.DateTime(allow_none=True)


class ProjectStepSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    occurred_on = fields.Date(allow_none=True)
    note = fields.String()


class ProjectOutSchema(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    title = fields.String()
    type_code = fields.String()
    type_name = fields.Function(lambda p: getattr(get_taxonomy().cooperation_types.get(p.type_code), "name", ""))
    description = fields.String()
    partners = fields.List(fields.Nested(PartnerOutSchema))
    counted = fields.Boolean(metadata={"description": "Every partner has confirmed: the project counts."})
    region = RegionTerm(attribute="region_code")
    sectors = SectorTerms()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    status = fields.String()
    status_name = fields.Function(lambda p: PROJECT_STATUS.labels.get(p.status, p.status))
    students_trained = fields.Integer()
    apprentices = fields.Integer()
    teachers_placed = fields.Integer()
    mentors = fields.Integer()
    school_investment = Money()
    enterprise_investment = Money()
    outcomes = fields.String()
    documents = fields.List(fields.Dict())
    majors = fields.List(fields.String())
    occupations = fields.List(fields.String())
    event_id = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    library_status = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ProjectDetailSchema(ProjectOutSchema):
    """A project as its partners and coordinators see it: with its history and the library review."""

    history = fields.List(fields.Nested(ProjectStepSchema))
    nominated_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_notes = fields.Dict(allow_none=True)
    decline_reason = fields.String(allow_none=True)


class LibraryEntrySchema(ProjectOutSchema):
    """A published demonstration project as everyone sees it (no edit version, no pending partners' state)."""

    class Meta:
        exclude = ("version", "library_status")


# --- filters -------------------------------------------------------------------------------


class ProjectListArgsSchema(PageArgsSchema):
    type = fields.List(type_choice(), metadata={"description": "Any of these cooperation types."})
    status = fields.List(Choice(tuple(PROJECT_STATUS.labels)), metadata={"description": "Any of these statuses."})
    sector = fields.List(SectorCode(), metadata={"description": "Any of these sectors (repeat the parameter)."})
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})
    organization_id = Id(strict=False, metadata={"description": "Projects this organization is a partner of."})
    event_id = Id(strict=False, metadata={"description": "Projects that came from this event's meetings."})
    counted = fields.Boolean(metadata={"description": "true: every partner confirmed; false: some still waiting."})
    library_status = Choice(tuple(LIBRARY_STATUS.labels))


class LibraryArgsSchema(PageArgsSchema):
    type = fields.List(type_choice())
    sector = fields.List(SectorCode())
    region = RegionCode(metadata={"description": "A prefecture includes its counties."})
    school_kind = Choice(
        get_taxonomy().kinds["school"].subtypes, metadata={"description": "A school partner's subtype, e.g. 高职院校."}
    )


def figures_of(project: Any) -> dict[str, Any]:
    """The project's figures and investments by name (for pages and exports)."""
    return {name: getattr(project, name) for name in (*FIGURES, *INVESTMENTS)}
