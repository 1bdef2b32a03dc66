"""Calculators anyone may use (no login; nothing is stored): the 30 % investment credit (投资抵免测算).

The form is a table of year rows, posted back to the same page. Rows left empty are ignored.
"再加一行" re-renders the form with one more row, so the page works without JavaScript. The rows
become the JSON that POST /api/v1/investment-credit takes and are validated by the same schema,
so a bad amount reads the same here as in the API; its message shows beside its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from matchmaker import credit
from matchmaker.errors import Message, flatten_errors
from matchmaker.schemas.credit import MAX_YEAR, MAX_YEARS, MIN_YEAR, InvestmentCreditInSchema

bp = Blueprint("tools", __name__, url_prefix="/tools")

START_ROWS = 5
BASES = {"surcharges_due": "附加税费应缴额", "tax_paid": "增值税+消费税实缴额"}
COLUMNS = {"year": "年度", "investment": "投资额", "amount": "金额"}
# "1,234,567.89" as people write it (full-width commas too); any other comma is left for the schema to refuse.
GROUPED = re.compile(r"\d{1,3}([,，]\d{3})+(\.\d*)?")
YEAR_DIGITS = re.compile(r"[0-9]{1,6}")  # a longer number is not a year: the schema says so about the text


@dataclass
class Row:
    """One year row of the form, as typed."""

    year: str = ""
    investment: str = ""
    basis: str = "surcharges_due"
    amount: str = ""

    def is_empty(self) -> bool:
        return not (self.year or self.investment or self.amount)

    def as_input(self) -> dict[str, Any]:
        """The row as one item of the API's `years`."""
        data: dict[str, Any] = {"investment": plain_amount(self.investment), self.basis: plain_amount(self.amount)}
        if self.year:
            data["year"] = int(self.year) if YEAR_DIGITS.fullmatch(self.year) else self.year
        return data


@dataclass
class FormState:
    rows: list[Row]
    errors: dict[str, list[Message]] = field(default_factory=dict)  # by input name: "investment-2"
    summary: list[tuple[str, str]] = field(default_factory=list)  # (input id or "", message) at the top


def plain_amount(text: str) -> str:
    """The amount without thousands separators ("1,000,000" → "1000000"); anything else as typed."""
    return re.sub("[,，]", "", text) if GROUPED.fullmatch(text) else text


def submitted_rows() -> list[Row]:
    """The rows of the posted form (at most MAX_YEARS), or START_ROWS empty ones."""
    count = request.form.get("row_count", "")
    count = min(max(int(count), 1), MAX_YEARS) if re.fullmatch("[0-9]{1,3}", count) else START_ROWS
    rows = []
    for index in range(count):
        basis = request.form.get(f"basis-{index}", "surcharges_due")
        rows.append(
            Row(
                year=request.form.get(f"year-{index}", "").strip(),
                investment=request.form.get(f"investment-{index}", "").strip(),
                basis=basis if basis in BASES else "surcharges_due",
                amount=request.form.get(f"amount-{index}", "").strip(),
            )
        )
    return rows


def calculate(rows: list[Row]) -> tuple[credit.CreditResult | None, FormState]:
    """Validate the filled rows with the API's schema and work out the credit, or say what is wrong where."""
    filled = [index for index, row in enumerate(rows) if not row.is_empty()]
    state = FormState(rows=rows)
    try:
        data = InvestmentCreditInSchema().load({"years": [rows[index].as_input() for index in filled]})
    except ValidationError as error:
        listed = []  # (row, column order, input id, message): the summary reads in the form's order
        for path, message in flatten_errors(error.messages):
            parts = path.split(".")
            if len(parts) < 3 or not parts[1].isdigit():  # about the list as a whole
                listed.append((-1, 0, "", message.zh))
                continue
            row = filled[int(parts[1])]
            column = "amount" if parts[2] in BASES else parts[2]
            name = f"{column}-{row}"
            state.errors.setdefault(name, []).append(message)
            order = list(COLUMNS).index(column) if column in COLUMNS else len(COLUMNS)
            listed.append((row, order, name, f"第 {row + 1} 行 · {COLUMNS.get(column, column)}：{message.zh}"))
        state.summary = [(name, text) for _, _, name, text in sorted(listed, key=lambda item: item[:2])]
        return None, state
    return credit.calculate_credit(data["years"]), state


def yuan(amount: Decimal | None) -> str:
    """An amount for people: 1234567.5 → 1,234,567.50."""
    return "" if amount is None else f"{amount:,.2f}"


@bp.route("/investment-credit", methods=["GET", "POST"])
def investment_credit():
    """投资抵免测算: the form, and after a submission the year-by-year result or the field errors."""
    rows = submitted_rows() if request.method == "POST" else [Row() for _ in range(START_ROWS)]
    result, state, focus, status = None, FormState(rows=rows), None, 200
    if request.method == "POST" and request.form.get("action") == "add_row":
        if len(rows) < MAX_YEARS:
            rows.append(Row())
            focus = len(rows) - 1
    elif request.method == "POST":
        result, state = calculate(rows)
        if result is None:
            status = 422
    return (
        render_template(
            "tools/investment_credit.html",
            form=state,
            result=result,
            focus=focus,
            bases=BASES,
            max_rows=MAX_YEARS,
            min_year=MIN_YEAR,
            max_year=MAX_YEAR,
            yuan=yuan,
        ),
        status,
    )
