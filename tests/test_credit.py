"""The 30 % investment credit rule (matchmaker.credit), checked against examples worked by hand.

Each example's arithmetic is written out beside it: 30 % of the investment is earned, used against
the year's education surcharges (oldest credit first), the rest carries forward.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from matchmaker.credit import CreditUse, YearInput, calculate_credit, surcharges_from_tax


def year(year: int, investment: str, due: str | None = None, tax: str | None = None) -> YearInput:
    return YearInput(
        year=year,
        investment=D(investment),
        surcharges_due=None if due is None else D(due),
        tax_paid=None if tax is None else D(tax),
    )


def row(result, year_number: int):
    return next(r for r in result.years if r.year == year_number)


def test_a_credit_smaller_than_the_surcharges_is_used_up_in_its_own_year():
    # 2021: 500,000 invested → earned 30 % = 150,000; due 200,000 → used 150,000,
    # payable 200,000 − 150,000 = 50,000, nothing carried forward.
    result = calculate_credit([year(2021, "500000", due="200000")])

    only = row(result, 2021)
    assert only.credit_earned == D("150000.00")
    assert only.credit_carried_in == D("0.00")
    assert only.credit_available == D("150000.00")
    assert only.credit_used == D("150000.00")
    assert only.credit_used_from == (CreditUse(2021, D("150000.00")),)
    assert only.carry_forward == D("0.00")
    assert only.surcharges_payable == D("50000.00")


def test_a_large_credit_is_used_over_several_years_and_then_runs_out():
    # 2020: 2,000,000 → earned 600,000; due 250,000 → used 250,000; carry 350,000; payable 0.
    # 2021: 0 → earned 0; available 350,000; due 200,000 → used 200,000; carry 150,000; payable 0.
    # 2022: 100,000 → earned 30,000; available 150,000 + 30,000 = 180,000; due 180,000 → used 180,000
    #       (the 150,000 left of 2020 first, then 30,000 of 2022's own); carry 0; payable 0.
    # 2023: 0 → nothing available; due 100,000 → used 0; payable 100,000.
    result = calculate_credit(
        [
            year(2020, "2000000", due="250000"),
            year(2021, "0", due="200000"),
            year(2022, "100000", due="180000"),
            year(2023, "0", due="100000"),
        ]
    )

    table = [
        (r.year, r.credit_earned, r.credit_available, r.credit_used, r.carry_forward, r.surcharges_payable)
        for r in result.years
    ]
    assert table == [
        (2020, D("600000.00"), D("600000.00"), D("250000.00"), D("350000.00"), D("0.00")),
        (2021, D("0.00"), D("350000.00"), D("200000.00"), D("150000.00"), D("0.00")),
        (2022, D("30000.00"), D("180000.00"), D("180000.00"), D("0.00"), D("0.00")),
        (2023, D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("100000.00")),
    ]
    assert row(result, 2022).credit_used_from == (CreditUse(2020, D("150000.00")), CreditUse(2022, D("30000.00")))
    # Totals: invested 2,100,000; due 250,000 + 200,000 + 180,000 + 100,000 = 730,000;
    # earned 630,000 = used 630,000; payable 100,000; nothing left.
    totals = result.totals
    assert (totals.investment, totals.surcharges_due, totals.credit_earned) == (
        D("2100000.00"),
        D("730000.00"),
        D("630000.00"),
    )
    assert (totals.credit_used, totals.surcharges_payable, totals.carry_forward) == (
        D("630000.00"),
        D("100000.00"),
        D("0.00"),
    )


def test_the_oldest_credit_is_used_first():
    # 2019: 1,000 → earned 300, due 0 → carry 300 (of 2019).
    # 2020: 2,000 → earned 600, due 0 → carry 900 (300 of 2019, 600 of 2020).
    # 2021: 100 → earned 30; due 500 → used 300 of 2019 + 200 of 2020; carry 400 (2020) + 30 (2021) = 430.
    # 2022: 0; due 1,000 → used 400 of 2020 + 30 of 2021 = 430; payable 1,000 − 430 = 570.
    result = calculate_credit(
        [
            year(2019, "1000", due="0"),
            year(2020, "2000", due="0"),
            year(2021, "100", due="500"),
            year(2022, "0", "1000"),
        ]
    )

    assert row(result, 2021).credit_used_from == (CreditUse(2019, D("300.00")), CreditUse(2020, D("200.00")))
    assert row(result, 2021).carry_forward == D("430.00")
    assert row(result, 2022).credit_used_from == (CreditUse(2020, D("400.00")), CreditUse(2021, D("30.00")))
    assert row(result, 2022).surcharges_payable == D("570.00")


def test_a_year_with_no_surcharge_due_carries_its_whole_credit_forward():
    # 2019: 100,000 → earned 30,000; due 0 → used 0, payable 0, carry 30,000.
    # 2020: 0; due 12,345.67 → available 30,000 → used 12,345.67; carry 17,654.33; payable 0.
    result = calculate_credit([year(2019, "100000", due="0"), year(2020, "0", due="12345.67")])

    first, second = result.years
    assert (first.credit_used, first.carry_forward, first.surcharges_payable) == (D("0.00"), D("30000.00"), D("0.00"))
    assert second.credit_carried_in == D("30000.00")
    assert (second.credit_used, second.carry_forward, second.surcharges_payable) == (
        D("12345.67"),
        D("17654.33"),
        D("0.00"),
    )
    assert result.totals.carry_forward == D("17654.33")


def test_the_surcharges_can_be_derived_from_the_vat_and_consumption_tax_paid():
    # VAT + consumption tax 4,000,000 → education surcharge 3 % = 120,000, local 2 % = 80,000 → due 200,000.
    # 1,000,000 invested → earned 300,000 → used 200,000; carry 100,000; payable 0.
    result = calculate_credit([year(2021, "1000000", tax="4000000")])

    only = row(result, 2021)
    assert only.tax_paid == D("4000000.00")
    assert only.surcharges_due == D("200000.00")
    assert (only.credit_used, only.carry_forward, only.surcharges_payable) == (D("200000.00"), D("100000.00"), D("0"))


def test_each_surcharge_is_rounded_to_the_fen_before_they_are_added():
    # 123.45 of tax: 3 % = 3.7035 → 3.70; 2 % = 2.469 → 2.47; due 6.17.
    assert surcharges_from_tax(D("123.45")) == D("6.17")
    # 0.10 of tax: 3 % = 0.003 → 0.00; 2 % = 0.002 → 0.00; due 0.00 (5 % at once would round 0.005 up to 0.01).
    assert surcharges_from_tax(D("0.10")) == D("0.00")
    # 0.30 of tax: 3 % = 0.009 → 0.01; 2 % = 0.006 → 0.01; due 0.02.
    assert surcharges_from_tax(D("0.30")) == D("0.02")


def test_a_gap_between_years_passes_the_carried_credit_through_unchanged():
    # 2019: 1,000,000 → earned 300,000; due 100,000 → used 100,000; carry 200,000.
    # 2020 and 2021 not given: nothing invested, nothing due; the 200,000 waits.
    # 2022: 0; due 150,000 → used 150,000 of 2019's credit; carry 50,000; payable 0.
    # Given out of order: worked out in ascending order all the same.
    result = calculate_credit([year(2022, "0", due="150000"), year(2019, "1000000", due="100000")])

    assert [r.year for r in result.years] == [2019, 2022]
    later = row(result, 2022)
    assert later.credit_carried_in == D("200000.00")
    assert later.credit_used_from == (CreditUse(2019, D("150000.00")),)
    assert (later.carry_forward, later.surcharges_payable) == (D("50000.00"), D("0.00"))


def test_the_credit_is_rounded_half_up_to_the_fen():
    # 1,234.55 × 30 % = 370.365 → 370.37 (half up; rounding half to even would give 370.36).
    # 0.35 × 30 % = 0.105 → 0.11.
    # 2020: due 100 → used 100; carry 270.37. 2021: available 270.37 + 0.11 = 270.48; due 270.48 → payable 0.
    result = calculate_credit([year(2020, "1234.55", due="100"), year(2021, "0.35", due="270.48")])

    assert row(result, 2020).credit_earned == D("370.37")
    assert row(result, 2020).carry_forward == D("270.37")
    assert row(result, 2021).credit_earned == D("0.11")
    assert (row(result, 2021).credit_used, row(result, 2021).carry_forward) == (D("270.48"), D("0.00"))
    assert result.totals.credit_earned == D("370.48")


def test_amounts_come_back_to_the_fen():
    result = calculate_credit([year(2021, "10", due="1.5")])

    assert str(row(result, 2021).surcharges_payable) == "0.00"
    assert str(row(result, 2021).carry_forward) == "1.50"


@pytest.mark.parametrize(
    "years",
    [
        [year(2021, "1", due="1"), year(2021, "2", due="2")],
        [year(2021, "-1", due="1")],
        [year(2021, "1", due="1", tax="1")],
        [year(2021, "1")],
    ],
    ids=["same-year-twice", "negative", "both-bases", "no-basis"],
)
def test_input_that_makes_no_sense_is_refused(years):
    with pytest.raises(ValueError):
        calculate_credit(years)
