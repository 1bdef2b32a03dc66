"""Schedule accepted meeting requests of a matchmaking event into (time slot, table) pairs.

A pure module — no Flask, no database: the event pages pass data loaded from the database,
`matchmaker schedule-meetings` passes a JSON file (`load_instance` / `instance_from_dict`).

    result = schedule(EventInstance(slots, tables, participants, requests, fixed), time_limit=10)

The model
---------
For every request r and every slot s in which *both* sides are available (and neither has
max_meetings = 0) there is one boolean x[r,s], "r is met in slot s". Slots where a side is
unavailable simply get no variable, so unavailability costs nothing to enforce. Constraints:

* each request is met at most once:           Σ_s x[r,s] ≤ 1
* nobody has two meetings in one slot:        Σ_{r involving p} x[r,s] ≤ 1, per (p, s)
* no more meetings in a slot than tables:     Σ_r x[r,s] ≤ tables, per s
* optional cap per participant:               Σ_{r involving p, s} x[r,s] ≤ max_meetings(p)
* fixed meetings (e.g. already published):    x[r,s] = 1 for their slot

Tables are interchangeable, so the model does not pick them: a per-slot capacity is enough,
and afterwards each slot's meetings get tables — fixed meetings keep theirs, the others take
the free ones in order. This keeps the model at |requests| × |slots| booleans instead of
× |tables| and spares the solver the tables' symmetry.

Objective: maximise Σ w_r · x[r,s]. CP-SAT needs integer coefficients, so weights are
multiplied by 10^k, k being the most decimals any weight has (at most 6; fewer if the scaled
total would pass 2^53): 2.5 and 0.75 become 250 and 75, exactly. The objective is reported as
the sum of the original weights of the scheduled requests; the bound is divided by the scale,
plus the worst-case rounding error when some weight had to be rounded (then "optimal" means
optimal for the rounded weights).

Solving: LP relaxation first, then CP-SAT
-----------------------------------------
The same rows go to GLOP (OR-Tools' LP solver) and to CP-SAT. With requests between two sides
(enterprises and schools) the LP relaxation is integral or nearly so, and GLOP solves it in
under a second for 600 participants — where CP-SAT's own LP (rows added lazily, plus cuts) was
still 1.5 % loose after 30 s there, and its search improves a schedule slowly on two cores. So:

1. start: the weight-first greedy schedule, improved by a local search (`_improve`);
2. solve the LP; round it (its pairs by LP value, then greedy, then local search) and keep the
   better start. The bound is computed from GLOP's duals as a Lagrangian bound, valid whatever
   GLOP's tolerances, and floored (the scaled optimum is an integer);
3. if the start reaches that bound it is optimal and CP-SAT is not needed; otherwise CP-SAT
   searches from it (the hint), for the rest of the time, and the reported bound is the
   smaller of CP-SAT's and the LP's.

After solving, requests that still fit are seated (weight-0 ones: the solver has no reason to,
but a table should not stay idle). `lp_relaxation=False` runs CP-SAT alone.

Fair mode (lexicographic, two solves of the same model)
------------------------------------------------------
Stage 1 (CP-SAT) maximises z, with z ≤ (meetings of p) for every participant p that has at
least one request that could be scheduled (a slot where both sides are available). Stage 2
adds (meetings of p) ≥ z* for those participants, z* being stage 1's best, and maximises the
total weight as above, starting from stage 1's schedule with the meetings the minimum does not
need traded for heavier ones. Stage 1 gets `FAIR_FIRST_STAGE_SHARE` of the time limit and
stage 2 the rest, including what stage 1 did not use.

Statuses: "optimal" (proven) or "feasible" (time limit reached; `gap` is the relative
distance to the bound: objective ≥ bound × (1 − gap)). If CP-SAT finds nothing in time, the
start schedule is returned as "feasible". The seed is fixed, but a search stopped by the time
limit can end differently from run to run (the LP step is deterministic).

Invalid input raises `ScheduleInputError` (an `InvalidInput`) whose `field` names the item,
e.g. `requests[3].weight`, with a bilingual message.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from matchmaker.errors import InvalidInput, Message

Id = str | int  # ids as the caller gives them: JSON strings or integers
TableLabel = int | str  # table number 1..N, or the table's name when names were given

MAX_DECIMALS = 6  # weight precision kept exactly; finer weights are rounded (and the bound widened)
MAX_SCALED_TOTAL = 2**53  # scaled objective stays exact as a float and far from int64 overflow
FAIR_FIRST_STAGE_SHARE = 0.3
LP_SHARE = 0.5  # at most this share of a solve's time for the LP relaxation (it usually needs ~1 s)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Slot:
    id: Id
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Participant:
    id: Id
    unavailable: tuple[Id, ...] = ()  # slot ids
    max_meetings: int | None = None


@dataclass(frozen=True)
class MeetingRequest:
    id: Id
    a: Id  # participant ids
    b: Id
    weight: float = 1.0


@dataclass(frozen=True)
class Meeting:
    request: Id
    slot: Id
    table: TableLabel


@dataclass(frozen=True)
class EventInstance:
    slots: Sequence[Slot]
    tables: int | Sequence[str]  # a count, or the tables' names
    participants: Sequence[Participant]
    requests: Sequence[MeetingRequest]
    fixed: Sequence[Meeting] = ()  # meetings to keep exactly where they are


@dataclass(frozen=True)
class Stage:
    """One solve of fair mode: "min_meetings" (stage 1) or "weight" (stage 2)."""

    name: str
    status: str
    value: float
    bound: float
    seconds: float


@dataclass(frozen=True)
class Schedule:
    meetings: list[Meeting]  # ordered by slot, then table
    objective: float  # total weight of the scheduled requests, original units
    bound: float | None  # no schedule can do better (None for the greedy baseline)
    status: str  # "optimal" | "feasible"
    gap: float | None  # (bound − objective) / bound
    seconds: float
    min_meetings: int | None  # fewest meetings of a participant who could have one (None: nobody could)
    stages: tuple[Stage, ...] = ()  # fair mode only

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "meetings": [{"request": m.request, "slot": m.slot, "table": m.table} for m in self.meetings],
            "objective": self.objective,
            "bound": self.bound,
            "status": self.status,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "min_meetings": self.min_meetings,
        }
        if self.stages:
            data["stages"] = [
                {"name": s.name, "status": s.status, "value": s.value, "bound": s.bound, "seconds": round(s.seconds, 3)}
                for s in self.stages
            ]
        return data


class ScheduleInputError(InvalidInput):
    """An invalid event instance; `field` is the offending item's path, e.g. `requests[3].weight`."""

    code = "invalid_schedule_input"

    def __init__(self, field: str, message: Message):
        self.field = field
        self.detail = message
        super().__init__(
            {field: [message]},
            Message(f"活动排程数据有误（{field}）：{message.zh}", f"Invalid event data at {field}: {message.en}"),
        )


