"""Bulk import and export of organizations and postings (JSON Lines, CSV, Excel).

Every row names its own `ref`; postings name their organization's ref in `org`.
Importing the same ref again updates the row. All rows are tried inside one transaction,
each in its own savepoint, so every bad row is reported with its line and reasons; with
any bad row nothing is written unless `skip_invalid` is set. A coordinator's upload is
checked by a dry run on the page, then imported by the worker (`import_later`).
"""

from __future__ import annotations

import csv
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

from matchmaker import organizations, postings
from matchmaker.accounts import OPERATOR
from matchmaker.errors import InvalidInput, MatchmakerError, Message, NotFound, flatten_errors
from matchmaker.extensions import db
from matchmaker.jobs import enqueue, handler
from matchmaker.models import Job, Organization, Posting
from matchmaker.schemas.imports import COLUMNS, INTEGER_COLUMNS, LIST_COLUMNS, ROW_SCHEMAS, ROW_TYPES
from matchmaker.spreadsheets import csv_cell, from_csv_cell, xlsx_row

ROW = "_row"  # problem path for errors about the whole row
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}
LIST_SEPARATORS = re.compile(r"[;；,，、|]")
UNKNOWN_TYPE = Message("type 须为 organization 或 posting。", "type must be organization or posting.")
DUPLICATE_REF = Message("编号「{ref}」在第 {line} 行已出现过。", "Ref {ref!r} already appears on line {line}.")
UNKNOWN_ORG = Message(
    "机构编号「{ref}」既不在文件中也不在数据库中。",
    "Organization ref {ref!r} is neither in the file nor in the database.",
)
OTHER_ORG = Message("编号「{ref}」属于另一机构的发布。", "Ref {ref!r} belongs to a posting of another organization.")
UNREADABLE = Message(
    "无法读取文件 {name}：请使用 UTF-8 编码的 CSV、Excel（.xlsx）或 JSON Lines 文件（{error}）。",
    "Cannot read {name}: use a UTF-8 CSV, an Excel (.xlsx) or a JSON Lines file ({error}).",
)
BAD_JSON = Message("不是有效的 JSON 对象：{error}", "Not a valid JSON object: {error}")


class UnsupportedFormat(MatchmakerError):
    code = "unsupported_format"


class UnreadableFile(MatchmakerError):
    code = "unreadable_file"


@dataclass
class RowError:
    line: int
    ref: str | None
    problems: list[tuple[str, Message]]

    def describe(self, language: str = "en") -> str:
        reasons = "; ".join(
            (f"{path}: " if path != ROW else "") + getattr(message, language) for path, message in self.problems
        )
        return f"line {self.line}" + (f" ({self.ref})" if self.ref else "") + f": {reasons}"


@dataclass
class ImportReport:
    rows: int = 0
    created: dict[str, int] = field(default_factory=lambda: {t: 0 for t in ROW_TYPES})
    updated: dict[str, int] = field(default_factory=lambda: {t: 0 for t in ROW_TYPES})
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
            RowError(e["line"], e["ref"], [(path, Message(zh, en)) for path, zh, en in e["problems"]])
            for e in data["errors"]
        ]
        return cls(**{**data, "errors": errors})


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


def read_rows(path: Path) -> list[tuple[int, dict[str, Any] | Message]]:
    """(line number, row) pairs; a row that cannot be parsed is given as its error message.

    A file that cannot be read at all (wrong encoding, not really Excel) raises UnreadableFile.
    """
    fmt = file_format(path)
    try:
        if fmt == "jsonl":
            return list(_read_jsonl(path))
        raw = _read_csv(path) if fmt == "csv" else _read_xlsx(path)
        return [(line, _typed(cells)) for line, cells in raw]
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(UNREADABLE.format(name=path.name, error=str(exc)[:200])) from None


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | Message]]:
    with path.open(encoding="utf-8-sig") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_no, BAD_JSON.format(error=exc.msg)
                continue
            yield line_no, row if isinstance(row, dict) else BAD_JSON.format(error=type(row).__name__)


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for cells in reader:
            yield reader.line_num, {key: from_csv_cell(value) if value else value for key, value in cells.items()}


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for line_no, values in enumerate(rows, start=2):
            yield line_no, dict(zip(header, values, strict=False))
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
            value = [part.strip() for part in LIST_SEPARATORS.split(str(value)) if part.strip()]
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
) -> ImportReport:
    """Import a file; see `import_rows`."""
    return import_rows(read_rows(path), skip_invalid=skip_invalid, is_demo=is_demo, dry_run=dry_run, progress=progress)


