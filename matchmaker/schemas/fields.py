"""Fields that validate against the taxonomy and report problems in Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from marshmallow import ValidationError, fields

from matchmaker.errors import Message
from matchmaker.taxonomy import UnknownTerm, get_taxonomy, normalize_term

EMPTY = Message("不能为空。", "Must not be empty.")
TOO_LONG = Message("不能超过 {max} 个字符（现为 {length} 个）。", "Must be at most {max} characters (got {length}).")
TOO_SHORT = Message("至少需要 {min} 个字符。", "Must be at least {min} characters.")
NOT_ONE_OF = Message("须为以下之一：{choices}。", "Must be one of: {choices}.")
CHOOSE_ONE = Message("请选择：{choices}。", "Choose one of: {choices}.")
OUT_OF_RANGE = Message("须在 {min} 到 {max} 之间。", "Must be between {min} and {max}.")
UNKNOWN_SECTOR = Message(
    "未知的产业「{value}」，请使用产业代码或中文名称。",
    "Unknown sector {value!r}: use a sector code or its Chinese name.",
)
UNKNOWN_REGION = Message(
    "未知的地区「{value}」，请使用贵州省的行政区划代码或中文名称。",
    "Unknown region {value!r}: use a Guizhou administrative code or name.",
)
UNKNOWN_CATEGORY = Message("未知的类别「{value}」，可选：{choices}。", "Unknown category {value!r}: one of {choices}.")
UNKNOWN_TAG = Message(
    "未知的标签「{value}」，应为 major:专业代码 或 occupation:职业代码。",
    "Unknown tag {value!r}: use major:<major code> or occupation:<occupation code>.",
)
DUPLICATE_ITEMS = Message("包含重复项。", "Contains duplicates.")
UNPRINTABLE = Message(
    "含有无法显示或保存的字符（第 {position} 个字符，{code}），请删除后再提交。",
    "Contains a character that cannot be shown or stored (character {position}, {code}); remove it.",
)
# Control characters other than tab and line breaks (they break spreadsheets and terminals), and
# lone UTF-16 surrogates (they cannot be encoded at all).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Text(fields.String):
    """A string with surrounding space stripped, a length limit and, unless optional, non-empty."""

    def __init__(self, *, max_length: int, min_length: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_length, self.min_length = max_length, min_length
        self.metadata.setdefault("maxLength", max_length)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        bad = _UNPRINTABLE.search(text)
        if bad:
            raise ValidationError(UNPRINTABLE.format(position=bad.start() + 1, code=f"U+{ord(bad.group()):04X}"))
        if not text and self.min_length > 0:
            raise ValidationError(EMPTY)
        if len(text) > self.max_length:
            raise ValidationError(TOO_LONG.format(max=self.max_length, length=len(text)))
        if 0 < len(text) < self.min_length:
            raise ValidationError(TOO_SHORT.format(min=self.min_length))
        return text


class Choice(fields.String):
    """One of a fixed set of codes (direction, status, kind, role …); `labels` name them for users."""

    def __init__(
        self,
        choices: tuple[str, ...],
        *,
        labels: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.choices, self._labels = tuple(choices), labels or {}
        self.metadata.setdefault("enum", list(self.choices))

    @property
    def labels(self) -> Mapping[str, str]:
        """Chinese names of the codes; a callable is read when needed (the taxonomy loads on first use)."""
        return self._labels() if callable(self._labels) else self._labels

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        given = super()._deserialize(value, attr, data, **kwargs).strip()
        by_label = {normalize_term(label): code for code, label in self.labels.items()}
        text = by_label.get(normalize_term(given), given.lower())  # a code, or its Chinese name (企业, 省级 …)
        if text not in self.choices:
            raise ValidationError(choice_message(CHOOSE_ONE if not text else NOT_ONE_OF, self.choices, self.labels))
        return text


def choice_message(message: Message, codes: Iterable[str], labels: Mapping[str, str]) -> Message:
    """`message` listing the choices: users read their Chinese names, developers the codes."""
    codes = tuple(codes)
    return Message(
        message.zh.format(choices="、".join(labels.get(c, c) for c in codes)),
        message.en.format(choices=", ".join(codes)),
    )


class Bounded(fields.Integer):
    """An integer within [minimum, maximum]; strict (no "5" for 5) unless told otherwise, as for query strings."""

    def __init__(self, minimum: int, maximum: int, *, strict: bool = True, **kwargs: Any):
        super().__init__(strict=strict, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.metadata.update(minimum=minimum, maximum=maximum)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(OUT_OF_RANGE.format(min=self.minimum, max=self.maximum))
        return number


# Ids are 64-bit database integers: a larger number names no row (and SQLite would overflow on it).
MAX_ID = 2**63 - 1


class Id(Bounded):
    """A row id: a positive 64-bit integer."""

    def __init__(self, *, strict: bool = True, **kwargs: Any):
        super().__init__(1, MAX_ID, strict=strict, **kwargs)


class TaxonomyTerm(fields.String):
    """A taxonomy term given by code or Chinese name; loads as the code, or names the problem."""

    description = ""
    unknown = Message("", "")
    empty = Message("", "")  # what an input left empty is told

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        if self.description:
            self.metadata.setdefault("description", self.description)

    def resolve(self, text: str) -> str:
        raise NotImplementedError

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            raise ValidationError(self.problem(self.empty, text))
        try:
            return self.resolve(text)
        except UnknownTerm:
            raise ValidationError(self.problem(self.unknown, text)) from None

    def problem(self, message: Message, value: str) -> Message:
        return message.format(value=value)


class SectorCode(TaxonomyTerm):
    description = "Sector code (e.g. `tea`) or Chinese name (e.g. 茶叶)."
    unknown = UNKNOWN_SECTOR
    empty = Message("请选择产业。", "Choose a sector.")

    def resolve(self, text: str) -> str:
        return get_taxonomy().resolve_sector(text)


class RegionCode(TaxonomyTerm):
    """Loads as the 6-digit administrative code."""

    description = "Administrative code (520102, 5201, 52) or name (南明区, 贵阳市)."
    unknown = UNKNOWN_REGION
    empty = Message("请选择地区。", "Choose a region.")

    def resolve(self, text: str) -> str:
        return get_taxonomy().resolve_region(text)


class CategoryCode(TaxonomyTerm):
    unknown = UNKNOWN_CATEGORY
    empty = Message("请选择类别：{choices}。", "Choose a category: {choices}.")

    def problem(self, message: Message, value: str) -> Message:
        categories = get_taxonomy().categories
        return Message(
            message.zh.format(value=value, choices="、".join(c.name for c in categories.values())),
            message.en.format(value=value, choices=", ".join(categories)),
        )

    def resolve(self, text: str) -> str:
        return get_taxonomy().resolve_category(text)


class SectorList(fields.List):
    """A list of sectors without duplicates (after resolving names to codes)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("load_default", list)
        super().__init__(SectorCode(), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        codes = super()._deserialize(value, attr, data, **kwargs)
        if len(set(codes)) != len(codes):
            raise ValidationError(DUPLICATE_ITEMS)
        return codes


class CrosswalkTag(fields.String):
    """A `major:<code>` or `occupation:<code>` tag the crosswalk knows."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        from matchmaker.text.crosswalk import describe_tag

        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if describe_tag(text) is None:
            raise ValidationError(UNKNOWN_TAG.format(value=text))
        return text


class TagTerms(fields.List):
    """Dumps tags as `[{tag, kind, code, name}]`."""

    def __init__(self, **kwargs: Any):
        super().__init__(fields.Dict(), **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[dict[str, str]] | None:
        from matchmaker.text.crosswalk import describe_tag

        if value is None:
            return None
        return [described for tag in value if (described := describe_tag(tag)) is not None]
