"""Lists as files: what a coordinator sees in a list, downloaded as Excel (.xlsx) or CSV.

A list is described once, as a `Sheet`: a title, `Column`s (a Chinese header and a function
from a row to its value) and the rows, which come from the same service query as the page's,
under the same filters, all pages of them. `write(sheets, fmt, name)` turns sheets into a file:

- .xlsx: one worksheet per sheet, a bold frozen header row, columns as wide as their content,
  dates and times as real Excel dates (China time); text stays text (`spreadsheets.xlsx_row`).
- .csv: the first sheet only, UTF-8 with a byte-order mark (so that Excel reads the Chinese),
  text that would start a formula prefixed with an apostrophe (`spreadsheets.csv_cell`).

Values: None is an empty cell, True/False are 是/否, a list is joined with 「、」, an aware
datetime becomes China time. The lists of the coordinator pages (postings, organizations,
contact requests) are defined here; an event's lists are in `matchmaker.events.outputs`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from matchmaker import contacts, organizations, postings
from matchmaker.errors import Message, PermissionDenied
from matchmaker.extensions import db
from matchmaker.models import ContactRequest, Organization, Posting
from matchmaker.models.base import LOCAL_TZ, local_today
from matchmaker.schemas.postings import DIRECTION_LABELS, LISTED_STATUS_LABELS
from matchmaker.spreadsheets import csv_cell, xlsx_row
from matchmaker.taxonomy import get_taxonomy

FORMATS = ("xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
DATE_FORMATS = {datetime: "yyyy-mm-dd hh:mm", date: "yyyy-mm-dd", time: "hh:mm"}
MIN_WIDTH, MAX_WIDTH = 6, 60
UNSAFE_IN_FILENAMES = set('\\/:*?"<>|')
COORDINATORS_ONLY = Message("只有协调员可以导出列表。", "Only coordinators may export lists.")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int | None = None  # in characters; None fits the header and the values


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Any]
    heading: Sequence[str] = ()  # lines above the header row, in the workbook only
    wrap: bool = False  # wrap long text and align it to the top of the cell

    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    def values(self) -> list[list[Any]]:
        """The rows as cell values, in column order."""
        return [[cell_value(column.value(row)) for column in self.columns] for row in self.rows]


@dataclass(frozen=True)
class Download:
    body: bytes
    mimetype: str
    filename: str


def require_coordinator(actor: Any) -> None:
    if actor is None or not actor.is_coordinator:
        raise PermissionDenied(COORDINATORS_ONLY)


def write(sheets: Sequence[Sheet], fmt: str, name: str) -> Download:
    """The sheets as a file named after `name` and today's date: every sheet in .xlsx, the first in .csv."""
    body = to_xlsx(sheets) if fmt == "xlsx" else to_csv(sheets[0])
    safe = "".join("_" if char in UNSAFE_IN_FILENAMES or ord(char) < 0x20 else char for char in name)
    return Download(body, MIMETYPES[fmt], f"{safe}-{local_today():%Y%m%d}.{fmt}")


