"""/api/v1/investment-credit: the 30 % investment credit calculator (stores nothing; no login)."""

from __future__ import annotations

from matchmaker import credit
from matchmaker.schemas.credit import InvestmentCreditInSchema, InvestmentCreditOutSchema
from matchmaker.web.api.blueprint import Blueprint

URL = "/investment-credit"
blp = Blueprint(
    "investment_credit",
    __name__,
    description="Estimate the 30 % investment credit of pilot enterprises (产教融合型企业, 财税〔2019〕46号).",
)


@blp.post("")
@blp.arguments(InvestmentCreditInSchema)
@blp.response(200, InvestmentCreditOutSchema)
def calculate_investment_credit(data):
    """Work out, year by year, the credit against the education surcharges and what carries forward.

    Each year's qualifying investment in vocational education earns a credit of 30 % of it, used
    against that year's education surcharge and local education surcharge (教育费附加、地方教育附加);
    the unused part carries forward, the oldest credit used first. Give each year's surcharges due,
    or the VAT and consumption tax paid (the surcharges are then 3 % + 2 % of it). An estimate,
    not tax advice: the tax office decides.
    """
    return credit.calculate_credit(data["years"])
