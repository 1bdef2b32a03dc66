"""Helpers shared by the models."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Postings expire by the calendar day in Guizhou, whatever the server's time zone.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in China."""
    return datetime.now(LOCAL_TZ).date()


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as China time ('2025-03-01 14:05'); empty for None."""
    return value.astimezone(LOCAL_TZ).strftime(fmt) if value else ""


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite drops the zone on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use matchmaker.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Timestamped:
    """`created_at` / `updated_at` columns, timezone-aware UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class HasSectors:
    """`sectors`: the codes held by a model's `sector_links` rows, read and written as a list."""

    @property
    def sectors(self) -> list[str]:
        return [link.sector_code for link in self.sector_links]

    @sectors.setter
    def sectors(self, codes: Iterable[str]) -> None:
        link_class = type(self).sector_links.property.mapper.class_
        sync_sector_links(self.sector_links, codes, lambda code: link_class(sector_code=code))


def sync_sector_links(links: list[Any], codes: Iterable[str], make_link: Callable[[str], Any]) -> None:
    """Make a sector-link collection hold exactly `codes`, in order, keeping unchanged rows.

    Keeping the rows that stay avoids deleting and re-inserting the same primary key
    in one flush.
    """
    wanted = list(dict.fromkeys(codes))
    for link in [link for link in links if link.sector_code not in wanted]:
        links.remove(link)
    present = {link.sector_code for link in links}
    links.extend(make_link(code) for code in wanted if code not in present)
    for position, link in enumerate(sorted(links, key=lambda link: wanted.index(link.sector_code))):
        link.position = position