# --------------------------------------------------------------------------- reading JSON


def load_instance(text: str | bytes) -> EventInstance:
    """Parse an instance from JSON text (the CLI's file format); malformed JSON is a ScheduleInputError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleInputError(
            "instance",
            Message(
                "不是有效的 JSON（第 {line} 行第 {col} 列）：{msg}", "Not valid JSON (line {line}, column {col}): {msg}"
            ).format(line=exc.lineno, col=exc.colno, msg=exc.msg),
        ) from exc
    except UnicodeDecodeError as exc:
        raise ScheduleInputError(
            "instance", Message("文件不是 UTF-8 编码的文本。", "The file is not UTF-8 text.")
        ) from exc
    return instance_from_dict(data)


def instance_from_dict(data: Any) -> EventInstance:
    """Build an instance from decoded JSON, checking its shape; `schedule` checks the meaning."""
    root = _record(data, "", required=("slots", "tables", "participants", "requests"), optional=("fixed",))
    slots = [_slot(item, f"slots[{i}]") for i, item in enumerate(_list(root["slots"], "slots"))]
    participants = [
        _participant(item, f"participants[{i}]") for i, item in enumerate(_list(root["participants"], "participants"))
    ]
    requests = [_request(item, f"requests[{i}]") for i, item in enumerate(_list(root["requests"], "requests"))]
    fixed = [_fixed(item, f"fixed[{i}]") for i, item in enumerate(_list(root.get("fixed", []), "fixed"))]
    tables = root["tables"]
    if isinstance(tables, list):
        tables = tuple(tables)
    return EventInstance(slots, tables, participants, requests, fixed)


def _slot(item: Any, path: str) -> Slot:
    record = _record(item, path, required=("id",), optional=("start", "end"))
    for key in ("start", "end"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ScheduleInputError(f"{path}.{key}", Message("应为字符串（时间）。", "Must be a string (a time)."))
    return Slot(record["id"], record.get("start"), record.get("end"))


def _participant(item: Any, path: str) -> Participant:
    record = _record(item, path, required=("id",), optional=("unavailable", "max_meetings"))
    unavailable = tuple(_list(record.get("unavailable", []), f"{path}.unavailable"))
    return Participant(record["id"], unavailable, record.get("max_meetings"))


def _request(item: Any, path: str) -> MeetingRequest:
    record = _record(item, path, required=("id", "a", "b", "weight"))
    return MeetingRequest(record["id"], record["a"], record["b"], record["weight"])


def _fixed(item: Any, path: str) -> Meeting:
    record = _record(item, path, required=("request", "slot", "table"))
    return Meeting(record["request"], record["slot"], record["table"])


def _record(value: Any, path: str, required: Sequence[str], optional: Sequence[str] = ()) -> Mapping[str, Any]:
    where = path or "instance"
    if not isinstance(value, Mapping):
        raise ScheduleInputError(where, Message("应为 JSON 对象。", "Must be a JSON object."))
    for key in required:
        if key not in value:
            raise ScheduleInputError(_join(path, key), Message("缺少必填字段。", "Missing required field."))
    unknown = sorted(set(value) - set(required) - set(optional), key=str)
    if unknown:
        raise ScheduleInputError(
            _join(path, str(unknown[0])),
            Message("未知字段；允许的字段：{keys}。", "Unknown field; allowed: {keys}.").format(
                keys=", ".join([*required, *optional])
            ),
        )
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScheduleInputError(path, Message("应为列表。", "Must be a list."))
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------------------- validation and indexing


@dataclass
class _Problem:
    """The instance validated and turned into indices (slots, tables, participants, requests by position)."""

    instance: EventInstance
    table_labels: list[TableLabel]
    ends: list[tuple[int, int]]  # request → (participant a, participant b)
    weights: list[float]
    caps: list[int | None]  # participant → max_meetings
    candidates: list[list[int]]  # request → slots where both sides can meet, in slot order
    fixed: dict[int, tuple[int, int]]  # request → (slot, table)
    # Participants with at least one request that could be scheduled: the ones fairness is about.
    schedulable: frozenset[int] = frozenset()

    @property
    def slot_count(self) -> int:
        return len(self.instance.slots)

    @property
    def table_count(self) -> int:
        return len(self.table_labels)


def validate_instance(instance: EventInstance) -> None:
    """Raise ScheduleInputError for the first problem found (what `schedule` does before solving)."""
    _prepare(instance)


def _prepare(instance: EventInstance) -> _Problem:
    table_labels = _table_labels(instance.tables)
    if not instance.slots:
        raise ScheduleInputError("slots", Message("至少需要一个时间段。", "At least one time slot is needed."))
    slot_of = _index_ids(instance.slots, "slots")
    participant_of = _index_ids(instance.participants, "participants")
    request_of = _index_ids(instance.requests, "requests")
    unavailable = [_unavailable_slots(p, f"participants[{i}]", slot_of) for i, p in enumerate(instance.participants)]
    caps = [_max_meetings(p, f"participants[{i}].max_meetings") for i, p in enumerate(instance.participants)]
    ends = [_request_ends(r, f"requests[{i}]", participant_of) for i, r in enumerate(instance.requests)]
    weights = [_weight(r.weight, f"requests[{i}].weight") for i, r in enumerate(instance.requests)]
    candidates = [
        [s for s in range(len(instance.slots)) if s not in unavailable[a] and s not in unavailable[b]]
        if caps[a] != 0 and caps[b] != 0
        else []
        for a, b in ends
    ]
    schedulable = frozenset(p for r, slots in enumerate(candidates) if slots for p in ends[r])
    problem = _Problem(instance, table_labels, ends, weights, caps, candidates, {}, schedulable)
    problem.fixed = _fixed_meetings(problem, slot_of, request_of, unavailable)
    return problem


def _table_labels(tables: Any) -> list[TableLabel]:
    if isinstance(tables, int) and not isinstance(tables, bool):
        if tables <= 0:
            raise ScheduleInputError(
                "tables",
                Message("桌数必须至少为 1（收到 {n}）。", "There must be at least one table (got {n}).").format(
                    n=tables
                ),
            )
        return list(range(1, tables + 1))
    if isinstance(tables, (list, tuple)):
        if not tables:
            raise ScheduleInputError("tables", Message("至少需要一张桌子。", "At least one table is needed."))
        seen: dict[str, int] = {}
        for i, name in enumerate(tables):
            if not isinstance(name, str) or not name.strip():
                raise ScheduleInputError(
                    f"tables[{i}]", Message("桌名应为非空字符串。", "A table name must be a non-empty string.")
                )
            if name in seen:
                raise ScheduleInputError(
                    f"tables[{i}]",
                    Message(
                        "桌名“{name}”重复（同 tables[{j}]）。", "Duplicate table name '{name}' (as tables[{j}])."
                    ).format(name=name, j=seen[name]),
                )
            seen[name] = i
        return list(tables)
    raise ScheduleInputError(
        "tables", Message("应为桌数（正整数）或桌名列表。", "Must be a number of tables or a list of table names.")
    )


def _index_ids(items: Sequence[Any], path: str) -> dict[Id, int]:
    """Map each item's id to its position; ids must be non-empty strings or integers, and unique."""
    index: dict[Id, int] = {}
    for i, item in enumerate(items):
        ident = item.id
        if isinstance(ident, bool) or not isinstance(ident, (str, int)) or ident == "":
            raise ScheduleInputError(
                f"{path}[{i}].id",
                Message("编号应为非空字符串或整数。", "An id must be a non-empty string or an integer."),
            )
        if ident in index:
            raise ScheduleInputError(
                f"{path}[{i}].id",
                Message("编号“{id}”重复（同 {path}[{j}]）。", "Duplicate id '{id}' (as {path}[{j}]).").format(
                    id=ident, path=path, j=index[ident]
                ),
            )
        index[ident] = i
    return index


