"""Status changes: for each kind of record, one table of the statuses it may move to from each status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matchmaker.errors import InvalidInput, Message


@dataclass(frozen=True)
class Transitions:
    """Which status may follow which; `labels` are the Chinese names users see."""

    labels: Mapping[str, str]
    allowed: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        unknown = {s for targets in self.allowed.values() for s in targets} | set(self.allowed)
        if unknown - set(self.labels):
            raise ValueError(f"statuses without a label: {sorted(unknown - set(self.labels))}")

    def can(self, current: str, wanted: str) -> bool:
        """Staying in a status is always allowed (re-publishing renews a posting, for one)."""
        return wanted == current or wanted in self.allowed.get(current, frozenset())

    def require(self, current: str, wanted: str) -> None:
        """Raise InvalidInput on `status` unless `current` may become `wanted`."""
        if wanted not in self.labels:
            raise InvalidInput(
                {
                    "status": [
                        Message("状态须为：{choices}。", "Status must be one of: {choices}.").format(
                            choices="、".join(self.labels.values())
                        )
                    ]
                }
            )
        if not self.can(current, wanted):
            raise InvalidInput(
                {
                    "status": [
                        Message(
                            "不能从「{current}」改为「{wanted}」。", "Cannot change from {current} to {wanted}."
                        ).format(current=self.labels.get(current, current), wanted=self.labels[wanted])
                    ]
                }
            )


POSTING_STATUS = Transitions(
    labels={"draft": "草稿", "published": "已发布", "closed": "已关闭"},
    allowed={
        "draft": frozenset({"published", "closed"}),
        "published": frozenset({"draft", "closed"}),
        "closed": frozenset({"published", "draft"}),
    },
)

EVENT_STATUS = Transitions(
    labels={"draft": "筹备中", "open": "报名中", "closed": "已结束", "published": "日程已发布"},
    allowed={
        "draft": frozenset({"open", "closed"}),
        "open": frozenset({"draft", "closed", "published"}),
        # A published schedule is not taken back: it can be published again after changes, or the event ends.
        "published": frozenset({"closed"}),
        "closed": frozenset({"open", "published"}),
    },
)

# Cooperation projects: signed → approved (立项) → in progress → closed (结题); stopped (终止) from any open step.
PROJECT_STATUS = Transitions(
    labels={"agreement": "签订协议", "approved": "立项", "in_progress": "实施中", "closed": "结题", "stopped": "终止"},
    allowed={
        "agreement": frozenset({"approved", "stopped"}),
        "approved": frozenset({"in_progress", "stopped"}),
        "in_progress": frozenset({"closed", "stopped"}),
        "closed": frozenset(),
        "stopped": frozenset(),
    },
)

# The demonstration library (示范项目库): nominated → published (入库) or declined (未入选); a declined
# project may be nominated again. A project never nominated has no library status.
LIBRARY_STATUS = Transitions(
    labels={"nominated": "已推荐", "published": "已入库", "declined": "未入选"},
    allowed={
        "nominated": frozenset({"published", "declined"}),
        "published": frozenset(),
        "declined": frozenset({"nominated"}),
    },
)
