"""Rows of bulk import files (JSON Lines, CSV, Excel): one organization, posting or cooperation project each.

Each row type loads through the API's own input schema with the few fields a file adds (`type`,
`ref`, a posting's `org`, a project's `status`). The columns are described once here, in `COLUMN_INFO`:
their Chinese labels name fields in import reports, head the template's columns and are accepted as
column headers; which row types use a column, whether it is required and its allowed values are read
from the row schemas themselves, so the template's explanation cannot drift from what an import checks.

Cells of CSV and Excel files that hold several values:

- lists (产业 sectors, 标签 tags, 职业 occupations, 合作单位 partners): separated by ; ； , ， 、 or |
  (专业 majors by ; ； , ， | only: some major names contain 、);
- 合作单位 partners: organization refs, each with its role after a colon, e.g.
  ``DEMO-SCH-0001:lead;DEMO-ENT-0003:partner`` (role code or name: lead 牵头单位, partner 合作单位; no role
  means partner); JSON Lines rows may give the API's form, ``[{"organization_ref": …, "role": …}]``;
- 相关文件 documents: ``title|url`` pairs, one per line or separated by ; (a ; inside a URL stays in it),
  e.g. ``合作协议|https://example.org/a.pdf;结题报告|https://example.org/b.pdf``; JSON Lines rows may give
  ``[{"title": …, "url": …}]``.

Coded cells (type, kind, direction, status, cooperation type, role) take the code or its Chinese name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, pre_load

from matchmaker.schemas.fields import Choice, SectorList, Text
from matchmaker.schemas.organizations import OrganizationInSchema
from matchmaker.schemas.postings import PostingInSchema
from matchmaker.schemas.projects import PartnerInSchema, ProjectInSchema
from matchmaker.taxonomy import STATUSES, get_taxonomy, normalize_term
from matchmaker.transitions import POSTING_STATUS, PROJECT_STATUS

ROW_TYPES = ("organization", "posting", "project")
ROW_TYPE_LABELS = {"organization": "机构", "posting": "发布", "project": "合作项目"}
TRUTHY = {True, "1", "true", "True", "TRUE", "yes", "是", "y"}
FALSY = {False, "0", "false", "False", "FALSE", "no", "否", "n"}

LIST_SEPARATORS = re.compile(r"[;；,，、|]")
MAJOR_SEPARATORS = re.compile(r"[;；,，|\n]")  # not 、: 政治学、经济学与哲学 is one major
# A document entry ends at a line break, or at a ; that is followed by the next entry's `title|`.
DOCUMENT_SEPARATORS = re.compile(r"\n|[;；]\s*(?=[^;；|｜\n]*[|｜])")
ROLE_SEPARATOR = re.compile(r"[:：]")


def row_type_code(value: Any) -> Any:
    """The row type's code for a code or its Chinese name (机构, 发布, 合作项目); anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = normalize_term(value)
    names = {name: code for code, name in ROW_TYPE_LABELS.items()}
    return names.get(text, text.lower() if text.lower() in ROW_TYPES else value)


class RowSchema(Schema):
    """A file row: coded cells may give the code's Chinese name (企业 for enterprise, 订单班 for order_class)."""

    type = Choice(ROW_TYPES, labels=ROW_TYPE_LABELS, required=True)
    ref = Text(max_length=64, required=True)


class OrganizationRowSchema(RowSchema, OrganizationInSchema):
    verified = fields.Boolean(
        load_default=True,
        truthy=TRUTHY,
        falsy=FALSY,
        metadata={"description": "Operator imports count as verified unless false."},
    )


class PostingRowSchema(RowSchema, PostingInSchema):
    class Meta:
        exclude = ("organization_id", "organization_ref")

    org = Text(max_length=64, required=True, metadata={"description": "The organization's ref."})
    status = Choice(STATUSES, labels=POSTING_STATUS.labels, load_default="published")


def parse_partner(cell: str) -> dict[str, Any]:
    """'DEMO-SCH-0001:lead' → {"organization_ref": "DEMO-SCH-0001", "role": "lead"}; no role: partner.

    The last colon separates the role, so a ref may hold a colon of its own.
    """
    text = cell.strip()
    with_role = re.match(r"^(.*)[:：](.*)$", text, re.S)
    ref, role = (with_role.group(1).strip(), with_role.group(2).strip()) if with_role else (text, "")
    entry: dict[str, Any] = {"organization_ref": ref}
    if role:
        names = {t.name: code for code, t in get_taxonomy().partner_roles.items()}
        entry["role"] = names.get(normalize_term(role), role)
    return entry


def parse_documents(cell: str) -> list[dict[str, Any]]:
    """'合作协议|https://…;结题报告|https://…' → [{"title": …, "url": …}, …]."""
    return [parse_document(entry) for entry in DOCUMENT_SEPARATORS.split(cell) if entry.strip()]


