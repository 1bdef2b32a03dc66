"""The four registries, each described once: what it holds, how it is filtered, counted,
exported, imported and entered, and the rules its rows follow (`apply_*`).

Where a registry row has no region or sector of its own, it takes them from the organization
it is about: a mentor post and a teacher placement count in the school's region (the post is at
the school, the teacher belongs to it) and in the enterprise's sectors (the industry the
practice is in); a designation in its subject's sectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from matchmaker.errors import InvalidInput, Message
from matchmaker.extensions import db
from matchmaker.models import (
    Alliance,
    AllianceMember,
    MentorPost,
    Organization,
    OrganizationSector,
    PilotDesignation,
    Posting,
    TeacherPlacement,
)
from matchmaker.models.registries import ALLIANCE_LEVELS, ALLIANCE_ROLES, DESIGNATION_KINDS, DESIGNATION_LEVELS
from matchmaker.registries.core import (
    Column,
    Dimension,
    FormField,
    Registry,
    merged,
    region_name,
    region_prefecture,
    resolve_organization,
    sector_name,
    split_list,
)
from matchmaker.schemas import registries as schemas
from matchmaker.taxonomy import get_taxonomy

ENDS_BEFORE_START = Message("结束日期不能早于开始日期。", "Must not be before the start date.")
NOT_A_MENTOR_POSTING = Message(
    "须为该院校的「产业导师」需求或该企业的「产业导师」供给。",
    "Must be the school's mentor need or the enterprise's mentor offer.",
)
UNKNOWN_POSTING = Message("发布不存在：{id}", "No such posting: {id}")
UNKNOWN_ALLIANCE = Message("找不到联盟「{key}」。", "No alliance {key!r}.")
DUPLICATE_MEMBER = Message("「{name}」重复列出。", "{name!r} is listed twice.")
SUBJECT_NEEDED = {
    "region": Message("产教融合型城市须填写所在地区。", "A city designation names its region."),
    "alliance": Message(
        "产教融合联盟须指明联盟（须先登记在联盟台账中）。", "An alliance designation names the alliance."
    ),
    "organization": Message("须指明被认定的机构。", "Name the designated organization."),
}
NOT_A_CITY = Message("须为市州或区县，不能是全省。", "Must be a prefecture or a county, not the province.")
SIMPLE_FIELDS = {
    "mentors": ("person_name", "major", "post_title", "since", "until", "hours_per_year", "note"),
    "teacher-practice": ("teacher_name", "subject", "starts_on", "ends_on", "hours", "note"),
    "alliances": ("name", "guiding_department", "level", "founded_on", "note"),
    "designations": ("kind", "designated_on", "level", "issued_by", "document_number", "note"),
}


def region_codes(code: str) -> set[str]:
    """A region with the regions inside it (a prefecture includes its counties)."""
    return get_taxonomy().region_and_descendants(code)


def has_sector(code: str) -> Any:
    return Organization.sector_links.any(OrganizationSector.sector_code == code)


def org_ref(org: Organization | None) -> tuple[str, str] | None:
    return (str(org.id), org.name) if org is not None else None


def sector_buckets(codes: Iterable[str]) -> list[tuple[str, str]]:
    return [(code, sector_name(code)) for code in codes] or [("", "（未填产业）")]


def region_bucket(code: str | None) -> list[tuple[str, str]]:
    prefecture = region_prefecture(code)
    return [(prefecture, region_name(prefecture) if prefecture else "（未填地区）")]


def copy_fields(row: Any, data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data:
            setattr(row, name, data[name])


class Problems(dict):
    """Field errors gathered over a whole input, raised together."""

    def attempt(self, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except InvalidInput as error:
            self.update(error.fields)
            return None

    def raise_any(self) -> None:
        if self:
            raise InvalidInput(dict(self))


def set_party(row: Any, problems: Problems, data: dict[str, Any], name: str, kind: str | None) -> None:
    """Set `row.<name>` (and `<name>_id`) from the input's organization key, if given."""
    if name in data:
        org = problems.attempt(resolve_organization, data[name], name, kind)
        if org is not None:
            setattr(row, name, org)
            setattr(row, f"{name}_id", org.id)