def _unavailable_slots(participant: Participant, path: str, slot_of: Mapping[Id, int]) -> set[int]:
    slots = set()
    for j, slot_id in enumerate(participant.unavailable):
        if not _is_id(slot_id) or slot_id not in slot_of:
            raise ScheduleInputError(
                f"{path}.unavailable[{j}]",
                Message(
                    "参与方“{p}”的不可用时间段“{s}”不存在。",
                    "Unknown slot '{s}' in participant '{p}''s unavailable slots.",
                ).format(p=participant.id, s=slot_id),
            )
        slots.add(slot_of[slot_id])
    return slots


def _max_meetings(participant: Participant, path: str) -> int | None:
    cap = participant.max_meetings
    if cap is None:
        return None
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ScheduleInputError(
            path,
            Message(
                "参与方“{p}”的 max_meetings 应为非负整数（收到 {v!r}）。",
                "max_meetings of participant '{p}' must be a whole number ≥ 0 (got {v!r}).",
            ).format(p=participant.id, v=cap),
        )
    return cap


def _request_ends(request: MeetingRequest, path: str, participant_of: Mapping[Id, int]) -> tuple[int, int]:
    for side in ("a", "b"):
        ident = getattr(request, side)
        if not _is_id(ident) or ident not in participant_of:
            raise ScheduleInputError(
                f"{path}.{side}",
                Message("约见请求“{r}”中的参与方“{p}”不存在。", "Unknown participant '{p}' in request '{r}'.").format(
                    r=request.id, p=ident
                ),
            )
    if request.a == request.b:
        raise ScheduleInputError(
            f"{path}.b",
            Message(
                "约见请求“{r}”的双方是同一参与方“{p}”。", "Request '{r}' has the same participant '{p}' on both sides."
            ).format(r=request.id, p=request.a),
        )
    return participant_of[request.a], participant_of[request.b]