def parse_document(entry: str) -> dict[str, Any]:
    """'合作协议|https://…' → {"title": …, "url": …}; a lone URL or title leaves the other missing."""
    text = entry.strip()
    pair = re.match(r"^(.*?)\s*[|｜]\s*(.*)$", text, re.S)
    if pair:
        return {"title": pair.group(1), "url": pair.group(2)}
    return {"url": text} if re.match(r"https?://", text, re.I) else {"title": text}


class ProjectRowSchema(RowSchema, ProjectInSchema):
    status = Choice(
        tuple(PROJECT_STATUS.labels),
        labels=dict(PROJECT_STATUS.labels),
        load_default="agreement",
        metadata={"description": "Set directly: recorded as one imported step in the project's history."},
    )
    partners = fields.List(fields.Nested(PartnerInSchema), required=True)

    @pre_load
    def _lists_from_cells(self, data: Any, **kwargs: Any) -> Any:
        """Partner and document cells in the API's form."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        partners = data.get("partners")
        if isinstance(partners, str):
            partners = [part for part in LIST_SEPARATORS.split(partners) if part.strip()]
        if isinstance(partners, list):
            data["partners"] = [parse_partner(p) if isinstance(p, str) else p for p in partners]
        documents = data.get("documents")
        if isinstance(documents, str):
            data["documents"] = parse_documents(documents)
        elif isinstance(documents, list):
            data["documents"] = [parse_document(d) if isinstance(d, str) else d for d in documents]
        return data


ROW_SCHEMAS = {"organization": OrganizationRowSchema, "posting": PostingRowSchema, "project": ProjectRowSchema}


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of CSV and Excel files (JSON Lines rows use the same keys)."""

    key: str
    label: str  # its Chinese name: in reports, template headers and explanations
    format: str  # how to fill it in, in Chinese
    values: Callable[[], list[tuple[str, str]]] | None = None  # (code, name) choices beyond the schema's own


def _sector_names() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in get_taxonomy().sectors.values()]


def _category_names() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in get_taxonomy().categories.values()]


def _subtype_names() -> list[tuple[str, str]]:
    return [(subtype, f"{kind.name}：{subtype}") for kind in get_taxonomy().kinds.values() for subtype in kind.subtypes]


def _role_names() -> list[tuple[str, str]]:
    return [(code, t.name) for code, t in get_taxonomy().partner_roles.items()]


