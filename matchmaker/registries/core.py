"""One mechanism for every registry: a `Registry` describes a registry declaratively (model,
schemas, filters, count dimensions, columns, form fields, labels), and the functions here list,
filter, count, export, import, create, change and delete the rows of any registry by it.

Who may write: coordinators, and — for registries with `members_write` — members of an
organization the row concerns (`parties`: the school or the enterprise of a mentor post or
placement). Who may read: coordinators everything; members the rows that concern their
organization; anonymous users nothing (the public pilot-enterprise directory is separate).
Operations flush and never commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, false, select

from matchmaker.errors import InvalidInput, MatchmakerError, Message, NotFound, PermissionDenied, flatten_errors
from matchmaker.extensions import db
from matchmaker.models import Organization
from matchmaker.taxonomy import get_taxonomy
from matchmaker.transfer import LIST_SEPARATORS, ROW, RowError, read_upload, save_upload

LOGIN_NEEDED = Message("台账仅对登录用户开放。", "Registries are open to logged-in users only.")
NOT_YOURS = Message(
    "只有协调员或所涉院校、企业的成员可以登记或修改这条记录。",
    "Only coordinators or members of the school or enterprise concerned may record or change this entry.",
)
COORDINATORS_ONLY = Message("只有协调员可以登记或修改这类记录。", "Only coordinators record or change these entries.")
UNKNOWN_ORG = Message("找不到机构「{key}」。", "No organization {key!r}.")
AMBIGUOUS_ORG = Message(
    "有多个机构名为「{key}」，请改用机构编号（id）或 ref。",
    "Several organizations are named {key!r}: use the id or ref.",
)
WRONG_KIND = Message("「{name}」不是{kind}。", "{name!r} is not a {kind_en}.")
KIND_NAMES = {"school": ("院校", "school"), "enterprise": ("企业", "enterprise")}


@dataclass(frozen=True)
class Column:
    """A column of the list page and the export; `key` is the import column (the input field) when importable."""

    key: str
    label: str
    value: Callable[[Any], Any]
    importable: bool = True
    parse: Callable[[Any], Any] | None = None  # a file cell → the input's JSON (lists, member lists)


@dataclass(frozen=True)
class Dimension:
    """A count dimension: the (key, label) buckets a row counts in (none, one or several)."""

    key: str
    label: str
    buckets: Callable[[Any], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class FormField:
    """An input of the registry's page form.

    `widget`: text, textarea, date, number, school, enterprise, organization, alliance,
    choice (from `choices`), sectors, region, or members (one "organization：role" a line).
    """

    name: str
    label: str
    widget: str = "text"
    required: bool = False
    hint: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    name: str  # URL segment, e.g. "mentors"
    label: str  # 产业导师
    summary: str  # one sentence, Chinese, shown on the list page
    model: type
    in_schema: type[Schema]
    out_schema: type[Schema]
    args_schema: type[Schema]
    columns: tuple[Column, ...]
    dimensions: tuple[Dimension, ...]
    form: tuple[FormField, ...]
    # filter argument → function of its value giving a SQL condition (school, enterprise, sector, region …)
    filters: Mapping[str, Callable[[Any], Any]]
    concerns: Callable[[int], Any]  # SQL condition: rows concerning an organization (what its members see)
    apply: Callable[[Any, dict[str, Any]], None]  # validated input → the row's fields; InvalidInput by field
    parties: Callable[[Any], set[int]]  # the organizations a row concerns
    order_by: Callable[[], tuple[Any, ...]]
    members_write: bool = False

    @property
    def title(self) -> str:
        """The model's name, for OpenAPI operation ids and schema names."""
        return self.model.__name__

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


# --- reading ---------------------------------------------------------------------------------


def visible_rows(registry: Registry, viewer: Any) -> Select:
    """The registry's rows a viewer may read: all for coordinators, their organization's for members."""
    if viewer is None:
        raise PermissionDenied(LOGIN_NEEDED)
    stmt = select(registry.model)
    if viewer.is_coordinator:
        return stmt
    if viewer.organization_id is None:
        return stmt.where(false())
    return stmt.where(registry.concerns(viewer.organization_id))


def filtered_rows(registry: Registry, filters: Mapping[str, Any], viewer: Any) -> Select:
    """Visible rows matching every given filter (empty filters are ignored), in the registry's order."""
    stmt = visible_rows(registry, viewer)
    for name, condition in registry.filters.items():
        value = filters.get(name)
        if value not in (None, "", []):
            stmt = stmt.where(condition(value))
    return stmt.order_by(*registry.order_by())