def _weight(weight: Any, path: str) -> float:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
        raise ScheduleInputError(
            path,
            Message("权重应为有限的数字（收到 {v!r}）。", "The weight must be a finite number (got {v!r}).").format(
                v=weight
            ),
        )
    if weight < 0:
        raise ScheduleInputError(
            path, Message("权重不能为负数（收到 {v}）。", "The weight must not be negative (got {v}).").format(v=weight)
        )
    return float(weight)


def _is_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _fixed_meetings(
    problem: _Problem, slot_of: Mapping[Id, int], request_of: Mapping[Id, int], unavailable: list[set[int]]
) -> dict[int, tuple[int, int]]:
    """Index the fixed meetings, refusing any that cannot all hold together."""
    instance = problem.instance
    participant_ids = [p.id for p in instance.participants]
    fixed: dict[int, tuple[int, int]] = {}
    where: dict[int, int] = {}  # request → position in `fixed`, for messages
    table_user: dict[tuple[int, int], int] = {}  # (slot, table) → fixed position
    busy: dict[tuple[int, int], int] = {}  # (participant, slot) → fixed position
    count: dict[int, int] = defaultdict(int)
    for i, meeting in enumerate(instance.fixed):
        path = f"fixed[{i}]"
        if not _is_id(meeting.request) or meeting.request not in request_of:
            raise ScheduleInputError(
                f"{path}.request",
                Message("固定约见引用了不存在的约见请求“{r}”。", "Unknown request '{r}' in a fixed meeting.").format(
                    r=meeting.request
                ),
            )
        r = request_of[meeting.request]
        if r in where:
            raise ScheduleInputError(
                f"{path}.request",
                Message(
                    "约见请求“{r}”被固定了两次（另见 fixed[{j}]）。", "Request '{r}' is fixed twice (also fixed[{j}])."
                ).format(r=meeting.request, j=where[r]),
            )
        if not _is_id(meeting.slot) or meeting.slot not in slot_of:
            raise ScheduleInputError(
                f"{path}.slot",
                Message(
                    "固定约见“{r}”的时间段“{s}”不存在。", "Unknown slot '{s}' in the fixed meeting of '{r}'."
                ).format(r=meeting.request, s=meeting.slot),
            )
        s = slot_of[meeting.slot]
        t = _table_index(problem.table_labels, meeting.table, f"{path}.table", meeting.request)
        for p in problem.ends[r]:
            pid = participant_ids[p]
            if s in unavailable[p]:
                raise ScheduleInputError(
                    f"{path}.slot",
                    Message(
                        "固定约见“{r}”冲突：参与方“{p}”在时间段“{s}”不可用。",
                        "The fixed meeting '{r}' conflicts: participant '{p}' is unavailable in slot '{s}'.",
                    ).format(r=meeting.request, p=pid, s=meeting.slot),
                )
            if (p, s) in busy:
                raise ScheduleInputError(
                    f"{path}.slot",
                    Message(
                        "固定约见“{r}”冲突：参与方“{p}”在时间段“{s}”已有 fixed[{j}]。",
                        "The fixed meeting '{r}' conflicts: participant '{p}' already has fixed[{j}] in slot '{s}'.",
                    ).format(r=meeting.request, p=pid, s=meeting.slot, j=busy[p, s]),
                )
            count[p] += 1
            cap = problem.caps[p]
            if cap is not None and count[p] > cap:
                raise ScheduleInputError(
                    path,
                    Message(
                        "固定约见“{r}”冲突：参与方“{p}”的固定约见超过其上限 max_meetings={cap}。",
                        "The fixed meeting '{r}' conflicts: participant '{p}' would have more fixed meetings than "
                        "max_meetings={cap}.",
                    ).format(r=meeting.request, p=pid, cap=cap),
                )
        if (s, t) in table_user:
            raise ScheduleInputError(
                f"{path}.table",
                Message(
                    "固定约见“{r}”冲突：时间段“{s}”的桌子 {t} 已被 fixed[{j}] 占用。",
                    "The fixed meeting '{r}' conflicts: table {t} in slot '{s}' is already taken by fixed[{j}].",
                ).format(r=meeting.request, s=meeting.slot, t=meeting.table, j=table_user[s, t]),
            )
        where[r] = i
        table_user[s, t] = i
        for p in problem.ends[r]:
            busy[p, s] = i
        fixed[r] = (s, t)
    return fixed


def _table_index(labels: list[TableLabel], table: Any, path: str, request: Id) -> int:
    numbered = isinstance(labels[0], int)
    if numbered and isinstance(table, int) and not isinstance(table, bool) and 1 <= table <= len(labels):
        return table - 1
    if not numbered and isinstance(table, str) and table in labels:
        return labels.index(table)
    expected = (
        Message("1 到 {n} 的桌号", "a table number from 1 to {n}").format(n=len(labels))
        if numbered
        else Message("tables 中的桌名", "one of the table names in `tables`")
    )
    raise ScheduleInputError(
        path,
        Message(
            "固定约见“{r}”的桌子“{t}”不存在（应为{e}）。",
            "Unknown table '{t}' in the fixed meeting of '{r}' (expected {e}).",
        ).format(r=request, t=table, e=expected),
    )


# --------------------------------------------------------------------------- weights


