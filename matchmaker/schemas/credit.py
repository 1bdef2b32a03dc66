"""The investment credit calculator's input and output (POST /api/v1/investment-credit and its page).

Amounts are yuan. In: a JSON number or a numeric string ("1000000.5"), at least 0, at most
MAX_AMOUNT, with at most two decimals; loaded as exact `Decimal` (a JSON float is read as the
decimal it prints as, so 0.1 is 0.10, not 0.1000000000000000055…). Out: JSON numbers with at most
two decimals. Amounts are capped so that every total (at most MAX_YEARS × MAX_AMOUNT = 5e13) stays
below 2**53 fen, where a double still tells every fen apart: the numbers a client parses are the
exact amounts.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validates_schema

from matchmaker.credit import FEN, YearInput
from matchmaker.errors import Message

MIN_YEAR = 2019  # 财税〔2019〕46号 applies from 2019
MAX_YEAR = 2100
MAX_YEARS = 50
MAX_AMOUNT = Decimal(10) ** 12  # 1 万亿元 a year

NOT_A_NUMBER = Message("请填写数字金额（单位：元）。", "Not a valid number (an amount in yuan).")
EMPTY_AMOUNT = Message("请填写金额；没有请填 0。", "Enter an amount; 0 if there is none.")
NOT_FINITE = Message("不能是 NaN 或无穷大，请填写实际金额。", "NaN and infinity are not amounts.")
NEGATIVE = Message("金额不能为负数。", "Must not be negative.")
TOO_LARGE = Message("金额过大：每项每年最多 1 万亿元（1000000000000 元）。", "Too large: at most 1e12 yuan.")
TOO_PRECISE = Message("最多保留两位小数（精确到分）。", "At most two decimals (to the fen).")
YEAR_NOT_INTEGER = Message("年度应为整数，如 2021。", "The year must be a whole number, e.g. 2021.")
YEAR_OUT_OF_RANGE = Message(
    "年度须在 {min} 到 {max} 之间（该政策自 2019 年起施行）。",
    "The year must be between {min} and {max} (the rule applies from 2019).",
)
DUPLICATE_YEAR = Message("{year} 年已填写过，每个年度只能填一次。", "The year {year} is given twice.")
NO_YEARS = Message("请至少填写一个年度。", "Give at least one year.")
TOO_MANY_YEARS = Message("最多填写 {max} 个年度。", "At most {max} years.")
NEITHER = Message(
    "请填写附加税费应缴额，或填写增值税、消费税实缴额（二选一）。",
    "Give surcharges_due or tax_paid (one of the two).",
)
BOTH = Message(
    "附加税费应缴额与增值税、消费税实缴额只能填写一项。",
    "Give either surcharges_due or tax_paid, not both.",
)


class Money(fields.Field):
    """An amount in yuan, loaded as a Decimal to the fen; see the module docstring for what is accepted."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.metadata.setdefault("type", "number")
        self.metadata.setdefault("minimum", 0)
        self.metadata.setdefault("maximum", int(MAX_AMOUNT))
        self.metadata.setdefault("multipleOf", 0.01)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError(NOT_A_NUMBER)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(NOT_FINITE)
        if isinstance(value, str) and not value.strip():
            raise ValidationError(EMPTY_AMOUNT)
        try:
            # repr: a float reads as the decimal it prints as (0.1 → 0.1), not its binary expansion.
            amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except (InvalidOperation, ValueError):  # ValueError: an int too long to print
            raise ValidationError(NOT_A_NUMBER) from None
        if not amount.is_finite():
            raise ValidationError(NOT_FINITE)
        if amount < 0:
            raise ValidationError(NEGATIVE)
        if amount > MAX_AMOUNT:
            raise ValidationError(TOO_LARGE)
        if amount != amount.quantize(FEN):  # exact here: the amount is at most 1e12
            raise ValidationError(TOO_PRECISE)
        return amount.quantize(FEN)