def check_dates(problems: Problems, row: Any, data: dict[str, Any], start: str, end: str) -> None:
    first, last = merged(row, data, start), merged(row, data, end)
    if first is not None and last is not None and last < first:
        problems[end] = [ENDS_BEFORE_START]


# --- mentor posts ----------------------------------------------------------------------------


def apply_mentor(row: MentorPost, data: dict[str, Any]) -> None:
    problems = Problems()
    copy_fields(row, data, SIMPLE_FIELDS["mentors"])
    set_party(row, problems, data, "enterprise", "enterprise")
    set_party(row, problems, data, "school", "school")
    check_dates(problems, row, data, "since", "until")
    if data.get("posting_id") is not None:
        posting = db.session.get(Posting, data["posting_id"])
        if posting is None:
            problems["posting_id"] = [UNKNOWN_POSTING.format(id=data["posting_id"])]
        elif posting.category != "mentor" or (posting.direction, posting.organization_id) not in (
            ("need", row.school_id),
            ("offer", row.enterprise_id),
        ):
            problems["posting_id"] = [NOT_A_MENTOR_POSTING]
        else:
            row.posting_id = posting.id
    elif "posting_id" in data:
        row.posting_id = None
    problems.raise_any()


MENTORS = Registry(
    name="mentors",
    label="产业导师",
    summary="企业人员在院校担任产业导师特设岗位的登记：来自企业的导师供给与院校的导师需求，以及已聘任的岗位。",
    model=MentorPost,
    in_schema=schemas.MentorPostInSchema,
    out_schema=schemas.MentorPostOutSchema,
    args_schema=schemas.MentorPostArgsSchema,
    columns=(
        Column("id", "编号", lambda r: r.id, importable=False),
        Column("person_name", "导师姓名", lambda r: r.person_name),
        Column("enterprise", "所在企业", lambda r: r.enterprise.name),
        Column("school", "聘任院校", lambda r: r.school.name),
        Column("major", "专业", lambda r: r.major),
        Column("post_title", "岗位名称", lambda r: r.post_title),
        Column("since", "聘任起始日期", lambda r: r.since),
        Column("until", "聘任截止日期", lambda r: r.until),
        Column("hours_per_year", "年均授课学时", lambda r: r.hours_per_year),
        Column("posting_id", "来源发布编号", lambda r: r.posting_id),
        Column("region", "院校所在地区", lambda r: region_name(r.school.region_code), importable=False),
        Column("sectors", "企业所属产业", lambda r: [sector_name(c) for c in r.enterprise.sectors], importable=False),
        Column("note", "备注", lambda r: r.note),
    ),
    dimensions=(
        Dimension("school", "按院校", lambda r: [org_ref(r.school)]),
        Dimension("sector", "按产业（企业）", lambda r: sector_buckets(r.enterprise.sectors)),
        Dimension("region", "按地区（院校所在市州）", lambda r: region_bucket(r.school.region_code)),
    ),
    form=(
        FormField("person_name", "导师姓名", required=True),
        FormField("enterprise", "所在企业", "enterprise", required=True),
        FormField("school", "聘任院校", "school", required=True),
        FormField("major", "专业"),
        FormField("post_title", "岗位名称", hint="如：数控技术专业产业导师"),
        FormField("since", "聘任起始日期", "date", required=True),
        FormField("until", "聘任截止日期", "date", hint="仍在岗请留空"),
        FormField("hours_per_year", "年均授课学时", "number"),
        FormField("posting_id", "来源发布编号", "number", hint="院校的产业导师需求或企业的导师供给的编号（可选）"),
        FormField("note", "备注", "textarea"),
    ),
    filters={
        "school": lambda v: MentorPost.school_id == v,
        "enterprise": lambda v: MentorPost.enterprise_id == v,
        "sector": lambda v: MentorPost.enterprise.has(has_sector(v)),
        "region": lambda v: MentorPost.school.has(Organization.region_code.in_(region_codes(v))),
        "active_on": lambda v: (MentorPost.since <= v) & (MentorPost.until.is_(None) | (MentorPost.until >= v)),
        "q": lambda v: or_(
            MentorPost.person_name.contains(v, autoescape=True),
            MentorPost.major.contains(v, autoescape=True),
            MentorPost.post_title.contains(v, autoescape=True),
        ),
    },
    concerns=lambda org_id: or_(MentorPost.school_id == org_id, MentorPost.enterprise_id == org_id),
    apply=apply_mentor,
    parties=lambda r: {r.school_id, r.enterprise_id} - {None},
    order_by=lambda: (MentorPost.since.desc(), MentorPost.id.desc()),
    members_write=True,
)