def _weight_scale(weights: Sequence[float]) -> tuple[float, list[int], float]:
    """Integer weights for CP-SAT: (scale, scaled weights, worst rounding error in original units)."""
    decimals = min(max((_decimals(w) for w in weights), default=0), MAX_DECIMALS)
    scale = 10.0**decimals
    total = math.fsum(weights)
    if total * scale > MAX_SCALED_TOTAL:  # huge weights: keep fewer digits rather than overflow
        scale = 10.0 ** math.floor(math.log10(MAX_SCALED_TOTAL / total))
    scaled = [round(w * scale) for w in weights]
    error = math.fsum(abs(w - s / scale) for w, s in zip(weights, scaled, strict=True))
    return scale, scaled, error


def _decimals(weight: float) -> int:
    """Decimal places of the shortest repr (2.5 → 1, 3.0 → 0, 1e-07 → 7): what the user typed."""
    exponent = Decimal(repr(float(weight))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# --------------------------------------------------------------------------- solving


def default_workers() -> int:
    """CP-SAT search workers: one per available core, at most 8 (more rarely pays off here)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def schedule(
    instance: EventInstance,
    *,
    time_limit: float = 10.0,
    fair: bool = False,
    num_workers: int | None = None,
    seed: int = 0,
    lp_relaxation: bool = True,
) -> Schedule:
    """Schedule the requests to maximise total weight (after the fewest-meetings minimum, when `fair`).

    `time_limit` bounds the solving time in seconds (model building adds a little);
    `num_workers` and `seed` go to CP-SAT; `lp_relaxation=False` leaves out the LP step (CP-SAT
    alone: for comparison and tests). Raises ScheduleInputError for invalid instances.
    """
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    started = time.perf_counter()
    problem = _prepare(instance)
    model = _Model(problem)
    workers = num_workers or default_workers()
    hint = _improve(problem, _greedy(problem))
    stages: list[Stage] = []
    if fair and problem.schedulable:
        hint, first = _raise_minimum(model, hint, time_limit * FAIR_FIRST_STAGE_SHARE, workers, seed)
        stages.append(first)
        time_limit = max(time_limit - first.seconds, 0.1 * time_limit)
    outcome = model.maximise_weight(hint, time_limit, workers, seed, lp_relaxation)
    # The solver has no reason to seat weight-0 requests; seat them anyway where a table is idle.
    chosen = _greedy(problem, outcome.chosen)
    objective = math.fsum(problem.weights[r] for r in chosen)
    bound = _bound(problem, model, objective, outcome.bound, outcome.status)
    if stages:
        stages.append(Stage("weight", outcome.status, objective, bound, outcome.seconds))
    return Schedule(
        meetings=_assign_tables(problem, chosen),
        objective=objective,
        bound=bound,
        status=outcome.status,
        gap=_gap(objective, bound),
        seconds=time.perf_counter() - started,
        min_meetings=_min_meetings(problem, chosen),
        stages=tuple(stages),
    )


def _raise_minimum(
    model: _Model, hint: dict[int, int], time_limit: float, workers: int, seed: int
) -> tuple[dict[int, int], Stage]:
    """Fair stage 1: maximise the fewest meetings, then hold that minimum in the model for stage 2.

    Returns stage 2's starting schedule: stage 1's, with the meetings the minimum does not need
    swapped for heavier ones (stage 1 ignores weight, so its schedule alone is a poor start).
    """
    outcome = model.maximise_minimum(hint, time_limit, workers, seed)
    minimum = _min_meetings(model.problem, outcome.chosen) or 0
    model.hold_minimum(minimum)
    start = _improve(
        model.problem, _greedy(model.problem, _needed_for_minimum(model.problem, outcome.chosen, minimum)), minimum
    )
    bound = max(minimum, math.floor(outcome.bound + 1e-9))
    return start, Stage("min_meetings", outcome.status, minimum, bound, outcome.seconds)


def _needed_for_minimum(problem: _Problem, chosen: Mapping[int, int], minimum: int) -> dict[int, int]:
    """Drop meetings, lightest first, while everyone keeps at least `minimum` (fixed ones stay)."""
    kept = dict(chosen)
    count: dict[int, int] = defaultdict(int)
    for r in chosen:
        for p in problem.ends[r]:
            count[p] += 1
    for r in sorted(chosen, key=lambda r: problem.weights[r]):
        if r not in problem.fixed and all(count[p] > minimum for p in problem.ends[r]):
            del kept[r]
            for p in problem.ends[r]:
                count[p] -= 1
    return kept


@dataclass
class _Row:
    """A constraint lo ≤ Σ x[v] ≤ hi over some of the model's booleans (every coefficient is 1)."""

    vars: list[int]
    lo: int = 0
    hi: int | None = None


@dataclass
class _Outcome:
    chosen: dict[int, int]  # request → slot
    status: str
    bound: float  # in the objective's units: scaled weight, or meetings in fair stage 1
    seconds: float


class _Model:
    """The model of the module docstring. Its constraints are kept as rows too, so the LP
    relaxation (GLOP) and CP-SAT solve exactly the same model."""

    def __init__(self, problem: _Problem):
        self.problem = problem
        self.scale, self.request_weights, self.rounding_error = _weight_scale(problem.weights)
        self.pairs = [(r, s) for r, slots in enumerate(problem.candidates) for s in slots]  # boolean v ↔ (r, s)
        self.weights = [self.request_weights[r] for r, _s in self.pairs]
        self.fixed = [v for v, (r, s) in enumerate(self.pairs) if problem.fixed.get(r, (None,))[0] == s]
        self.of_participant: dict[int, list[int]] = defaultdict(list)
        self.rows = self._base_rows()
        self.minimum = 0
        self._cp: cp_model.CpModel | None = None
        self.x: list[cp_model.IntVar] = []

    @property
    def cp(self) -> cp_model.CpModel:
        """The CP-SAT model, built on first use: when the LP bound proves the start optimal, never."""
        if self._cp is None:
            self._cp = cp_model.CpModel()
            self.x = [self._cp.new_bool_var("") for _ in self.pairs]
            for row in self.rows:
                self._add_to_cp(row)
            for v in self.fixed:
                self._cp.add(self.x[v] == 1)
        return self._cp

    def _base_rows(self) -> list[_Row]:
        problem = self.problem
        by_request: dict[int, list[int]] = defaultdict(list)
        by_person_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
        by_slot: dict[int, list[int]] = defaultdict(list)
        for v, (r, s) in enumerate(self.pairs):
            by_request[r].append(v)
            by_slot[s].append(v)
            for p in problem.ends[r]:
                by_person_slot[p, s].append(v)
                self.of_participant[p].append(v)
        rows = [_Row(vs, hi=1) for vs in (*by_request.values(), *by_person_slot.values()) if len(vs) > 1]
        # Rows that cannot bind are left out: they would only slow the LP down.
        rows += [_Row(vs, hi=problem.table_count) for vs in by_slot.values() if len(vs) > problem.table_count]
        rows += [
            _Row(self.of_participant[p], hi=cap)
            for p, cap in enumerate(problem.caps)
            if cap is not None and len(self.of_participant[p]) > cap
        ]
        return rows

    def _add_to_cp(self, row: _Row) -> None:
        variables = [self.x[v] for v in row.vars]
        if row.lo == 0 and row.hi == 1:
            self.cp.add_at_most_one(variables)
        else:
            upper = row.hi if row.hi is not None else len(variables)
            self.cp.add_linear_constraint(cp_model.LinearExpr.sum(variables), row.lo, upper)

    def maximise_minimum(self, hint: dict[int, int], time_limit: float, workers: int, seed: int) -> _Outcome:
        """Fair stage 1, with CP-SAT alone."""
        problem = self.problem
        z = self.cp.new_int_var(0, problem.slot_count, "min_meetings")
        for p in problem.schedulable:
            self.cp.add(z <= cp_model.LinearExpr.sum([self.x[v] for v in self.of_participant[p]]))
        self.cp.maximize(z)
        return self._search(hint, time_limit, workers, seed)

    def hold_minimum(self, minimum: int) -> None:
        """From now on everyone who could meet gets at least `minimum` meetings (stage 1's result)."""
        self.minimum = minimum
        if minimum > 0:
            for p in sorted(self.problem.schedulable):
                row = _Row(self.of_participant[p], lo=minimum)
                self.rows.append(row)
                if self._cp is not None:  # else it goes in with the other rows when the model is built
                    self._add_to_cp(row)

    def maximise_weight(
        self, hint: dict[int, int], time_limit: float, workers: int, seed: int, lp_relaxation: bool = True
    ) -> _Outcome:
        """Solve the LP relaxation, start from the better of `hint` and the rounded LP schedule, and
        let CP-SAT search only if the LP bound does not already prove that start optimal."""
        started = time.perf_counter()
        relaxation = self._relaxation(time_limit * LP_SHARE) if lp_relaxation else None
        lp_bound = math.inf
        if relaxation is not None:
            lp_bound, values = relaxation
            rounded = self._rounded(values)
            if rounded is not None and self.value(rounded) > self.value(hint):
                hint = rounded
        spent = time.perf_counter() - started
        if self.value(hint) >= lp_bound:
            return _Outcome(hint, "optimal", lp_bound, spent)
        self.cp.maximize(cp_model.LinearExpr.weighted_sum(self.x, self.weights))
        outcome = self._search(hint, max(time_limit - spent, 0.1 * time_limit), workers, seed)
        outcome.bound = min(outcome.bound, lp_bound)
        if self.value(outcome.chosen) >= outcome.bound:  # the LP bound can prove what CP-SAT has not yet
            outcome.status = "optimal"
        outcome.seconds += spent
        return outcome

    def value(self, chosen: Mapping[int, int]) -> int:
        return sum(self.request_weights[r] for r in chosen)

    def _relaxation(self, time_limit: float) -> tuple[int, list[float]] | None:
        """The LP relaxation by GLOP: (a bound on the scaled optimum, the LP's values), or None.

        On these models it is usually integral or nearly so: its rounding is often optimal, and
        GLOP solves it in about a second where CP-SAT's own LP takes far longer to converge.
        """
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:
            return None
        lp.SetTimeLimit(max(1, int(time_limit * 1000)))
        xs = [lp.NumVar(0.0, 1.0, "") for _ in self.pairs]
        for v in self.fixed:
            xs[v].SetLb(1.0)
        constraints = []
        for row in self.rows:
            constraint = lp.Constraint(
                float(row.lo) if row.lo else -lp.infinity(), float(row.hi) if row.hi is not None else lp.infinity()
            )
            for v in row.vars:
                constraint.SetCoefficient(xs[v], 1.0)
            constraints.append(constraint)
        objective = lp.Objective()
        for v, weight in enumerate(self.weights):
            objective.SetCoefficient(xs[v], float(weight))
        objective.SetMaximization()
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return self._dual_bound([c.dual_value() for c in constraints]), [x.solution_value() for x in xs]

    def _dual_bound(self, duals: Sequence[float]) -> int:
        """A bound from the LP's dual values that GLOP's tolerances cannot make wrong.

        For any multipliers u ≥ 0 on the ≤ rows and l ≥ 0 on the ≥ rows (Lagrangian relaxation),
        max over x ∈ [lb, 1] of w·x − Σ u (a·x − hi) + Σ l (a·x − lo) bounds the integer optimum;
        GLOP's duals only make it tight. The scaled optimum is an integer, so the bound is floored
        (after a margin for floating-point sums).
        """
        reduced = [float(w) for w in self.weights]
        parts = []
        for row, dual in zip(self.rows, duals, strict=True):
            if row.hi is not None:
                multiplier, rhs, sign = max(dual, 0.0), row.hi, -1.0
            else:
                multiplier, rhs, sign = max(-dual, 0.0), row.lo, 1.0
            if multiplier:
                parts.append(-sign * multiplier * rhs)
                for v in row.vars:
                    reduced[v] += sign * multiplier
        fixed = set(self.fixed)
        parts.extend(rc for v, rc in enumerate(reduced) if rc > 0 or v in fixed)
        bound = math.fsum(parts)
        return math.floor(bound + 1e-9 * (1.0 + math.fsum(abs(p) for p in parts)))

    def _rounded(self, values: Sequence[float]) -> dict[int, int] | None:
        """The LP's schedule made integral: its (request, slot) pairs by LP value; then, for anyone
        left under the fair minimum, their requests by LP value; then greedy and local search."""
        problem = self.problem
        table = _Timetable(problem, {r: s for r, (s, _t) in problem.fixed.items()})
        by_value = sorted(range(len(self.pairs)), key=lambda v: -values[v])
        for v in by_value:
            r, s = self.pairs[v]
            if values[v] > 0.5 and r not in table.slot_of and table.fits(r, s):
                table.add(r, s)
        for v in by_value if self.minimum else ():
            r, s = self.pairs[v]
            short = any(table.count[p] < self.minimum for p in problem.ends[r])
            if short and r not in table.slot_of and table.fits(r, s):
                table.add(r, s)
        chosen = _improve(problem, _greedy(problem, table.slot_of), self.minimum)
        return chosen if (_min_meetings(problem, chosen) or 0) >= self.minimum else None

    def _search(self, hint: dict[int, int], time_limit: float, workers: int, seed: int) -> _Outcome:
        """CP-SAT from `hint` (a feasible schedule)."""
        self.cp.clear_hints()
        for v, (r, s) in enumerate(self.pairs):
            self.cp.add_hint(self.x[v], hint.get(r) == s)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        code = solver.solve(self.cp)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {r: s for v, (r, s) in enumerate(self.pairs) if solver.boolean_value(self.x[v])}
            status = "optimal" if code == cp_model.OPTIMAL else "feasible"
            return _Outcome(chosen, status, solver.best_objective_bound, solver.wall_time)
        if code == cp_model.UNKNOWN:  # nothing found in time: the hint is feasible, keep it
            return _Outcome(dict(hint), "feasible", solver.best_objective_bound, solver.wall_time)
        # Validation refuses everything that could make the model infeasible: this is a bug.
        raise RuntimeError(f"CP-SAT returned {solver.status_name(code)} for a validated instance")


def _bound(problem: _Problem, model: _Model, objective: float, scaled_bound: float, status: str) -> float:
    """The bound in original units (widened by any rounding of the weights)."""
    if status == "optimal" and model.rounding_error == 0:
        return objective  # the same number; avoid a float hair between the two sums
    if not math.isfinite(scaled_bound):  # no bound known: every request that could be met, met
        return math.fsum(w for w, slots in zip(problem.weights, problem.candidates, strict=True) if slots)
    return max(objective, scaled_bound / model.scale + model.rounding_error)


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - objective) / bound)


