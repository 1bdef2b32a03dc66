"""Event schemas: what a coordinator fills in to set up a matchmaking event."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from matchmaker.errors import Message
from matchmaker.models.base import LOCAL_TZ
from matchmaker.models.events import OUTCOME_LABELS, OUTCOME_STAGE_LABELS, OUTCOME_STAGES, OUTCOMES
from matchmaker.schemas.fields import Bounded, Choice, RegionCode, SectorList, Text

CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
BAD_CLOCK = Message("时间格式应为 时:分，如 14:00。", "Use hours:minutes, e.g. 14:00.")
TABLES_ONE_WAY = Message("请填写洽谈桌数量或桌名，二选一。", "Give either a number of tables or their names.")


def slot_times(
    day: date, first_start: str, minutes: int, count: int, pause: int = 0
) -> list[tuple[datetime, datetime]]:
    """`count` consecutive slots of `minutes` from `first_start` ('HH:MM', China time) on `day`,
    `pause` minutes apart."""
    hours, mins = (int(part) for part in first_start.split(":"))
    start = datetime(day.year, day.month, day.day, hours, mins, tzinfo=LOCAL_TZ)
    times = []
    for _ in range(count):
        end = start + timedelta(minutes=minutes)
        times.append((start, end))
        start = end + timedelta(minutes=pause)
    return times


class LocalDateTime(fields.DateTime):
    """A date and time as people in Guizhou give it (China time unless an offset is given)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


class Clock(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not CLOCK.match(text):
            raise ValidationError(BAD_CLOCK)
        return text


class EventInSchema(Schema):
    """An event's details; slots are generated from the first start, length, count and pause."""

    title = Text(max_length=120, min_length=2, required=True)
    description = Text(max_length=5000, min_length=0, load_default="")
    held_on = fields.Date(required=True)
    venue = Text(max_length=200, required=True)
    region = RegionCode(allow_none=True)
    sectors = SectorList(metadata={"description": "Sectors in focus."})
    registration_deadline = LocalDateTime(required=True)
    request_deadline = LocalDateTime(required=True)
    requires_approval = fields.Boolean(load_default=True)
    min_meetings = Bounded(0, 50, strict=False, load_default=0)
    max_meetings = Bounded(1, 50, strict=False, allow_none=True)
    first_slot = Clock(required=True, metadata={"description": "Start of the first slot, e.g. 14:00 (China time)."})
    slot_minutes = Bounded(5, 240, strict=False, load_default=20)
    slot_count = Bounded(1, 48, strict=False, required=True)
    pause_minutes = Bounded(0, 120, strict=False, load_default=0)
    table_count = Bounded(1, 500, strict=False, allow_none=True)
    table_names = Text(
        max_length=5000,
        min_length=0,
        allow_none=True,
        load_default=None,
        metadata={"description": "Table names separated by commas or new lines, instead of a count."},
    )

    @validates_schema(skip_on_field_errors=False)  # report it together with the fields' own errors
    def tables_one_way(self, data: dict[str, Any], **kwargs: Any) -> None:
        if bool(data.get("table_count")) == bool((data.get("table_names") or "").strip()):
            raise ValidationError(TABLES_ONE_WAY, field_name="table_count")

    @post_load
    def slots_and_tables(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["slots"] = slot_times(
            data["held_on"],
            data.pop("first_slot"),
            data.pop("slot_minutes"),
            data.pop("slot_count"),
            data.pop("pause_minutes"),
        )
        names = [n.strip() for n in re.split(r"[,，、\n]", data.pop("table_names") or "") if n.strip()]
        if len(set(names)) != len(names):
            raise ValidationError(Message("桌名不能重复。", "Table names must differ."), field_name="table_names")
        count = data.pop("table_count", None)
        data["tables"] = names or [str(i) for i in range(1, (count or 0) + 1)]
        return data


class OutcomeInSchema(Schema):
    """One side's account of a meeting: the outcome, a note, and when it was recorded."""

    outcome = Choice(OUTCOMES, labels=OUTCOME_LABELS, required=True)
    note = Text(max_length=2000, min_length=0, load_default="")
    stage = Choice(OUTCOME_STAGES, labels=OUTCOME_STAGE_LABELS, load_default="event")