# --- teacher placements ------------------------------------------------------------------------


def apply_placement(row: TeacherPlacement, data: dict[str, Any]) -> None:
    problems = Problems()
    copy_fields(row, data, SIMPLE_FIELDS["teacher-practice"])
    set_party(row, problems, data, "school", "school")
    set_party(row, problems, data, "enterprise", "enterprise")
    check_dates(problems, row, data, "starts_on", "ends_on")
    problems.raise_any()


TEACHER_PRACTICE = Registry(
    name="teacher-practice",
    label="教师企业实践",
    summary="专任教师到企业定期实践的登记：每次实践的教师、院校、企业、起止日期与学时。",
    model=TeacherPlacement,
    in_schema=schemas.TeacherPlacementInSchema,
    out_schema=schemas.TeacherPlacementOutSchema,
    args_schema=schemas.TeacherPlacementArgsSchema,
    columns=(
        Column("id", "编号", lambda r: r.id, importable=False),
        Column("teacher_name", "教师姓名", lambda r: r.teacher_name),
        Column("school", "所在院校", lambda r: r.school.name),
        Column("enterprise", "实践企业", lambda r: r.enterprise.name),
        Column("subject", "任教专业或课程", lambda r: r.subject),
        Column("starts_on", "开始日期", lambda r: r.starts_on),
        Column("ends_on", "结束日期", lambda r: r.ends_on),
        Column("days", "天数", lambda r: r.days, importable=False),
        Column("hours", "学时", lambda r: r.hours),
        Column("region", "院校所在地区", lambda r: region_name(r.school.region_code), importable=False),
        Column("sectors", "企业所属产业", lambda r: [sector_name(c) for c in r.enterprise.sectors], importable=False),
        Column("note", "备注", lambda r: r.note),
    ),
    dimensions=(
        Dimension("school", "按院校", lambda r: [org_ref(r.school)]),
        Dimension("sector", "按产业（企业）", lambda r: sector_buckets(r.enterprise.sectors)),
        Dimension("region", "按地区（院校所在市州）", lambda r: region_bucket(r.school.region_code)),
    ),
    form=(
        FormField("teacher_name", "教师姓名", required=True),
        FormField("school", "所在院校", "school", required=True),
        FormField("enterprise", "实践企业", "enterprise", required=True),
        FormField("subject", "任教专业或课程"),
        FormField("starts_on", "开始日期", "date", required=True),
        FormField("ends_on", "结束日期", "date", required=True),
        FormField("hours", "学时", "number"),
        FormField("note", "备注", "textarea"),
    ),
    filters={
        "school": lambda v: TeacherPlacement.school_id == v,
        "enterprise": lambda v: TeacherPlacement.enterprise_id == v,
        "sector": lambda v: TeacherPlacement.enterprise.has(has_sector(v)),
        "region": lambda v: TeacherPlacement.school.has(Organization.region_code.in_(region_codes(v))),
        "q": lambda v: or_(
            TeacherPlacement.teacher_name.contains(v, autoescape=True),
            TeacherPlacement.subject.contains(v, autoescape=True),
        ),
    },
    concerns=lambda org_id: or_(TeacherPlacement.school_id == org_id, TeacherPlacement.enterprise_id == org_id),
    apply=apply_placement,
    parties=lambda r: {r.school_id, r.enterprise_id} - {None},
    order_by=lambda: (TeacherPlacement.starts_on.desc(), TeacherPlacement.id.desc()),
    members_write=True,
)


# --- alliances -----------------------------------------------------------------------------------