def _min_meetings(problem: _Problem, chosen: Mapping[int, int]) -> int | None:
    if not problem.schedulable:
        return None
    meetings: dict[int, int] = defaultdict(int)
    for r in chosen:
        for p in problem.ends[r]:
            meetings[p] += 1
    return min(meetings[p] for p in problem.schedulable)


def _assign_tables(problem: _Problem, chosen: Mapping[int, int]) -> list[Meeting]:
    """Give each slot's meetings tables: fixed ones keep theirs, the others take the free ones in order."""
    table_of: dict[int, int] = {}
    taken: dict[int, set[int]] = defaultdict(set)
    for r, (s, t) in problem.fixed.items():
        table_of[r] = t
        taken[s].add(t)
    free = {s: iter([t for t in range(problem.table_count) if t not in taken[s]]) for s in range(problem.slot_count)}
    for r in sorted(chosen):
        if r not in table_of:
            table_of[r] = next(free[chosen[r]])  # the capacity constraint guarantees a free table
    instance = problem.instance
    order = sorted(chosen, key=lambda r: (chosen[r], table_of[r]))
    return [
        Meeting(instance.requests[r].id, instance.slots[chosen[r]].id, problem.table_labels[table_of[r]]) for r in order
    ]


# --------------------------------------------------------------------------- greedy baseline


