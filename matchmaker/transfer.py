"""Bulk import and export of organizations, postings and cooperation projects (JSON Lines, CSV, Excel).

Every row names its own `ref`; postings name their organization's ref in `org`, projects their
partners' refs in `partners`. Importing the same ref again updates the row. All rows are tried inside
one transaction, each in its own savepoint, so every bad row is reported with its line and reasons
(fields named by their Chinese column labels); with any bad row nothing is written unless
`skip_invalid` is set. A coordinator's upload is checked by a dry run on the page, then imported by
the worker (`import_later`).

Cooperation projects (`type` project) load through the projects' own schema and service:

- 合作单位 `partners`: ``REF:role`` entries separated by ``;`` (e.g. ``DEMO-SCH-0001:lead;DEMO-ENT-0003:partner``;
  role code or name, default partner); 相关文件 `documents`: ``title|url`` entries, one per line or
  separated by ``;``. The cell formats are described in `matchmaker.schemas.imports`.
- The importer (the operator, or the coordinator who uploaded the file) vouches for the file, so every
  partner is confirmed at once and each confirmation is recorded in the project's history; nobody is
  asked to confirm.
- `status` is set directly (`projects.set_status_of_record`): one imported step in the change history
  rather than a walk through PROJECT_STATUS. A file states the present state of a project kept elsewhere;
  walking the steps would invent dates nobody reported and refuse files that catch up several steps.

Files users really have: CSV is read as UTF-8 (with or without BOM) strictly, then as GB18030 (what
Excel saves on Chinese Windows), and only then as charset-normalizer's guess (e.g. Excel's UTF-16
"Unicode text", tab-separated), kept only if its header names the `type` column. A malformed CSV (an
unpaired quote) is refused with its line; a row with more cells than the header is a bad row. Headers may
be the keys (`sectors`), the Chinese labels (`产业`) or both (`产业（sectors）`, as in `write_template`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from matchmaker import organizations, postings, projects
from matchmaker.accounts import OPERATOR
from matchmaker.errors import InvalidInput, MatchmakerError, Message, NotFound, flatten_errors
from matchmaker.extensions import db
from matchmaker.jobs import enqueue, handler
from matchmaker.models import Job, Organization, Posting, Project, User
from matchmaker.schemas.imports import (
    COLUMN_BY_KEY,
    COLUMN_INFO,
    COLUMNS,
    INTEGER_COLUMNS,
    LIST_COLUMNS,
    LIST_SEPARATORS,
    ROW_SCHEMAS,
    ROW_TYPE_LABELS,
    ROW_TYPES,
    SPLIT_BY,
    allowed_values,
    field_label,
    header_cell,
    header_key,
    row_type_code,
    used_columns,
)
from matchmaker.spreadsheets import csv_cell, from_csv_cell, xlsx_row

ROW = "_row"  # problem path for errors about the whole row
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}
EXAMPLE_PREFIX = "示例"  # refs of the template's example rows
UNKNOWN_TYPE = Message(
    "须为 机构（organization）、发布（posting）或 合作项目（project）。",
    "type must be organization, posting or project.",
)
DUPLICATE_REF = Message("编号「{ref}」在第 {line} 行已出现过。", "Ref {ref!r} already appears on line {line}.")
UNKNOWN_ORG = Message(
    "机构编号「{ref}」既不在文件中也不在数据库中。",
    "Organization ref {ref!r} is neither in the file nor in the database.",
)
OTHER_ORG = Message("编号「{ref}」属于另一机构的发布。", "Ref {ref!r} belongs to a posting of another organization.")
EXAMPLE_ROW = Message(
    "这是导入模板中的示例行：请删除该行，或改成您自己的编号和内容。",
    "This is an example row of the import template: delete it or fill in your own ref and data.",
)
NOT_FOR_TYPE = Message("{type}行不使用此列，请留空。", "{type_en} rows do not use this column: leave it empty.")
UNKNOWN_COLUMN = Message(
    "未知的列：请删除该列，或使用导入模板中的列名。",
    "Unknown column: delete it or use a column of the import template.",
)
REQUIRED = Message("必填，请填写。", "Required: fill it in.")
BAD_JSON = Message("不是有效的 JSON 对象：{error}", "Not a valid JSON object: {error}")
TOO_MANY_CELLS = Message(
    "这一行有 {cells} 个单元格，比表头的 {columns} 列多：请检查是否多了逗号，或含逗号的内容没有用英文双引号括起来。",
    "This row has {cells} cells, more than the header's {columns} columns: look for a stray comma, or text "
    "with a comma that is not in double quotes.",
)
# Whole-file problems: `name` is the file's name as the user uploaded it.
UNREADABLE_ENCODING = Message(
    "无法读取文件「{name}」：无法识别文件的编码。请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重新上传，"
    "或改用 Excel（.xlsx）文件。",
    "Cannot read {name}: its text encoding is not recognised. Save it as CSV UTF-8 or use an Excel (.xlsx) file.",
)
UNREADABLE_XLSX = Message(
    "无法读取文件「{name}」：这不是有效的 Excel（.xlsx）文件。请在 Excel 中另存为“Excel 工作簿（.xlsx）”后重新上传。",
    "Cannot read {name}: it is not a valid Excel (.xlsx) workbook.",
)
EMPTY_FILE = Message(
    "无法读取文件「{name}」：文件是空的，第一行应为表头（列名）。",
    "Cannot read {name}: the file is empty; its first line must be the header.",
)
NO_TYPE_COLUMN = Message(
    "无法读取文件「{name}」：第一行应为表头（列名），且须有「类型」（type）列。请使用导入模板的表头。",
    "Cannot read {name}: the first line must be the header, with a type column. Use the import template's header.",
)
DUPLICATE_COLUMN = Message(
    "无法读取文件「{name}」：表头中「{label}」列出现了两次。",
    "Cannot read {name}: the header has the column {key} twice.",
)
UNCLOSED_QUOTE = Message(
    "无法读取文件「{name}」：第 {line} 行的英文双引号没有配对，从这里到文件末尾都会被读成一个单元格。"
    '请检查该行，补上缺少的引号；单元格内的双引号要写成两个（""）。',
    "Cannot read {name}: the double quote on line {line} is never closed, so the rest of the file would be one "
    'cell. Close it; a quote inside a cell is written twice ("").',
)
MISPLACED_QUOTE = Message(
    "无法读取文件「{name}」：第 {line} 行的英文双引号用法有误：用引号括起的单元格，右引号后须紧跟逗号或换行；"
    '单元格内的双引号要写成两个（""）。',
    "Cannot read {name}: a double quote on line {line} is misplaced: a closing quote must be followed by a comma "
    'or a line break, and a quote inside a cell is written twice ("").',
)
MALFORMED_CSV = Message(
    "无法读取文件「{name}」：第 {line} 行不符合 CSV 格式（{problem}）。",
    "Cannot read {name}: line {line} is not valid CSV ({problem}).",
)


class UnsupportedFormat(MatchmakerError):
    code = "unsupported_format"


class UnreadableFile(MatchmakerError):
    code = "unreadable_file"


@dataclass
class RowError:
    line: int
    ref: str | None
    problems: list[tuple[str, Message]]
    labelled: bool = False  # fields are bulk import columns, named by their Chinese labels (else by path)

    def reasons(self, language: str = "zh") -> list[tuple[str, str]]:
        """(field, reason) pairs: in Chinese, bulk import fields by their column labels; else by their paths."""
        named = self.labelled and language == "zh"
        return [
            ("" if path == ROW else field_label(path) if named else path, getattr(message, language))
            for path, message in self.problems
        ]

    def describe(self, language: str = "en") -> str:
        separator = "：" if language == "zh" else ": "
        reasons = "; ".join((f"{name}{separator}" if name else "") + text for name, text in self.reasons(language))
        if language == "zh":
            return f"第 {self.line} 行" + (f"（{self.ref}）" if self.ref else "") + f"：{reasons}"
        return f"line {self.line}" + (f" ({self.ref})" if self.ref else "") + f": {reasons}"


@dataclass
class ImportReport:
    rows: int = 0
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROW_TYPES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROW_TYPES, 0))
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    posting_ids: list[int] = field(default_factory=list)  # postings created or updated

    def to_dict(self) -> dict[str, Any]:
        """As JSON (an import job's result)."""
        errors = [
            {"line": e.line, "ref": e.ref, "problems": [[path, m.zh, m.en] for path, m in e.problems]}
            for e in self.errors
        ]
        return {**asdict(self), "errors": errors}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        errors = [
            RowError(e["line"], e["ref"], [(path, Message(zh, en)) for path, zh, en in e["problems"]], labelled=True)
            for e in data["errors"]
        ]
        counts = {key: {**dict.fromkeys(ROW_TYPES, 0), **data[key]} for key in ("created", "updated")}
        return cls(**{**data, **counts, "errors": errors})


def file_format(path: Path) -> str:
    """'jsonl', 'csv' or 'xlsx' from the file's extension."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UnsupportedFormat(
            Message(
                "不支持的文件类型「{suffix}」：请使用 .jsonl、.csv 或 .xlsx。",
                "Unsupported file type {suffix!r}: use .jsonl, .csv or .xlsx.",
            ).format(suffix=path.suffix)
        ) from None


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """How a file's header row is read: cell text → key, and a column every file must have."""

    key: Callable[[str], str] = str.strip
    required: str | None = None


IMPORT_HEADER = Header(header_key, "type")  # the bulk import's columns, by key or Chinese label


def read_import_rows(path: Path, name: str | None = None) -> list[tuple[int, dict[str, Any] | Message]]:
    """The rows of a bulk import file (see `read_rows`): headers by key or label, a `type` column required."""
    return read_rows(path, name, header=IMPORT_HEADER)


def read_rows(
    path: Path, name: str | None = None, *, header: Header = Header()
) -> list[tuple[int, dict[str, Any] | Message]]:
    """(line number, row) pairs; a row that cannot be parsed is given as its error message.

    A file that cannot be read at all (unknown encoding, a broken quote, not really Excel, no header)
    raises UnreadableFile naming it by `name`, the name the user gave it (default: the path's).
    """
    fmt, name = file_format(path), name or path.name
    if fmt == "jsonl":
        return list(_read_jsonl(path, name))
    raw = _read_csv(path, name, header) if fmt == "csv" else _read_xlsx(path, name, header)
    return [(line, cells if isinstance(cells, Message) else _typed(cells)) for line, cells in raw]


def decode_text(data: bytes, name: str, looks_right: Callable[[str], bool]) -> str:
    """The text of an uploaded file: UTF-8 (BOM or not), else GB18030, else the detector's guess if it looks right.

    GB18030 covers GBK and GB2312, what Excel on Chinese Windows saves as "CSV (逗号分隔)". The detector
    (charset-normalizer) comes last: it guesses, so its text is used only if `looks_right` says so.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best).lstrip("\ufeff")
        if looks_right(text):
            return text
    raise UnreadableFile(UNREADABLE_ENCODING.format(name=name))


def _read_jsonl(path: Path, name: str) -> Iterator[tuple[int, dict[str, Any] | Message]]:
    text = decode_text(path.read_bytes(), name, lambda text: text.lstrip().startswith("{"))
    for line_no, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_no, BAD_JSON.format(error=exc.msg)
            continue
        yield line_no, row if isinstance(row, dict) else BAD_JSON.format(error=type(row).__name__)


def _delimiter(text: str) -> str:
    """Tab for Excel's "Unicode text" (tab-separated), else comma: judged by the header line."""
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def _header_looks_right(text: str, header: Header) -> bool:
    """Whether a guessed decoding gives a header: the required column, or at least two named columns."""
    try:
        cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except (StopIteration, csv.Error):
        return False
    if header.required:
        return header.required in {header.key(cell) for cell in cells}
    return sum(1 for cell in cells if cell.strip() and cell.isprintable()) >= 2


def _header(cells: Iterable[Any], name: str, header: Header) -> list[str]:
    """Column keys of a header row ('' for an empty header cell)."""
    keys = [header.key(str(cell)) if cell is not None and str(cell).strip() else "" for cell in cells]
    if header.required and header.required not in keys:
        raise UnreadableFile(NO_TYPE_COLUMN.format(name=name))
    for key in keys:
        if key and keys.count(key) > 1:
            label = COLUMN_BY_KEY[key].label if key in COLUMN_BY_KEY else key
            raise UnreadableFile(DUPLICATE_COLUMN.format(name=name, label=label, key=key))
    return keys


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _read_csv(path: Path, name: str, header: Header) -> Iterator[tuple[int, dict[str, Any] | Message]]:
    text = decode_text(path.read_bytes(), name, lambda text: _header_looks_right(text, header))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    keys: list[str] | None = None
    start = 1  # the line a record starts on (a quoted cell may span lines)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem = str(exc)
            if "expected after" in problem:
                raise UnreadableFile(MISPLACED_QUOTE.format(name=name, line=start)) from None
            if "end of data" in problem or "field larger than field limit" in problem:
                raise UnreadableFile(UNCLOSED_QUOTE.format(name=name, line=start)) from None
            raise UnreadableFile(MALFORMED_CSV.format(name=name, line=start, problem=problem)) from None
        line, start = start, reader.line_num + 1
        if keys is None:
            keys = _header(cells, name, header)
            continue
        if not any(_filled(cell) for cell in cells):
            continue
        if any(_filled(cell) for cell in cells[len(keys) :]):
            yield line, TOO_MANY_CELLS.format(cells=len(cells), columns=len(keys))
            continue
        yield (
            line,
            {key: from_csv_cell(value) if value else value for key, value in zip(keys, cells, strict=False) if key},
        )
    if keys is None:
        raise UnreadableFile(EMPTY_FILE.format(name=name))


def _read_xlsx(path: Path, name: str, header: Header) -> Iterator[tuple[int, dict[str, Any] | Message]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UnreadableFile(UNREADABLE_XLSX.format(name=name)) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise UnreadableFile(EMPTY_FILE.format(name=name))
        keys = _header(first, name, header)
        for line_no, values in enumerate(rows, start=2):
            if not any(_filled(value) for value in values):
                continue
            if any(_filled(value) for value in values[len(keys) :]):
                yield line_no, TOO_MANY_CELLS.format(cells=len(values), columns=len(keys))
                continue
            yield line_no, {key: value for key, value in zip(keys, values, strict=False) if key}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(UNREADABLE_XLSX.format(name=name)) from exc
    finally:
        workbook.close()


def _typed(cells: dict[str, Any]) -> dict[str, Any]:
    """Turn a CSV/Excel row's cells into the JSON form: empty cells left out, lists split."""
    row: dict[str, Any] = {}
    for key, value in cells.items():
        if key is None or not str(key).strip():
            continue
        key = str(key).strip()
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            continue
        if key in LIST_COLUMNS:
            separators = SPLIT_BY.get(key, LIST_SEPARATORS)
            value = [part.strip() for part in separators.split(str(value)) if part.strip()]
        elif key in INTEGER_COLUMNS and isinstance(value, str) and value.isdigit():
            value = int(value)
        elif key not in INTEGER_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        row[key] = value
    return row


# --- importing -------------------------------------------------------------------------


def import_file(
    path: Path,
    *,
    skip_invalid: bool = False,
    is_demo: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    actor: Any = None,
) -> ImportReport:
    """Import a file; see `import_rows`."""
    return import_rows(
        read_import_rows(path),
        skip_invalid=skip_invalid,
        is_demo=is_demo,
        dry_run=dry_run,
        progress=progress,
        actor=actor,
    )


def import_rows(
    rows: Iterable[tuple[int, dict[str, Any] | Message]],
    *,
    skip_invalid: bool = False,
    is_demo: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    actor: Any = None,
) -> ImportReport:
    """Create or update organizations, postings and projects by ref: all rows, or none.

    Organizations and postings are written as the operator; projects by `actor` (a coordinator, by
    default the operator), who vouches for their partners. With a bad row nothing is written unless
    `skip_invalid`; `dry_run` checks every row exactly as an import would, reports what would be
    created and updated, and writes nothing. The rows are flushed; the caller commits.
    """
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    savepoint = db.session.begin_nested()
    for line, raw in rows:
        report.rows += 1
        problems, ref = _import_row(line, raw, seen, report, is_demo, actor or OPERATOR)
        if problems:
            report.errors.append(RowError(line, ref, problems, labelled=True))
        if progress:
            progress(1)
    if dry_run or (report.errors and not skip_invalid):
        savepoint.rollback()
        report.posting_ids = []
    else:
        savepoint.commit()
        report.written = True
    return report


def _import_row(
    line: int,
    raw: dict[str, Any] | Message,
    seen: dict[tuple[str, str], int],
    report: ImportReport,
    is_demo: bool,
    actor: Any,
) -> tuple[list[tuple[str, Message]], str | None]:
    if isinstance(raw, Message):
        return [(ROW, raw)], None
    ref = str(raw.get("ref")) if raw.get("ref") is not None else None
    row_type = row_type_code(raw.get("type"))
    if row_type not in ROW_TYPES:
        return [("type", UNKNOWN_TYPE)], ref
    try:
        data = ROW_SCHEMAS[row_type]().load({**raw, "type": row_type})
    except ValidationError as exc:
        return _problems(exc.messages, row_type), ref
    if data["ref"].startswith(EXAMPLE_PREFIX):
        return [(ROW, EXAMPLE_ROW)], ref
    key = (row_type, data["ref"])
    if key in seen:
        return [("ref", DUPLICATE_REF.format(ref=data["ref"], line=seen[key]))], ref
    seen[key] = line
    apply = {"organization": _apply_organization, "posting": _apply_posting, "project": _apply_project}[row_type]
    try:
        with db.session.begin_nested():
            created, row_id = apply(data, is_demo, actor)
    except InvalidInput as exc:
        return _problems(exc.fields, row_type), ref
    except MatchmakerError as exc:
        return [(ROW, exc.message)], ref
    (report.created if created else report.updated)[row_type] += 1
    if row_type == "posting":
        report.posting_ids.append(row_id)
    return [], ref


def _problems(errors: Any, row_type: str) -> list[tuple[str, Message]]:
    """(path, message) pairs; marshmallow's "Unknown field." says which column is out of place."""
    problems = []
    for path, message in flatten_errors(errors):
        if message.en == "Missing data for required field.":
            message = REQUIRED
        elif message.en == "Unknown field.":
            if path.split(".")[0] in COLUMN_BY_KEY:
                message = NOT_FOR_TYPE.format(type=ROW_TYPE_LABELS[row_type], type_en=row_type.capitalize())
            else:
                message = UNKNOWN_COLUMN
        problems.append((path, message))
    return problems


def _apply_organization(data: dict[str, Any], is_demo: bool, actor: Any) -> tuple[bool, int]:
    verified = data.pop("verified")
    data.pop("type")
    org = db.session.scalar(select(Organization).where(Organization.ref == data["ref"]))
    if org is None:
        org = organizations.create_organization(data, OPERATOR, verified=verified, is_demo=is_demo)
        return True, org.id
    organizations.update_organization(org, data, OPERATOR)
    organizations.verify_organization(org, OPERATOR, verified)
    return False, org.id


def _apply_posting(data: dict[str, Any], is_demo: bool, actor: Any) -> tuple[bool, int]:
    data.pop("type")
    org_ref, status = data.pop("org"), data.pop("status")
    org = db.session.scalar(select(Organization).where(Organization.ref == org_ref))
    if org is None:
        raise InvalidInput({"org": [UNKNOWN_ORG.format(ref=org_ref)]})
    posting = db.session.scalar(select(Posting).where(Posting.ref == data["ref"]))
    created = posting is None
    if created:
        # Created as published directly, so a past valid_until (an expired posting) is kept.
        posting = postings.create_posting(
            org, {**data, "status": "published" if status == "published" else "draft"}, OPERATOR
        )
        posting.is_demo = is_demo or org.is_demo
    elif posting.organization_id != org.id:
        raise InvalidInput({"ref": [OTHER_ORG.format(ref=data["ref"])]})
    else:
        postings.update_posting(posting, data, OPERATOR)
    postings.set_posting_status(posting, status, OPERATOR)
    return created, posting.id


def _apply_project(data: dict[str, Any], is_demo: bool, actor: Any) -> tuple[bool, int]:
    """Create or update a project by ref through the projects service; its partners are vouched for."""
    data.pop("type")
    status = data.pop("status")
    project = db.session.scalar(select(Project).where(Project.ref == data["ref"]))
    created = project is None
    if created:
        project = projects.create_project(data, actor, vouched=True)
    else:
        if _same_partners(project, data["partners"]):
            del data["partners"]  # unchanged: no edit step in the history
        projects.update_project(project, data, actor, vouched=True)
    projects.set_status_of_record(project, status, actor)
    return created, project.id


def _same_partners(project: Project, wanted: list[dict[str, Any]]) -> bool:
    current = [(p.organization_id, p.organization.ref, p.role) for p in project.partners]
    if len(current) != len(wanted):
        return False
    return all(
        (entry.get("organization_id") == org_id or entry.get("organization_ref") == ref)
        and (entry.get("role") or "partner") == role
        for (org_id, ref, role), entry in zip(current, wanted, strict=True)
    )


# --- exporting -------------------------------------------------------------------------


def _org_ref(org: Organization) -> str:
    return org.ref or f"ORG-{org.id}"


def export_rows() -> Iterator[dict[str, Any]]:
    """All organizations, then all postings, then all projects, as import rows (in id order)."""
    for org in db.session.scalars(select(Organization).order_by(Organization.id)):
        yield _drop_empty(
            {
                "type": "organization",
                "ref": _org_ref(org),
                "name": org.name,
                "kind": org.kind,
                "subtype": org.subtype,
                "region": org.region_code,
                "sectors": org.sectors,
                "description": org.description,
                "verified": org.verified,
                "website": org.website,
                "contact_name": org.contact_name,
                "contact_phone": org.contact_phone,
                "contact_email": org.contact_email,
            }
        )
    for posting in db.session.scalars(select(Posting).order_by(Posting.id)):
        yield _drop_empty(
            {
                "type": "posting",
                "ref": posting.ref or f"POSTING-{posting.id}",
                "org": _org_ref(posting.organization),
                "direction": posting.direction,
                "category": posting.category,
                "title": posting.title,
                "description": posting.description,
                "sectors": posting.sectors,
                "region": posting.region_code,
                "quantity": posting.quantity,
                "starts_on": _iso(posting.starts_on),
                "ends_on": _iso(posting.ends_on),
                "valid_until": _iso(posting.valid_until),
                "status": posting.status,
                "tags": posting.tags,
            }
        )
    for project in db.session.scalars(select(Project).order_by(Project.id)):
        yield _drop_empty(
            {
                "type": "project",
                "ref": project.ref or f"PROJECT-{project.id}",
                "partners": [
                    {"organization_ref": _org_ref(partner.organization), "role": partner.role}
                    for partner in project.partners
                ],
                "type_code": project.type_code,
                "title": project.title,
                "description": project.description,
                "sectors": project.sectors,
                "region": project.region_code,
                "starts_on": _iso(project.starts_on),
                "ends_on": _iso(project.ends_on),
                "status": project.status,
                "students_trained": project.students_trained,
                "apprentices": project.apprentices,
                "teachers_placed": project.teachers_placed,
                "mentors": project.mentors,
                "school_investment": f"{project.school_investment:.2f}",
                "enterprise_investment": f"{project.enterprise_investment:.2f}",
                "outcomes": project.outcomes,
                "documents": [{"title": d["title"], "url": d["url"]} for d in project.documents or []],
                "majors": list(project.majors or []),
                "occupations": list(project.occupations or []),
            }
        )


def export_file(path: Path) -> int:
    """Write every organization, posting and project to `path` (format from the extension); return the row count."""
    fmt = file_format(path)
    rows = list(export_rows())
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        path.write_bytes(_csv_bytes(list(COLUMNS), rows))
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("matchmaker")
        sheet.append(list(COLUMNS))
        for row in rows:
            flat = _flat(row)
            sheet.append(xlsx_row(sheet, [flat.get(column) for column in COLUMNS]))
        workbook.save(path)
    return len(rows)


def _csv_bytes(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        flat = _flat(row)
        writer.writerow([csv_cell(flat.get(column, "")) for column in COLUMNS])
    return out.getvalue().encode("utf-8-sig")  # BOM: Excel opens it as UTF-8


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row's cells for CSV and Excel: lists joined, partners as REF:role, documents as title|url lines."""
    flat = {}
    for key, value in row.items():
        if key == "partners" and value is not None:
            value = ";".join(f"{p['organization_ref']}:{p['role']}" for p in value)
        elif key == "documents" and value is not None:
            value = "\n".join(f"{d['title']}|{d['url']}" for d in value)
        elif key in LIST_COLUMNS and value is not None:
            value = ";".join(value)
        flat[key] = value
    return flat


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _drop_empty(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value not in (None, "", [])}


# --- the import template -----------------------------------------------------------------

TEMPLATE_NAME = "批量导入模板"
TEMPLATE_ROWS = (
    {
        "type": "机构",
        "ref": "示例-ENT-1",
        "name": "贵州某某茶业有限公司",
        "kind": "企业",
        "subtype": "中小微企业",
        "region": "湄潭县",
        "sectors": ["茶叶", "生态特色食品"],
        "description": "绿茶种植、加工与销售。",
        "contact_name": "张经理",
        "contact_phone": "0851-12345678",
    },
    {
        "type": "机构",
        "ref": "示例-SCH-1",
        "name": "某某职业技术学院",
        "kind": "院校",
        "subtype": "高职院校",
        "region": "遵义市",
        "sectors": ["茶叶"],
    },
    {
        "type": "发布",
        "ref": "示例-P-1",
        "org": "示例-ENT-1",
        "direction": "需求",
        "category": "学徒制",
        "title": "茶叶加工现代学徒制合作",
        "description": "招收学徒 10 名，学习绿茶加工工艺。",
        "sectors": ["茶叶"],
        "quantity": 10,
        "status": "已发布",
    },
    {
        "type": "合作项目",
        "ref": "示例-PRJ-1",
        "partners": [
            {"organization_ref": "示例-SCH-1", "role": "牵头单位"},
            {"organization_ref": "示例-ENT-1", "role": "合作单位"},
        ],
        "type_code": "现代学徒制班",
        "title": "茶叶加工现代学徒制班",
        "description": "校企共同招生，企业师傅带徒，学习绿茶加工。",
        "sectors": ["茶叶"],
        "region": "湄潭县",
        "starts_on": "2024-09-01",
        "status": "实施中",
        "students_trained": 40,
        "apprentices": 20,
        "teachers_placed": 3,
        "mentors": 5,
        "school_investment": "120000.00",
        "enterprise_investment": "300000.50",
        "outcomes": "首届学徒 20 人全部取得茶叶加工工职业技能等级证书。",
        "documents": [{"title": "合作协议", "url": "https://example.org/agreement.pdf"}],
        "majors": ["茶叶生产与加工技术"],
        "occupations": ["6-02-06-10"],
    },
)


def template_bytes(fmt: str) -> bytes:
    """The import template: the header with example rows (an enterprise and a school, a posting, a project).

    Coded cells give their Chinese names, as users write them; .xlsx adds a sheet explaining each column.
    The header gives each column as its Chinese label with its key (`产业（sectors）`), which the
    importer reads like the bare key. The example rows' refs start with 示例 and are refused on
    import, so a template uploaded unchanged writes nothing.
    """
    header = [header_cell(key) for key in COLUMNS]
    rows = list(TEMPLATE_ROWS)
    if fmt == "csv":
        return _csv_bytes(header, rows)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "导入数据"
    sheet.append(header)
    for row in rows:
        flat = _flat(row)
        sheet.append([flat.get(column) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, key in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(header_cell(key)) * 2)
    sheet.freeze_panes = "C2"

    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "中文名称", "用于", "是否必填", "格式与说明", "可选值"])
    used = {row_type: used_columns(row_type) for row_type in ROW_TYPES}
    for column in COLUMN_INFO:
        types = [t for t in ROW_TYPES if column.key in used[t]]
        required = "；".join(f"{ROW_TYPE_LABELS[t]}：{'必填' if used[t][column.key] else '选填'}" for t in types)
        values = "、".join(f"{name}（{code}）" if code.isascii() else name for code, name in allowed_values(column.key))
        guide.append(
            [
                column.key,
                column.label,
                "、".join(ROW_TYPE_LABELS[t] for t in types),
                required,
                column.format,
                values,
            ]
        )
    guide.append([])
    for note in TEMPLATE_NOTES:
        guide.append([note])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (20, 18, 18, 30, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TEMPLATE_NOTES = (
    "说明：",
    "1. 「导入数据」工作表的第一行是表头，请勿修改列名；每行一条记录，类型为机构、发布或合作项目。",
    "2. 编号（ref）由您自定：再次导入相同编号时更新该记录，不会重复新建。"
    "发布用「所属机构编号」、合作项目用「合作单位」引用机构的编号。",
    "3. 示例行的编号以「示例」开头，不会被导入：请删除示例行，或改成您自己的编号和内容。",
    "4. 不适用于某类型的列请留空；选填的列可以留空。",
    "5. 上传后先预检，列出有误的行和原因；确认后才写入。只要有一行有误，默认不写入任何数据。",
    "6. 保存为 CSV 时请选择“CSV UTF-8（逗号分隔）”；也可直接上传本 Excel 文件。",
)


# --- uploaded files and the import job ---------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
NO_FILE = Message("请选择要导入的文件。", "Choose a file to import.")
TOO_LARGE = Message(
    "文件超过 10 MB，请拆分后分批导入。", "The file is larger than 10 MB; split it and import the parts."
)
NO_UPLOAD = Message("找不到上传的文件，请重新上传。", "The uploaded file is gone; upload it again.")


def uploads_dir() -> Path:
    """HOME/uploads: import files between their upload and their import (shared storage when several hosts serve)."""
    folder = Path(current_app.config["MATCHMAKER_HOME"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(content: BinaryIO, filename: str) -> tuple[str, Path]:
    """Keep an uploaded import file under a random id with its own suffix; InvalidInput on `file` if unusable."""
    if not filename:
        raise InvalidInput({"file": [NO_FILE]})
    suffix = Path(filename).suffix.lower()
    try:
        file_format(Path(f"upload{suffix}"))
    except MatchmakerError as error:
        raise InvalidInput({"file": [error.message]}) from None
    upload_id = secrets.token_hex(16)
    path = uploads_dir() / f"{upload_id}{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(content, out)
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        path.unlink()
        raise InvalidInput({"file": [TOO_LARGE]})
    return upload_id, path


def stored_upload(upload_id: str) -> Path:
    """The file saved by `save_upload` under this id."""
    if UPLOAD_ID.fullmatch(upload_id):
        for suffix in FORMATS:
            path = uploads_dir() / f"{upload_id}{suffix}"
            if path.is_file():
                return path
    raise InvalidInput({"file": [NO_UPLOAD]})


def read_upload(
    path: Path, filename: str = "", *, header: Header = Header()
) -> list[tuple[int, dict[str, Any] | Message]]:
    """The rows of an uploaded file; InvalidInput on `file`, naming it as uploaded, when it cannot be read."""
    try:
        return read_rows(path, Path(filename).name or None, header=header)
    except MatchmakerError as exc:
        raise InvalidInput({"file": [exc.message]}) from None


def import_later(upload_id: str, filename: str, *, skip_invalid: bool, actor: Any) -> Job:
    """Queue the import of an uploaded file (checked first by a dry run); the worker imports it."""
    rows = read_upload(stored_upload(upload_id), filename, header=IMPORT_HEADER)
    return enqueue(
        "import_file",
        {"upload": upload_id, "filename": filename, "skip_invalid": skip_invalid},
        created_by=actor,
        total=len(rows),
    )


@handler("import_file", batch_size=1)
def _import_job(job: Job, shared: Any) -> None:
    try:
        rows = read_upload(stored_upload(job.payload["upload"]), job.payload.get("filename", ""), header=IMPORT_HEADER)
    except InvalidInput as exc:  # the file is gone or unreadable: no use retrying
        _, message = next(flatten_errors(exc.fields))
        job.result = {"error": {"zh": message.zh, "en": message.en}}
        return
    # Projects are imported by the coordinator who uploaded the file (they vouch for its partners).
    uploader = db.session.get(User, job.created_by_id) if job.created_by_id else None
    report = import_rows(rows, skip_invalid=job.payload.get("skip_invalid", False), actor=uploader)
    job.progress = report.rows
    job.result = {"report": report.to_dict()}


def import_job_report(job: Job) -> ImportReport | None:
    """What a finished import job wrote (None while it runs, or when its file could not be read)."""
    if job.result and "report" in job.result:
        return ImportReport.from_dict(job.result["report"])
    return None


def find_import_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != "import_file":
        raise NotFound(Message("导入任务不存在：{id}", "No such import job: {id}").format(id=job_id))
    return job