def import_rows(
    rows: Iterable[tuple[int, dict[str, Any] | Message]],
    *,
    skip_invalid: bool = False,
    is_demo: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update organizations and postings by ref, as the operator: all rows, or none.

    With a bad row nothing is written unless `skip_invalid`; `dry_run` checks every row exactly
    as an import would, reports what would be created and updated, and writes nothing. The
    rows are flushed; the caller commits.
    """
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    savepoint = db.session.begin_nested()
    for line, raw in rows:
        report.rows += 1
        problems, ref = _import_row(line, raw, seen, report, is_demo)
        if problems:
            report.errors.append(RowError(line, ref, problems))
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
    line: int, raw: dict[str, Any] | Message, seen: dict[tuple[str, str], int], report: ImportReport, is_demo: bool
) -> tuple[list[tuple[str, Message]], str | None]:
    if isinstance(raw, Message):
        return [(ROW, raw)], None
    ref = str(raw.get("ref")) if raw.get("ref") is not None else None
    row_type = raw.get("type")
    if row_type not in ROW_TYPES:
        return [("type", UNKNOWN_TYPE)], ref
    try:
        data = ROW_SCHEMAS[row_type]().load(raw)
    except ValidationError as exc:
        return list(flatten_errors(exc.messages)), ref
    key = (row_type, data["ref"])
    if key in seen:
        return [("ref", DUPLICATE_REF.format(ref=data["ref"], line=seen[key]))], ref
    seen[key] = line
    try:
        with db.session.begin_nested():
            created, row_id = (_apply_organization if row_type == "organization" else _apply_posting)(data, is_demo)
    except InvalidInput as exc:
        return list(flatten_errors(exc.fields)), ref
    except MatchmakerError as exc:
        return [(ROW, exc.message)], ref
    (report.created if created else report.updated)[row_type] += 1
    if row_type == "posting":
        report.posting_ids.append(row_id)
    return [], ref


def _apply_organization(data: dict[str, Any], is_demo: bool) -> tuple[bool, int]:
    verified = data.pop("verified")
    data.pop("type")
    org = db.session.scalar(select(Organization).where(Organization.ref == data["ref"]))
    if org is None:
        org = organizations.create_organization(data, OPERATOR, verified=verified, is_demo=is_demo)
        return True, org.id
    organizations.update_organization(org, data, OPERATOR)
    organizations.verify_organization(org, OPERATOR, verified)
    return False, org.id


def _apply_posting(data: dict[str, Any], is_demo: bool) -> tuple[bool, int]:
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


# --- exporting -------------------------------------------------------------------------


def export_rows() -> Iterator[dict[str, Any]]:
    """All organizations, then all postings, as import rows (in id order)."""
    for org in db.session.scalars(select(Organization).order_by(Organization.id)):
        yield _drop_empty(
            {
                "type": "organization",
                "ref": org.ref or f"ORG-{org.id}",
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
        org = posting.organization
        yield _drop_empty(
            {
                "type": "posting",
                "ref": posting.ref or f"POSTING-{posting.id}",
                "org": org.ref or f"ORG-{org.id}",
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


def export_file(path: Path) -> int:
    """Write every organization and posting to `path` (format from the extension); return the row count."""
    fmt = file_format(path)
    rows = list(export_rows())
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({key: csv_cell(value) for key, value in _flat(row).items()} for row in rows)
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


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {key: ";".join(value) if key in LIST_COLUMNS and value is not None else value for key, value in row.items()}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _drop_empty(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value not in (None, "", [])}


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


def read_upload(path: Path) -> list[tuple[int, dict[str, Any] | Message]]:
    """The rows of an uploaded file; InvalidInput on `file` when it cannot be read."""
    try:
        return read_rows(path)
    except MatchmakerError as exc:
        raise InvalidInput({"file": [exc.message]}) from None


def import_later(upload_id: str, filename: str, *, skip_invalid: bool, actor: Any) -> Job:
    """Queue the import of an uploaded file (checked first by a dry run); the worker imports it."""
    rows = read_upload(stored_upload(upload_id))
    return enqueue(
        "import_file",
        {"upload": upload_id, "filename": filename, "skip_invalid": skip_invalid},
        created_by=actor,
        total=len(rows),
    )


@handler("import_file", batch_size=1)
def _import_job(job: Job, shared: Any) -> None:
    try:
        rows = read_upload(stored_upload(job.payload["upload"]))
    except InvalidInput as exc:  # the file is gone or unreadable: no use retrying
        _, message = next(flatten_errors(exc.fields))
        job.result = {"error": {"zh": message.zh, "en": message.en}}
        return
    report = import_rows(rows, skip_invalid=job.payload.get("skip_invalid", False))
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