def greedy_schedule(instance: EventInstance) -> Schedule:
    """Baseline: fixed meetings first, then the highest weight first, each into its first feasible slot."""
    started = time.perf_counter()
    problem = _prepare(instance)
    chosen = _greedy(problem)
    objective = math.fsum(problem.weights[r] for r in chosen)
    return Schedule(
        meetings=_assign_tables(problem, chosen),
        objective=objective,
        bound=None,
        status="feasible",
        gap=None,
        seconds=time.perf_counter() - started,
        min_meetings=_min_meetings(problem, chosen),
    )


def _greedy(problem: _Problem, start: Mapping[int, int] | None = None) -> dict[int, int]:
    """Add requests, heaviest first, to `start` (default: the fixed meetings), each in its first free slot."""
    table = _Timetable(problem, start if start is not None else {r: s for r, (s, _t) in problem.fixed.items()})
    for r in sorted(range(len(problem.ends)), key=lambda r: -problem.weights[r]):
        if r not in table.slot_of:
            table.place_anywhere(r)
    return table.slot_of


class _Timetable:
    """A schedule being edited by the heuristics: who meets in which slot, and how often."""

    def __init__(self, problem: _Problem, chosen: Mapping[int, int]):
        self.problem = problem
        self.slot_of: dict[int, int] = {}
        self.busy: dict[tuple[int, int], int] = {}  # (participant, slot) → request
        self.in_slot: list[set[int]] = [set() for _ in range(problem.slot_count)]
        self.count = [0] * len(problem.caps)
        for r, s in chosen.items():
            self.add(r, s)

    def fits(self, r: int, s: int) -> bool:
        problem = self.problem
        return len(self.in_slot[s]) < problem.table_count and all(
            (p, s) not in self.busy and (problem.caps[p] is None or self.count[p] < problem.caps[p])
            for p in problem.ends[r]
        )

    def place_anywhere(self, r: int, avoid: int = -1) -> bool:
        for s in self.problem.candidates[r]:
            if s != avoid and self.fits(r, s):
                self.add(r, s)
                return True
        return False

    def add(self, r: int, s: int) -> None:
        self.slot_of[r] = s
        self.in_slot[s].add(r)
        for p in self.problem.ends[r]:
            self.busy[p, s] = r
            self.count[p] += 1

    def remove(self, r: int) -> int:
        s = self.slot_of.pop(r)
        self.in_slot[s].discard(r)
        for p in self.problem.ends[r]:
            del self.busy[p, s]
            self.count[p] -= 1
        return s