COLUMN_INFO = (
    Column("type", "类型", "每行的类型：机构、发布或合作项目（填代码或中文名称均可）。"),
    Column("ref", "编号", "本行记录的编号，由您自定，不超过 64 个字符；再次导入相同编号时更新该记录，而不是新建。"),
    Column("org", "所属机构编号", "发布所属机构的编号（本文件中或系统里已有的机构）。"),
    Column(
        "partners",
        "合作单位",
        "合作单位的机构编号，每家后面用冒号写角色，多家用分号分隔，如 SCH-1:lead;ENT-1:partner。"
        "至少一所院校和一家企业，牵头单位最多一家；不写角色即为合作单位。导入即视为协调员已代为确认。",
        _role_names,
    ),
    Column("name", "机构名称", "机构的全称，2–100 个字符。"),
    Column("kind", "机构类别", "企业或院校（填代码或中文名称）。"),
    Column("subtype", "机构子类", "须属于所选的机构类别。", _subtype_names),
    Column("direction", "供需方向", "需求或供给（填代码或中文名称）。"),
    Column("category", "发布类别", "发布的类别，填代码或中文名称。", _category_names),
    Column("type_code", "合作类型", "合作项目的类型，填代码或中文名称。"),
    Column("title", "标题", "发布的标题，或合作项目的项目名称，2–120 个字符。"),
    Column("description", "简介", "机构、发布或项目的简介，不超过 5000 个字符。"),
    Column(
        "sectors", "产业", "一个或多个产业，填代码或中文名称，多个用分号分隔，如 茶叶;生态特色食品。", _sector_names
    ),
    Column(
        "region",
        "地区",
        "贵州省的行政区划代码或名称，如 520102 或 南明区、遵义市。"
        "发布不填时取所属机构的地区，合作项目不填时取院校合作单位的地区。",
    ),
    Column("quantity", "数量", "人数或名额，1–100000 的整数。"),
    Column("starts_on", "开始日期", "日期，格式 YYYY-MM-DD，如 2025-09-01。"),
    Column("ends_on", "结束日期", "日期，格式 YYYY-MM-DD，不早于开始日期。"),
    Column("valid_until", "有效期至", "发布展示到哪一天，格式 YYYY-MM-DD，最多一年后；不填则为发布后一年。"),
    Column(
        "status",
        "状态",
        "发布：不填为已发布。合作项目：不填为签订协议；导入时直接设为该状态，并在项目的变更记录中记为一次导入。",
        lambda: (
            [(c, f"发布：{n}") for c, n in POSTING_STATUS.labels.items()]
            + [(c, f"合作项目：{n}") for c, n in PROJECT_STATUS.labels.items()]
        ),
    ),
    Column("verified", "已认证", "是或否；不填为是（协调员导入的机构视为已认证）。"),
    Column("website", "网站", "机构网站地址。"),
    Column("contact_name", "联系人", "联系人姓名。"),
    Column("contact_phone", "联系电话", "联系电话。"),
    Column("contact_email", "联系邮箱", "电子邮件地址。"),
    Column("tags", "专业与职业标签", "已确认的专业和职业：major:专业代码 或 occupation:职业代码，多个用分号分隔。"),
    Column("students_trained", "培养学生（人）", "0–1000000 的整数，不填为 0。"),
    Column("apprentices", "学徒（人）", "0–1000000 的整数，不填为 0。"),
    Column("teachers_placed", "教师企业实践（人次）", "0–1000000 的整数，不填为 0。"),
    Column("mentors", "产业导师（人）", "0–1000000 的整数，不填为 0。"),
    Column("school_investment", "院校投入（元）", "金额（元），最多两位小数，如 120000 或 120000.50；不填为 0。"),
    Column("enterprise_investment", "企业投入（元）", "金额（元），最多两位小数；不填为 0。"),
    Column("outcomes", "合作成果", "合作取得的成果，不超过 5000 个字符。"),
    Column(
        "documents",
        "相关文件",
        "协议、立项批复、结题报告等：每份写成 标题|网址，多份用分号或换行分隔，"
        "如 合作协议|https://example.org/a.pdf。网址须以 http:// 或 https:// 开头。",
    ),
    Column("majors", "涉及专业", "专业目录中的专业代码或名称，多个用分号分隔，如 410107 或 茶叶生产与加工技术。"),
    Column("occupations", "涉及职业", "《职业分类大典》的职业代码，多个用分号分隔，如 6-02-06-10（茶叶加工工）。"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMN_INFO}
# Column order for CSV and Excel files.
COLUMNS = tuple(column.key for column in COLUMN_INFO)
LIST_COLUMNS = ("sectors", "tags", "partners", "majors", "occupations")
INTEGER_COLUMNS = ("quantity", "students_trained", "apprentices", "teachers_placed", "mentors")
SPLIT_BY = {"majors": MAJOR_SEPARATORS}  # other list columns split by LIST_SEPARATORS
_LABELLED_HEADER = re.compile(r"^(.*?)\s*[（(]\s*([A-Za-z_]+)\s*[)）]$")
_BY_LABEL = {normalize_term(column.label): column.key for column in COLUMN_INFO}


def header_key(cell: str) -> str:
    """The column key a header cell names: `sectors`, `产业`, `产业（sectors）` all give `sectors`."""
    text = normalize_term(cell)
    labelled = _LABELLED_HEADER.match(text)
    if labelled and labelled.group(2).lower() in COLUMN_BY_KEY:
        return labelled.group(2).lower()
    if text.lower() in COLUMN_BY_KEY:
        return text.lower()
    return _BY_LABEL.get(text, cell.strip())


def header_cell(key: str) -> str:
    """A template header: the Chinese label with the key, `产业（sectors）`."""
    return f"{COLUMN_BY_KEY[key].label}（{key}）"


PART_LABELS = {
    "organization_ref": "机构编号",
    "organization_id": "机构",
    "role": "角色",
    "title": "标题",
    "url": "网址",
}
FIELD_ALIASES = {"organization_id": "org", "organization_ref": "org", "region_code": "region"}


def field_label(path: str) -> str:
    """How a report names a field: 「产业」（sectors）第 2 项 for `sectors.1`."""
    head, *rest = path.split(".")
    head = FIELD_ALIASES.get(head, head)
    column = COLUMN_BY_KEY.get(head)
    label = f"「{column.label}」（{head}）" if column else f"「{head}」列"
    if rest and rest[0].isdigit():
        label += f"第 {int(rest[0]) + 1} 项"
        rest = rest[1:]
    for part in rest:
        label += " · " + PART_LABELS.get(part, part)
    return label


def used_columns(row_type: str) -> dict[str, bool]:
    """Column key → required, for the columns a row type uses (read from its schema)."""
    schema = ROW_SCHEMAS[row_type]()
    return {key: schema.load_fields[key].required for key in COLUMNS if key in schema.load_fields}


def allowed_values(key: str) -> list[tuple[str, str]]:
    """(code, Chinese name) choices of a column: from the row schemas' fields, or the column's own list."""
    column = COLUMN_BY_KEY[key]
    if column.values is not None:
        return column.values()
    for row_type in ROW_TYPES:
        field = ROW_SCHEMAS[row_type]().load_fields.get(key)
        if isinstance(field, Choice):
            return [(code, field.labels.get(code, code)) for code in field.choices]
        if isinstance(field, SectorList):
            return _sector_names()
    return []