def apply_alliance(row: Alliance, data: dict[str, Any]) -> None:
    problems = Problems()
    copy_fields(row, data, SIMPLE_FIELDS["alliances"])
    if "region" in data:
        row.region_code = data["region"]
    if "sectors" in data:
        row.sectors = data["sectors"]
    set_party(row, problems, data, "lead", None)
    if "members" in data:
        wanted: list[tuple[Organization, str]] = []
        for position, member in enumerate(data["members"]):
            org = problems.attempt(resolve_organization, member["organization"], f"members.{position}.organization")
            if org is None:
                continue
            if any(other.id == org.id for other, _ in wanted):
                problems[f"members.{position}.organization"] = [DUPLICATE_MEMBER.format(name=org.name)]
                continue
            wanted.append((org, member["role"]))
        set_members(row, wanted)
    problems.raise_any()


def set_members(row: Alliance, wanted: list[tuple[Organization, str]]) -> None:
    """Make the alliance's members exactly `wanted`, in order, keeping the rows of members who stay."""
    ids = [org.id for org, _ in wanted]
    for member in [m for m in row.members if m.organization_id not in ids]:
        row.members.remove(member)
    present = {member.organization_id: member for member in row.members}
    for position, (org, role) in enumerate(wanted):
        member = present.get(org.id)
        if member is None:
            member = AllianceMember(organization_id=org.id, organization=org)
            row.members.append(member)
        member.role, member.position = role, position


def alliance_parties(row: Alliance | None) -> set[int]:
    if row is None:
        return set()
    return ({row.lead_id} | {m.organization_id for m in row.members}) - {None}


def alliance_organizations(row: Alliance) -> list[Organization]:
    orgs = [row.lead] + [m.organization for m in row.members]
    return list({org.id: org for org in orgs if org is not None}.values())


def involves_organization(org_id: int) -> Any:
    return or_(Alliance.lead_id == org_id, Alliance.members.any(AllianceMember.organization_id == org_id))


def parse_members(cell: str) -> list[dict[str, str]]:
    """ "甲公司：理事长单位；乙学院" → [{organization: 甲公司, role: 理事长单位}, {organization: 乙学院}]."""
    members = []
    for item in split_list(cell):
        name, _, role = item.replace(":", "：").rpartition("：")
        members.append({"organization": name.strip(), "role": role.strip()} if name else {"organization": role.strip()})
    return members


def format_members(row: Alliance) -> list[str]:
    return [f"{m.organization.name}：{ALLIANCE_ROLES.get(m.role, m.role)}" for m in row.members]


ALLIANCES = Registry(
    name="alliances",
    label="产教融合集团（联盟）",
    summary="产教融合集团与联盟的登记：牵头单位、成员单位及其角色、产业、指导部门、层级与地区。",
    model=Alliance,
    in_schema=schemas.AllianceInSchema,
    out_schema=schemas.AllianceOutSchema,
    args_schema=schemas.AllianceArgsSchema,
    columns=(
        Column("id", "编号", lambda r: r.id, importable=False),
        Column("name", "名称", lambda r: r.name),
        Column("lead", "牵头单位", lambda r: r.lead.name),
        Column("members", "成员单位", format_members, parse=parse_members),
        Column("sectors", "产业", lambda r: [sector_name(c) for c in r.sectors], parse=split_list),
        Column("guiding_department", "指导部门", lambda r: r.guiding_department),
        Column("level", "层级", lambda r: ALLIANCE_LEVELS.get(r.level, r.level)),
        Column("region", "地区", lambda r: region_name(r.region_code)),
        Column("founded_on", "成立日期", lambda r: r.founded_on),
        Column("note", "备注", lambda r: r.note),
    ),
    dimensions=(
        Dimension(
            "school", "按院校（成员）", lambda r: [org_ref(o) for o in alliance_organizations(r) if o.kind == "school"]
        ),
        Dimension("sector", "按产业", lambda r: sector_buckets(r.sectors)),
        Dimension("region", "按地区（市州）", lambda r: region_bucket(r.region_code)),
    ),
    form=(
        FormField("name", "名称", required=True),
        FormField("lead", "牵头单位", "organization", required=True),
        FormField(
            "members",
            "成员单位",
            "members",
            hint="每行一个：机构名称或编号，冒号后写角色（理事长单位、副理事长单位、秘书长单位、成员单位）",
        ),
        FormField("sectors", "产业", "sectors"),
        FormField("guiding_department", "指导部门", hint="如：贵州省发展和改革委员会、贵州省教育厅"),
        FormField("level", "层级", "choice", required=True, choices=ALLIANCE_LEVELS),
        FormField("region", "地区", "region", required=True),
        FormField("founded_on", "成立日期", "date"),
        FormField("note", "备注", "textarea"),
    ),
    filters={
        "school": involves_organization,
        "enterprise": involves_organization,
        "sector": lambda v: Alliance.sector_links.any(sector_code=v),
        "region": lambda v: Alliance.region_code.in_(region_codes(v)),
        "level": lambda v: Alliance.level == v,
        "q": lambda v: Alliance.name.contains(v, autoescape=True),
    },
    concerns=involves_organization,
    apply=apply_alliance,
    parties=alliance_parties,
    order_by=lambda: (Alliance.name, Alliance.id),
)