def list_rows(registry: Registry, filters: Mapping[str, Any], viewer: Any) -> Pagination:
    """One page of the filtered rows."""
    return db.paginate(
        filtered_rows(registry, filters, viewer),
        page=filters.get("page", 1),
        per_page=filters.get("page_size", 20),
        error_out=False,
    )


def all_rows(registry: Registry, filters: Mapping[str, Any], viewer: Any) -> list[Any]:
    """Every filtered row (for counts and exports; registries hold thousands of rows at most)."""
    return list(db.session.scalars(filtered_rows(registry, filters, viewer)).unique())


def get_row(registry: Registry, row_id: int, viewer: Any) -> Any:
    """A row the viewer may read, or NotFound."""
    row = db.session.scalar(visible_rows(registry, viewer).where(registry.model.id == row_id))
    if row is None:
        raise NotFound(
            Message("{label}记录不存在：{id}", "No such {name} entry: {id}").format(
                label=registry.label, name=registry.name, id=row_id
            )
        )
    return row


def count_rows(registry: Registry, rows: Iterable[Any]) -> dict[str, Any]:
    """`{"total": n, "by_<dimension>": [{key, label, count}, …]}`, largest first; a row may count in several buckets."""
    rows = list(rows)
    result: dict[str, Any] = {"total": len(rows)}
    for dimension in registry.dimensions:
        counter: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for row in rows:
            buckets = dict(dimension.buckets(row))
            labels.update(buckets)
            counter.update(buckets.keys())
        result[f"by_{dimension.key}"] = [
            {"key": key, "label": labels[key], "count": n}
            for key, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        ]
    return result


# --- writing ---------------------------------------------------------------------------------


def require_writer(registry: Registry, row: Any, actor: Any) -> None:
    """Raise unless the actor may record or change this row (as it is now)."""
    if actor is None:
        raise PermissionDenied(LOGIN_NEEDED)
    if actor.is_coordinator:
        return
    if not registry.members_write:
        raise PermissionDenied(COORDINATORS_ONLY)
    if actor.organization_id is None or actor.organization_id not in registry.parties(row):
        raise PermissionDenied(NOT_YOURS)


def may_write(registry: Registry, actor: Any) -> bool:
    """Whether the actor may record rows of this registry at all (to offer the form)."""
    if actor is None:
        return False
    return actor.is_coordinator or (registry.members_write and actor.organization_id is not None)


def create_row(registry: Registry, data: dict[str, Any], actor: Any) -> Any:
    """Record a row from validated input."""
    if actor is None:
        raise PermissionDenied(LOGIN_NEEDED)
    if not may_write(registry, actor):
        raise PermissionDenied(NOT_YOURS if registry.members_write else COORDINATORS_ONLY)
    row = registry.model(created_by_id=getattr(actor, "id", None))
    registry.apply(row, data)
    require_writer(registry, row, actor)
    db.session.add(row)
    db.session.flush()
    return row


def update_row(registry: Registry, row: Any, data: dict[str, Any], actor: Any) -> Any:
    """Change the given fields of a row; the actor must be allowed on the row before and after."""
    require_writer(registry, row, actor)
    with db.session.no_autoflush:
        registry.apply(row, data)
    require_writer(registry, row, actor)
    db.session.flush()
    return row


def delete_row(registry: Registry, row: Any, actor: Any) -> None:
    require_writer(registry, row, actor)
    db.session.delete(row)
    db.session.flush()


def merged(row: Any, data: Mapping[str, Any], name: str, attribute: str | None = None) -> Any:
    """The value a field will have: the input's when given, else the row's."""
    return data[name] if name in data else getattr(row, attribute or name, None)


def resolve_organization(key: int | str, field_name: str, kind: str | None = None) -> Organization:
    """The organization an input names by id, ref or exact name; InvalidInput on `field_name` otherwise."""
    org = None
    if isinstance(key, int):
        org = db.session.get(Organization, key)
    if org is None:
        org = db.session.scalar(select(Organization).where(Organization.ref == str(key)))
    if org is None:
        named = list(db.session.scalars(select(Organization).where(Organization.name == str(key)).limit(2)))
        if len(named) > 1:
            raise InvalidInput({field_name: [AMBIGUOUS_ORG.format(key=key)]})
        org = named[0] if named else None
    if org is None:
        raise InvalidInput({field_name: [UNKNOWN_ORG.format(key=key)]})
    if kind is not None and org.kind != kind:
        zh, en = KIND_NAMES[kind]
        raise InvalidInput({field_name: [WRONG_KIND.format(name=org.name, kind=zh, kind_en=en)]})
    return org