def _improve(problem: _Problem, chosen: Mapping[int, int], minimum: int = 0, passes: int = 10) -> dict[int, int]:
    """Local search on a schedule: insert an unmet request into a slot, moving or dropping what blocks it.

    CP-SAT's bound on these models is tight, but on two cores its own search improves a schedule
    slowly (each LNS step re-presolves a model of |requests| × |slots| booleans), so a better
    start matters. A move puts request r into slot s, takes out the meetings blocking it there
    (r's two sides' meetings in s and, if s is full, its lightest meeting), then re-seats each
    of those in another slot if one is free; it is kept when the weight grows and everyone who
    could meet still has `minimum` meetings. Fixed meetings never move.
    """
    table = _Timetable(problem, chosen)
    weights = problem.weights
    for _ in range(passes):
        improved = False
        for r in sorted(range(len(problem.ends)), key=lambda r: -weights[r]):
            if r not in table.slot_of and weights[r] > 0:
                improved |= any(_try_insert(table, r, s, minimum) for s in problem.candidates[r])
        if not improved:
            break
    return table.slot_of


def _try_insert(table: _Timetable, r: int, s: int, minimum: int) -> bool:
    problem = table.problem
    blockers = {table.busy.get((p, s)) for p in problem.ends[r]} - {None}
    if any(e in problem.fixed for e in blockers) or sum(problem.weights[e] for e in blockers) >= problem.weights[r]:
        return False
    if len(table.in_slot[s]) - len(blockers) >= problem.table_count:  # full: the lightest meeting gives way
        movable = [e for e in table.in_slot[s] if e not in blockers and e not in problem.fixed]
        if not movable:
            return False
        blockers.add(min(movable, key=lambda e: problem.weights[e]))
    for e in blockers:
        table.remove(e)
    if not table.fits(r, s):  # a side is at max_meetings
        for e in blockers:
            table.add(e, s)
        return False
    table.add(r, s)
    dropped = [e for e in blockers if not table.place_anywhere(e, avoid=s)]
    keeps_minimum = all(table.count[p] >= minimum for e in dropped for p in problem.ends[e] if p in problem.schedulable)
    if keeps_minimum and problem.weights[r] - sum(problem.weights[e] for e in dropped) > 1e-9:
        return True
    table.remove(r)  # undo: the blockers go back where they were
    for e in blockers:
        if e in table.slot_of:
            table.remove(e)
        table.add(e, s)
    return False


# --------------------------------------------------------------------------- display


def describe(instance: EventInstance, result: Schedule) -> Iterable[str]:
    """Readable lines: the totals, then per slot each table → request (a – b)."""
    requests = {r.id: r for r in instance.requests}
    by_slot: dict[Id, list[Meeting]] = defaultdict(list)
    for meeting in result.meetings:
        by_slot[meeting.slot].append(meeting)
    quality = (
        f"bound {result.bound:g}, gap {result.gap:.2%}, {result.status}" if result.bound is not None else result.status
    )
    yield (
        f"{len(result.meetings)} of {len(instance.requests)} requests scheduled; weight {result.objective:g} "
        f"({quality}) in {result.seconds:.2f} s"
    )
    for stage in result.stages:
        yield f"  stage {stage.name}: {stage.value:g} (bound {stage.bound:g}, {stage.status})"
    for slot in instance.slots:
        when = f" {slot.start or ''}–{slot.end or ''}" if slot.start or slot.end else ""
        yield f"{slot.id}{when}:"
        for meeting in by_slot.get(slot.id, []):
            request = requests[meeting.request]
            yield f"  table {meeting.table} → {request.id} {request.a} – {request.b}"