# --- pilot designations ----------------------------------------------------------------------------


def subject_of(kind: str) -> str:
    """Which input names the designated subject of a kind: region, alliance or organization."""
    return {"city": "region", "alliance": "alliance"}.get(kind, "organization")


def resolve_alliance(key: int | str) -> Alliance:
    alliance = db.session.get(Alliance, key) if isinstance(key, int) else None
    if alliance is None:
        alliance = db.session.scalar(select(Alliance).where(Alliance.name == str(key)).limit(1))
    if alliance is None:
        raise InvalidInput({"alliance": [UNKNOWN_ALLIANCE.format(key=key)]})
    return alliance


def apply_designation(row: PilotDesignation, data: dict[str, Any]) -> None:
    """Copy the input; the subject is the one the kind asks for (the other subject fields are cleared)."""
    problems = Problems()
    copy_fields(row, data, SIMPLE_FIELDS["designations"])
    kind = row.kind
    subject = subject_of(kind)
    if subject == "region":
        code = data.get("region") or (
            row.region_code if row.organization_id is None and row.alliance_id is None else None
        )
        region = get_taxonomy().regions.get(code or "")
        if region is None:
            problems["region"] = [SUBJECT_NEEDED["region"]]
        elif region.level == "province":
            problems["region"] = [NOT_A_CITY]
        else:
            row.region_code, row.organization, row.organization_id, row.alliance, row.alliance_id = (
                code,
                None,
                None,
                None,
                None,
            )
            default_name = region_name(code)
    elif subject == "alliance":
        key = data.get("alliance") if data.get("alliance") is not None else row.alliance_id
        alliance = problems.attempt(resolve_alliance, key) if key is not None else None
        if key is None:
            problems["alliance"] = [SUBJECT_NEEDED["alliance"]]
        if alliance is not None:
            row.alliance, row.alliance_id, row.organization, row.organization_id = alliance, alliance.id, None, None
            row.region_code = alliance.region_code
            default_name = alliance.name
    else:
        key = data.get("organization") if data.get("organization") is not None else row.organization_id
        wanted_kind = "enterprise" if kind == "enterprise" else None
        org = problems.attempt(resolve_organization, key, "organization", wanted_kind) if key is not None else None
        if key is None:
            problems["organization"] = [SUBJECT_NEEDED["organization"]]
        if org is not None:
            row.organization, row.organization_id, row.alliance, row.alliance_id = org, org.id, None, None
            row.region_code = org.region_code
            default_name = org.name
    if data.get("name"):
        row.name = data["name"]
    elif not row.name and not problems:
        row.name = default_name
    problems.raise_any()


def designation_sectors(row: PilotDesignation) -> list[str]:
    if row.organization is not None:
        return row.organization.sectors
    return row.alliance.sectors if row.alliance is not None else []


def designation_subject(row: PilotDesignation) -> str:
    if row.organization is not None:
        return row.organization.name
    if row.alliance is not None:
        return row.alliance.name
    return region_name(row.region_code)


