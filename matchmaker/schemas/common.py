"""Schemas shared by the API: errors, paging, taxonomy terms."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from matchmaker.schemas.fields import Bounded
from matchmaker.taxonomy import get_taxonomy


class FieldErrorSchema(Schema):
    field = fields.String(metadata={"description": "Dotted path of the field, e.g. `sectors.0`."})
    message = fields.String(metadata={"description": "What is wrong, in English."})
    message_zh = fields.String(metadata={"description": "What is wrong, in Chinese."})


class ErrorSchema(Schema):
    """Every error the API returns has this shape."""

    code = fields.String(metadata={"description": "Machine-readable error code, e.g. `invalid_input`."})
    status = fields.Integer()
    message = fields.String()
    message_zh = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "Field errors, if any."})


class PageArgsSchema(Schema):
    page = Bounded(1, 1_000_000, strict=False, load_default=1)
    page_size = Bounded(1, 100, strict=False, load_default=20)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A `{items, total, page, page_size, pages}` envelope around an item schema."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(attribute="per_page"),
            "pages": fields.Integer(),
        },
        name=name,
    )


class TermSchema(Schema):
    code = fields.String()
    name = fields.String()


class SectorTerms(fields.Nested):
    """Dumps a list of sector codes as `[{code, name}]`."""

    def __init__(self, **kwargs: Any):
        super().__init__(TermSchema, many=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[dict[str, str]]:
        sectors = get_taxonomy().sectors
        return [{"code": c, "name": sectors[c].name if c in sectors else c} for c in value or ()]


class RegionTerm(fields.Nested):
    """Dumps a region code as `{code, name}` with the full name (贵阳市南明区)."""

    def __init__(self, **kwargs: Any):
        super().__init__(TermSchema, allow_none=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> dict[str, str] | None:
        if not value:
            return None
        return {"code": value, "name": get_taxonomy().region_label(value) or value}