# --- export ------------------------------------------------------------------------------------


def export_workbook(registry: Registry, rows: Iterable[Any]) -> bytes:
    """The rows as an Excel workbook: a header of Chinese labels, then one row each (it imports back)."""
    from matchmaker import exports

    columns = [exports.Column(column.label, column.value) for column in registry.columns]
    return exports.to_xlsx([exports.Sheet(registry.label, columns, list(rows))])


# --- import --------------------------------------------------------------------------------------


@dataclass
class RegistryImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "written": self.written,
            "errors": [
                {
                    "line": error.line,
                    "problems": [
                        {"field": "" if path == ROW else path, "message": m.en, "message_zh": m.zh}
                        for path, m in error.problems
                    ],
                }
                for error in self.errors
            ],
        }


def import_rows(
    registry: Registry,
    rows: Iterable[tuple[int, dict[str, Any] | Message]],
    actor: Any,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> RegistryImportReport:
    """Record one row per input row (from `transfer.read_rows`): all of them, or none.

    Columns are named by the input field (`school`) or by the export's label (学校). Each row is
    validated by the registry's input schema and recorded in its own savepoint, so every bad row
    is reported with its line and fields; with any bad row nothing is written unless
    `skip_invalid`. `dry_run` checks everything and writes nothing. The caller commits.
    """
    report = RegistryImportReport()
    outer = db.session.begin_nested()
    for line, raw in rows:
        report.rows += 1
        problems = _import_row(registry, raw, actor)
        if problems:
            report.errors.append(RowError(line, None, problems))
        else:
            report.created += 1
    if dry_run or (report.errors and not skip_invalid):
        outer.rollback()
    else:
        outer.commit()
        report.written = True
    return report


def _import_row(registry: Registry, raw: dict[str, Any] | Message, actor: Any) -> list[tuple[str, Message]]:
    if isinstance(raw, Message):
        return [(ROW, raw)]
    try:
        data = registry.in_schema().load(row_input(registry, raw))
    except ValidationError as exc:
        return list(flatten_errors(exc.messages))
    try:
        with db.session.begin_nested():
            create_row(registry, data, actor)
    except InvalidInput as exc:
        return list(flatten_errors(exc.fields))
    except MatchmakerError as exc:
        return [(ROW, exc.message)]
    return []


def read_uploaded(stream: Any, filename: str) -> list[tuple[int, dict[str, Any] | Message]]:
    """The rows of an uploaded CSV or Excel file (kept on disk only while it is read); InvalidInput on `file`."""
    _, path = save_upload(stream, filename)
    try:
        return read_upload(path)
    finally:
        path.unlink(missing_ok=True)


def row_input(registry: Registry, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A file row as the input schema's JSON: labels turned into field names, list cells split.

    Columns the schema does not know (the export's id, derived columns) are left out.
    """
    by_label = {column.label: column.key for column in registry.columns}
    known = set(registry.in_schema().fields)
    data: dict[str, Any] = {}
    for header, value in raw.items():
        key = by_label.get(str(header).strip(), str(header).strip())
        column = registry.column(key)
        if key not in known or (column is not None and not column.importable):
            continue
        data[key] = column.parse(value) if column is not None and column.parse and isinstance(value, str) else value
    return data


def split_list(cell: str) -> list[str]:
    """A list cell ("茶叶；食用菌") as its items."""
    return [part.strip() for part in LIST_SEPARATORS.split(cell) if part.strip()]


def region_prefecture(code: str | None) -> str:
    """The prefecture a region is in (the province for itself), for counts by region."""
    taxonomy = get_taxonomy()
    region = taxonomy.regions.get(code or "")
    if region is None:
        return ""
    return region.prefecture or region.code


def region_name(code: str) -> str:
    return get_taxonomy().region_label(code) or code or "（未填）"


def sector_name(code: str) -> str:
    sector = get_taxonomy().sectors.get(code)
    return sector.name if sector else code
