"""The dashboard's filters (its query string)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, post_load, validates

from matchmaker.errors import Message
from matchmaker.schemas.fields import CategoryCode, RegionCode, SectorCode
from matchmaker.taxonomy import get_taxonomy

NOT_A_PREFECTURE = Message("请选择一个市（州）。", "Choose a prefecture.")


class DashboardArgsSchema(Schema):
    sector = SectorCode()
    prefecture = RegionCode(metadata={"description": "A prefecture (市、州): its counties count in it."})
    category = CategoryCode()

    @validates("prefecture")
    def _prefecture(self, value: str, **kwargs: Any) -> None:
        if get_taxonomy().regions[value].level != "prefecture":
            raise ValidationError(NOT_A_PREFECTURE)

    @post_load
    def _filters(self, data: dict[str, Any], **kwargs: Any) -> Any:
        from matchmaker.reports import ReportFilters

        return ReportFilters(**data)