def cell_value(value: Any) -> Any:
    """A value as a spreadsheet holds it (see the module's docstring)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(item) for item in value if item is not None and item != "")
    return value


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        values = sheet.values()
        out = workbook.create_sheet(sheet.title[:31])
        for i, width in enumerate(fitted_widths(sheet, values), start=1):
            out.column_dimensions[get_column_letter(i)].width = width
        out.freeze_panes = f"A{len(sheet.heading) + 2}"
        for n, line in enumerate(sheet.heading):
            (cell,) = xlsx_row(out, [line])
            cell.font = Font(bold=True, size=14) if n == 0 else Font()
            out.append([cell])
        header = xlsx_row(out, sheet.header())
        for cell in header:
            cell.font = bold
        out.append(header)
        for row in values:
            cells = xlsx_row(out, row)
            for cell, value in zip(cells, row, strict=True):
                number_format = next((f for kind, f in DATE_FORMATS.items() if isinstance(value, kind)), None)
                if number_format:
                    cell.number_format = number_format
                if sheet.wrap:
                    cell.alignment = wrapped
            out.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(sheet: Sheet) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in sheet.header()])
    writer.writerows([csv_cell(csv_text(value)) for value in row] for row in sheet.values())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return "" if value is None else value


def fitted_widths(sheet: Sheet, values: list[list[Any]]) -> list[int]:
    """Each column as wide as its header and its longest value (the first lines of each), within bounds."""
    widths = []
    for i, column in enumerate(sheet.columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = max([display_width(column.header), *(display_width(row[i]) for row in values[:500])])
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))
    return widths


def display_width(value: Any) -> int:
    """How many Latin characters wide the value is shown: Chinese characters count twice."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if value is None:
        return 0
    line = max(str(value).splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


# --- what the coordinator pages list --------------------------------------------------------


def category_name(code: str) -> str:
    category = get_taxonomy().categories.get(code)
    return category.name if category else code


def kind_name(code: str) -> str:
    kind = get_taxonomy().kinds.get(code)
    return kind.name if kind else code


def sector_names(codes: Sequence[str]) -> list[str]:
    sectors = get_taxonomy().sectors
    return [sectors[code].name if code in sectors else code for code in codes]


def region_name(code: str | None) -> str | None:
    return get_taxonomy().region_label(code) or code


def posting_status(posting: Posting) -> str:
    status = "expired" if posting.expired else posting.status
    return LISTED_STATUS_LABELS.get(status, status)


POSTING_COLUMNS = (
    Column("编号", lambda p: p.ref),
    Column("标题", lambda p: p.title, width=40),
    Column("机构", lambda p: p.organization.name, width=30),
    Column("机构已认证", lambda p: p.organization.verified),
    Column("方向", lambda p: DIRECTION_LABELS.get(p.direction, p.direction)),
    Column("类别", lambda p: category_name(p.category)),
    Column("产业", lambda p: sector_names(p.sectors)),
    Column("地区", lambda p: region_name(p.region_code)),
    Column("人数或名额", lambda p: p.quantity),
    Column("开始日期", lambda p: p.starts_on),
    Column("结束日期", lambda p: p.ends_on),
    Column("状态", posting_status),
    Column("发布时间", lambda p: p.published_at),
    Column("有效期至", lambda p: p.valid_until),
    Column("描述", lambda p: p.description, width=60),
)


def posting_sheets(filters: dict[str, Any], actor: Any) -> list[Sheet]:
    """The coordinator's list of postings under its filters (PostingListArgsSchema), every page of it."""
    require_coordinator(actor)
    found = list(db.session.scalars(postings.sorted_postings(filters, actor)))
    return [Sheet("需求与供给", POSTING_COLUMNS, found)]


QUEUE_STATUS = {"closed": "已关闭", "verified": "已认证", "rejected": "不予认证", "pending": "待审核"}


def organization_status(org: Organization) -> str:
    if org.closed:
        return QUEUE_STATUS["closed"]
    if org.verified:
        return QUEUE_STATUS["verified"]
    return QUEUE_STATUS["rejected"] if org.rejected_at else QUEUE_STATUS["pending"]


@dataclass(frozen=True)
class OrganizationRow:
    org: Organization
    postings: tuple[int, int]  # all, published
    members: list[Any]


ORGANIZATION_COLUMNS = (
    Column("编号", lambda r: r.org.ref),
    Column("机构名称", lambda r: r.org.name, width=30),
    Column("类型", lambda r: kind_name(r.org.kind)),
    Column("子类型", lambda r: r.org.subtype),
    Column("地区", lambda r: region_name(r.org.region_code)),
    Column("产业", lambda r: sector_names(r.org.sectors)),
    Column("状态", lambda r: organization_status(r.org)),
    Column("发布总数", lambda r: r.postings[0]),
    Column("已发布", lambda r: r.postings[1]),
    Column("联系人", lambda r: r.org.contact_name),
    Column("联系电话", lambda r: r.org.contact_phone),
    Column("电子邮箱", lambda r: r.org.contact_email),
    Column("网站", lambda r: r.org.website),
    Column("注册账号", lambda r: [" ".join(filter(None, (u.name, u.email))) for u in r.members]),
    Column("注册时间", lambda r: r.org.created_at),
    Column("认证时间", lambda r: r.org.verified_at),
    Column("不予认证时间", lambda r: r.org.rejected_at if not r.org.verified else None),
    Column("不予认证原因", lambda r: r.org.rejection_reason if r.org.rejected_at and not r.org.verified else None),
    Column("关闭时间", lambda r: r.org.closed_at),
    Column("简介", lambda r: r.org.description, width=60),
)


def organization_sheets(show: str, actor: Any) -> list[Sheet]:
    """One tab of the verification queue (pending, verified, closed) with what its cards show."""
    require_coordinator(actor)
    found = list(db.session.scalars(organizations.verification_queue(show)))
    counts = organizations.posting_counts([org.id for org in found])
    rows = [OrganizationRow(org, counts.get(org.id, (0, 0)), organizations.members_of(org)) for org in found]
    return [Sheet("机构", ORGANIZATION_COLUMNS, rows)]


CONTACT_STATUS = {"pending": "待答复", "accepted": "已接受", "declined": "已婉拒"}
CONTACT_COLUMNS = (
    Column("发起机构", lambda c: c.from_organization.name, width=30),
    Column("被联系机构", lambda c: c.to_organization.name, width=30),
    Column("关于（被联系方的发布）", lambda c: c.to_posting.title if c.to_posting else None, width=30),
    Column("发起方的发布", lambda c: c.from_posting.title if c.from_posting else None, width=30),
    Column("留言", lambda c: c.message, width=50),
    Column("状态", lambda c: CONTACT_STATUS.get(c.status, c.status)),
    Column("发起时间", lambda c: c.created_at),
    Column("答复时间", lambda c: c.answered_at),
)


def contact_sheets(actor: Any) -> list[Sheet]:
    """Every contact request, newest first."""
    require_coordinator(actor)
    found: list[ContactRequest] = contacts.contact_requests(actor)
    return [Sheet("联系请求", CONTACT_COLUMNS, found)]