def designation_parties(row: PilotDesignation) -> set[int]:
    return {row.organization_id} - {None} if row.alliance_id is None else alliance_parties(row.alliance)


DESIGNATIONS = Registry(
    name="designations",
    label="试点认定",
    summary="产教融合型城市、联盟、企业、示范基地与工程项目（实验实习实训基地）的认定登记：层级、发文单位与文号。",
    model=PilotDesignation,
    in_schema=schemas.PilotDesignationInSchema,
    out_schema=schemas.PilotDesignationOutSchema,
    args_schema=schemas.PilotDesignationArgsSchema,
    columns=(
        Column("id", "编号", lambda r: r.id, importable=False),
        Column("kind", "类别", lambda r: DESIGNATION_KINDS.get(r.kind, r.kind)),
        Column("name", "名称", lambda r: r.name),
        Column("organization", "认定机构", lambda r: r.organization.name if r.organization else None),
        Column("alliance", "认定联盟", lambda r: r.alliance.name if r.alliance else None),
        Column("region", "地区", lambda r: region_name(r.region_code)),
        Column("designated_on", "认定日期", lambda r: r.designated_on),
        Column("level", "层级", lambda r: DESIGNATION_LEVELS.get(r.level, r.level)),
        Column("issued_by", "发文单位", lambda r: r.issued_by),
        Column("document_number", "文号", lambda r: r.document_number),
        Column("sectors", "产业", lambda r: [sector_name(c) for c in designation_sectors(r)], importable=False),
        Column("note", "备注", lambda r: r.note),
    ),
    dimensions=(
        Dimension(
            "school",
            "按院校",
            lambda r: (
                [org_ref(r.organization)] if r.organization is not None and r.organization.kind == "school" else []
            ),
        ),
        Dimension("sector", "按产业", lambda r: sector_buckets(designation_sectors(r))),
        Dimension("region", "按地区（市州）", lambda r: region_bucket(r.region_code)),
    ),
    form=(
        FormField("kind", "类别", "choice", required=True, choices=DESIGNATION_KINDS),
        FormField("organization", "认定机构", "organization", hint="产教融合型企业、示范基地、工程项目填写"),
        FormField("alliance", "认定联盟", "alliance", hint="产教融合联盟填写（须先登记在联盟台账中）"),
        FormField("region", "认定城市", "region", hint="产教融合型城市填写"),
        FormField("name", "名称", hint="留空则用所认定对象的名称"),
        FormField("designated_on", "认定日期", "date", required=True),
        FormField("level", "层级", "choice", required=True, choices=DESIGNATION_LEVELS),
        FormField("issued_by", "发文单位", required=True),
        FormField("document_number", "文号", hint="如：黔发改社会〔2020〕472号"),
        FormField("note", "备注", "textarea"),
    ),
    filters={
        "school": lambda v: or_(
            PilotDesignation.organization_id == v, PilotDesignation.alliance.has(involves_organization(v))
        ),
        "enterprise": lambda v: or_(
            PilotDesignation.organization_id == v, PilotDesignation.alliance.has(involves_organization(v))
        ),
        "sector": lambda v: or_(
            PilotDesignation.organization.has(has_sector(v)),
            PilotDesignation.alliance.has(Alliance.sector_links.any(sector_code=v)),
        ),
        "region": lambda v: PilotDesignation.region_code.in_(region_codes(v)),
        "kind": lambda v: PilotDesignation.kind == v,
        "level": lambda v: PilotDesignation.level == v,
        "q": lambda v: PilotDesignation.name.contains(v, autoescape=True),
    },
    concerns=lambda org_id: or_(
        PilotDesignation.organization_id == org_id, PilotDesignation.alliance.has(involves_organization(org_id))
    ),
    apply=apply_designation,
    parties=designation_parties,
    order_by=lambda: (PilotDesignation.designated_on.desc(), PilotDesignation.id.desc()),
)

REGISTRIES: dict[str, Registry] = {r.name: r for r in (MENTORS, TEACHER_PRACTICE, ALLIANCES, DESIGNATIONS)}
