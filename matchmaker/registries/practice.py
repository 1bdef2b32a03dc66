"""The six-month rule for teachers' enterprise practice.

《职业学校教师企业实践规定》(教师〔2016〕3号): 职业学校专业课教师（含实习指导教师）要根据专业特点每5年
必须累计不少于6个月到企业或生产服务一线实践.

How the registry judges it, on a given day `on` (today by default):

- The window is the five years up to and including `on`: the days after the same calendar day
  five years earlier (29 February → 28 February), through `on`. Days after `on` (a placement
  still going on, or planned) do not count yet.
- A teacher's practice is the number of distinct calendar days inside the window covered by
  any of their placements, first and last days included; overlapping placements count their
  shared days once.
- "Six months" is at least 180 such days (`SIX_MONTHS_DAYS`).
- A teacher is one name (spaces and full-width forms folded) within one school: the same name
  at two schools is two teachers.
- A school's share counts only its teachers who appear in the registry with a placement begun
  on or before `on`; teachers with no placement recorded are not known to the registry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organization, TeacherPlacement, local_today
from matchmaker.taxonomy import normalize_term

SIX_MONTHS_DAYS = 180
WINDOW_YEARS = 5
RULE = (
    "《职业学校教师企业实践规定》（教师〔2016〕3号）：职业学校专业课教师（含实习指导教师）要根据专业特点"
    "每5年必须累计不少于6个月到企业或生产服务一线实践。"
)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def window(on: date) -> tuple[date, date]:
    """The first and last day of the five-year window ending on `on`."""
    return years_before(on, WINDOW_YEARS) + timedelta(days=1), on


def practice_days(periods: Iterable[tuple[date, date]], first: date, last: date) -> int:
    """Distinct days within [first, last] covered by the (start, end) periods, ends included."""
    clipped = sorted((max(start, first), min(end, last)) for start, end in periods if end >= first and start <= last)
    total, covered_to = 0, first - timedelta(days=1)
    for start, end in clipped:
        start = max(start, covered_to + timedelta(days=1))
        if end >= start:
            total += (end - start).days + 1
            covered_to = end
    return total


def teacher_key(name: str) -> str:
    return "".join(normalize_term(name).split())


@dataclass
class TeacherPractice:
    name: str
    days: int

    @property
    def compliant(self) -> bool:
        return self.days >= SIX_MONTHS_DAYS


@dataclass
class SchoolPractice:
    school_id: int
    school_name: str
    teachers: list[TeacherPractice] = field(default_factory=list)

    @property
    def compliant(self) -> int:
        return sum(teacher.compliant for teacher in self.teachers)

    @property
    def share(self) -> float:
        """Compliant teachers over the school's teachers in the registry (0 when it has none)."""
        return self.compliant / len(self.teachers) if self.teachers else 0.0


def practice_compliance(on: date | None = None, school_ids: Iterable[int] | None = None) -> list[SchoolPractice]:
    """Per school: its registered teachers' practice days in the five years to `on`, and the compliant share."""
    on = on or local_today()
    first, last = window(on)
    stmt = select(TeacherPlacement).where(TeacherPlacement.starts_on <= on)
    if school_ids is not None:
        stmt = stmt.where(TeacherPlacement.school_id.in_(list(school_ids)))
    periods: dict[int, dict[str, list[tuple[date, date]]]] = defaultdict(lambda: defaultdict(list))
    names: dict[tuple[int, str], str] = {}
    for placement in db.session.scalars(stmt):
        key = teacher_key(placement.teacher_name)
        periods[placement.school_id][key].append((placement.starts_on, placement.ends_on))
        names.setdefault((placement.school_id, key), placement.teacher_name)
    schools = {org.id: org.name for org in db.session.scalars(select(Organization).where(Organization.id.in_(periods)))}
    result = []
    for school_id, teachers in periods.items():
        practice = SchoolPractice(school_id, schools.get(school_id, str(school_id)))
        for key, spans in teachers.items():
            practice.teachers.append(TeacherPractice(names[(school_id, key)], practice_days(spans, first, last)))
        practice.teachers.sort(key=lambda t: (t.compliant, t.days, t.name))
        result.append(practice)
    return sorted(result, key=lambda s: (s.share, s.school_name))