class Year(fields.Integer):
    """A calendar year the rule applies to: a whole number from MIN_YEAR to MAX_YEAR (2021, not "2021")."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)
        self.metadata.update(minimum=MIN_YEAR, maximum=MAX_YEAR)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError(YEAR_NOT_INTEGER)
        try:
            year = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(YEAR_NOT_INTEGER) from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(YEAR_OUT_OF_RANGE.format(min=MIN_YEAR, max=MAX_YEAR))
        return year


class CreditYearInSchema(Schema):
    year = Year(required=True)
    investment = Money(
        required=True,
        metadata={"description": "Qualifying investment in vocational education this year, yuan (0 if none)."},
    )
    surcharges_due = Money(
        metadata={
            "description": "Education surcharge + local education surcharge due this year, yuan. "
            "Give this or `tax_paid`, not both."
        }
    )
    tax_paid = Money(
        metadata={
            "description": "VAT + consumption tax paid this year, yuan; the surcharges due are then 3 % + 2 % of it "
            "(each rounded to the fen). Give this or `surcharges_due`, not both."
        }
    )

    @validates_schema
    def one_basis(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "surcharges_due" in data and "tax_paid" in data:
            raise ValidationError(BOTH, "tax_paid")
        if "surcharges_due" not in data and "tax_paid" not in data:
            raise ValidationError(NEITHER, "surcharges_due")

    @post_load
    def make_year(self, data: dict[str, Any], **kwargs: Any) -> YearInput:
        return YearInput(**data)


class CreditYears(fields.List):
    """1 to MAX_YEARS years, each year once: a repeated year is an error on the later one's `year`.

    Repeats are found among the raw values too, so they are reported together with other field errors.
    """

    def __init__(self, **kwargs: Any):
        super().__init__(fields.Nested(CreditYearInSchema), **kwargs)
        self.metadata.update(minItems=1, maxItems=MAX_YEARS)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[YearInput]:
        if isinstance(value, list):
            if not value:
                raise ValidationError(NO_YEARS)
            if len(value) > MAX_YEARS:
                raise ValidationError(TOO_MANY_YEARS.format(max=MAX_YEARS))
        errors: dict[int, Any] = {}
        try:
            loaded = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            if not isinstance(error.messages, dict):
                raise
            errors, loaded = dict(error.messages), None
        seen: set[int] = set()
        for index, item in enumerate(value):
            year = item.get("year") if isinstance(item, dict) else None
            if not isinstance(year, int) or isinstance(year, bool):
                continue
            if year in seen:
                errors.setdefault(index, {}).setdefault("year", []).append(DUPLICATE_YEAR.format(year=year))
            seen.add(year)
        if errors:
            raise ValidationError(errors)
        return loaded


class InvestmentCreditInSchema(Schema):
    """The years to work out, in any order; a year left out has neither investment nor surcharges."""

    years = CreditYears(required=True)


class CreditUseSchema(Schema):
    earned_in = fields.Integer(metadata={"description": "The year the credit was earned."})
    amount = fields.Float(metadata={"description": "Yuan of that year's credit used."})


class CreditYearOutSchema(Schema):
    year = fields.Integer()
    investment = fields.Float()
    tax_paid = fields.Float(allow_none=True, metadata={"description": "As given; null when surcharges_due was given."})
    surcharges_due = fields.Float(metadata={"description": "Given, or 3 % + 2 % of tax_paid."})
    credit_earned = fields.Float(metadata={"description": "30 % of the investment."})
    credit_carried_in = fields.Float(metadata={"description": "Unused credit of earlier years."})
    credit_available = fields.Float(metadata={"description": "credit_carried_in + credit_earned."})
    credit_used = fields.Float(metadata={"description": "Used against this year's surcharges."})
    credit_used_from = fields.List(
        fields.Nested(CreditUseSchema),
        metadata={"description": "Whose credit was used: the oldest first (FIFO), this year's last."},
    )
    carry_forward = fields.Float(metadata={"description": "Unused at the end of the year; carries forward."})
    surcharges_payable = fields.Float(metadata={"description": "surcharges_due − credit_used."})


class CreditTotalsSchema(Schema):
    investment = fields.Float()
    surcharges_due = fields.Float()
    credit_earned = fields.Float()
    credit_used = fields.Float()
    surcharges_payable = fields.Float()
    carry_forward = fields.Float(metadata={"description": "Still unused after the last year."})


class InvestmentCreditOutSchema(Schema):
    """Each given year in ascending order, and the totals. Amounts are yuan, JSON numbers to the fen."""

    years = fields.List(fields.Nested(CreditYearOutSchema))
    totals = fields.Nested(CreditTotalsSchema)
