"""The 30 % investment credit of pilot enterprises (产教融合型企业), worked out year by year.

The rule (财税〔2019〕46号《关于调整完善产教融合型企业税收优惠政策的通知》, applied in Guizhou by
黔发改社会〔2020〕472号): a pilot enterprise's qualifying investment in vocational education in a
year earns a credit of 30 % of that investment. The credit is used against the education surcharge
(教育费附加, 3 % of the VAT and consumption tax paid) and the local education surcharge (地方教育附加,
2 %) due that year; what cannot be used carries forward to later years (the notice lets the unused
part carry forward; this calculator carries it indefinitely).

Money is exact: `Decimal`, rounded to the fen (0.01 yuan) half up. Years are processed in
ascending order; credit carried in from earlier years is used first, oldest first (FIFO), then the
year's own. A year that is not given has neither investment nor surcharges: the carried credit
passes through it unchanged.

Pure: no Flask, no database. Inputs are validated by `matchmaker.schemas.credit`; this module only
refuses what would make the arithmetic meaningless (negative amounts, one year twice).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
CREDIT_RATE = Decimal("0.30")  # of the year's qualifying investment
EDUCATION_SURCHARGE_RATE = Decimal("0.03")  # 教育费附加, of the VAT and consumption tax paid
LOCAL_EDUCATION_SURCHARGE_RATE = Decimal("0.02")  # 地方教育附加
ZERO = Decimal("0.00")


def to_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (0.005 → 0.01), as amounts on a tax return are."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def surcharges_from_tax(tax_paid: Decimal) -> Decimal:
    """The education surcharge (3 %) plus the local education surcharge (2 %) on the VAT and consumption tax paid.

    Each surcharge is declared on its own line and rounded to the fen there, so each is rounded
    before they are added (on 0.10 yuan of tax both round to 0.00, where 5 % at once would be 0.01).
    """
    return to_fen(tax_paid * EDUCATION_SURCHARGE_RATE) + to_fen(tax_paid * LOCAL_EDUCATION_SURCHARGE_RATE)


@dataclass(frozen=True)
class YearInput:
    """One year as the enterprise gives it: the investment and either the surcharges due or the tax paid."""

    year: int
    investment: Decimal
    surcharges_due: Decimal | None = None
    tax_paid: Decimal | None = None  # VAT + consumption tax paid; the surcharges due are then 5 % of it

    def due(self) -> Decimal:
        """The education surcharge and local education surcharge due this year, before any credit."""
        if (self.surcharges_due is None) == (self.tax_paid is None):
            raise ValueError(f"{self.year}: give either surcharges_due or tax_paid")
        if self.tax_paid is not None:
            return surcharges_from_tax(self.tax_paid)
        return to_fen(self.surcharges_due)


@dataclass(frozen=True)
class CreditUse:
    """Part of a year's credit used: `amount` of the credit earned in `earned_in`."""

    earned_in: int
    amount: Decimal


@dataclass(frozen=True)
class YearResult:
    year: int
    investment: Decimal
    tax_paid: Decimal | None  # as given, or None when the surcharges due were given
    surcharges_due: Decimal
    credit_earned: Decimal  # 30 % of this year's investment
    credit_carried_in: Decimal  # unused credit of earlier years
    credit_available: Decimal  # carried in + earned
    credit_used: Decimal  # against this year's surcharges
    credit_used_from: tuple[CreditUse, ...]  # which years' credit was used, oldest first
    carry_forward: Decimal  # unused at the end of the year, for later years
    surcharges_payable: Decimal  # due − used


@dataclass(frozen=True)
class CreditTotals:
    investment: Decimal
    surcharges_due: Decimal
    credit_earned: Decimal
    credit_used: Decimal
    surcharges_payable: Decimal
    carry_forward: Decimal  # still unused after the last year


@dataclass(frozen=True)
class CreditResult:
    years: tuple[YearResult, ...]
    totals: CreditTotals


def calculate_credit(years: Iterable[YearInput]) -> CreditResult:
    """Work out each year's credit, its use against the surcharges and what carries forward."""
    given = sorted(years, key=lambda item: item.year)
    seen = [item.year for item in given]
    if len(set(seen)) != len(seen):
        raise ValueError("each year may be given only once")
    lots: deque[list] = deque()  # [year earned, unused amount], oldest first
    results = []
    for item in given:
        amounts = [item.investment, item.surcharges_due, item.tax_paid]
        if any(amount is not None and amount < 0 for amount in amounts):
            raise ValueError(f"{item.year}: amounts must not be negative")
        due = item.due()
        carried_in = sum((lot[1] for lot in lots), ZERO)
        earned = to_fen(item.investment * CREDIT_RATE)
        if earned > 0:
            lots.append([item.year, earned])
        available = carried_in + earned
        used = min(available, due)
        uses, left = [], used
        while left > 0:  # FIFO: the oldest credit first, this year's last
            lot = lots[0]
            take = min(lot[1], left)
            uses.append(CreditUse(earned_in=lot[0], amount=take))
            lot[1] -= take
            left -= take
            if lot[1] == 0:
                lots.popleft()
        results.append(
            YearResult(
                year=item.year,
                investment=to_fen(item.investment),
                tax_paid=None if item.tax_paid is None else to_fen(item.tax_paid),
                surcharges_due=due,
                credit_earned=earned,
                credit_carried_in=carried_in,
                credit_available=available,
                credit_used=used,
                credit_used_from=tuple(uses),
                carry_forward=available - used,
                surcharges_payable=due - used,
            )
        )
    totals = CreditTotals(
        investment=sum((r.investment for r in results), ZERO),
        surcharges_due=sum((r.surcharges_due for r in results), ZERO),
        credit_earned=sum((r.credit_earned for r in results), ZERO),
        credit_used=sum((r.credit_used for r in results), ZERO),
        surcharges_payable=sum((r.surcharges_payable for r in results), ZERO),
        carry_forward=results[-1].carry_forward if results else ZERO,
    )
    return CreditResult(years=tuple(results), totals=totals)
