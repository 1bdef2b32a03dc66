"""POST /api/v1/investment-credit: the 30 % investment credit, year by year, with field errors by path."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

URL = "/api/v1/investment-credit"


def post(client, body):
    return client.post(URL, json=body)


def test_works_out_each_year_and_the_totals_without_a_login(client):
    # 2020: 2,000,000 → earned 600,000; due 250,000 → used 250,000; carry 350,000.
    # 2021 (VAT + consumption tax 4,000,000 → due 120,000 + 80,000 = 200,000): earned 0;
    #       used 200,000 of 2020's credit; carry 150,000.
    # 2023 (2022 not given): 100,000 → earned 30,000; available 180,000; due 200,000 → used 180,000
    #       (150,000 of 2020, then 30,000 of 2023); payable 20,000; carry 0.
    response = post(
        client,
        {
            "years": [
                {"year": 2023, "investment": 100000, "surcharges_due": 200000},
                {"year": 2020, "investment": "2000000.00", "surcharges_due": 250000},
                {"year": 2021, "investment": 0, "tax_paid": 4000000},
            ]
        },
    )

    assert response.status_code == 200, response.json
    body = response.json
    assert [y["year"] for y in body["years"]] == [2020, 2021, 2023]
    assert body["years"][1] == {
        "year": 2021,
        "investment": 0,
        "tax_paid": 4000000,
        "surcharges_due": 200000,
        "credit_earned": 0,
        "credit_carried_in": 350000,
        "credit_available": 350000,
        "credit_used": 200000,
        "credit_used_from": [{"earned_in": 2020, "amount": 200000}],
        "carry_forward": 150000,
        "surcharges_payable": 0,
    }
    last = body["years"][2]
    assert last["tax_paid"] is None
    assert last["credit_used_from"] == [{"earned_in": 2020, "amount": 150000}, {"earned_in": 2023, "amount": 30000}]
    assert (last["credit_used"], last["surcharges_payable"], last["carry_forward"]) == (180000, 20000, 0)
    assert body["totals"] == {
        "investment": 2100000,
        "surcharges_due": 650000,
        "credit_earned": 630000,
        "credit_used": 630000,
        "surcharges_payable": 20000,
        "carry_forward": 0,
    }


def test_amounts_are_exact_to_the_fen_as_json_numbers(client):
    # 0.1 (a JSON float) is 0.10 yuan: 30 % = 0.03. 1,234.55 × 30 % = 370.365 → 370.37 (half up).
    # The largest totals (50 years × 999,999,999,999.99) still read back exactly as doubles.
    small = post(client, {"years": [{"year": 2021, "investment": 0.1, "surcharges_due": 0}]}).json
    rounded = post(client, {"years": [{"year": 2021, "investment": "1234.55", "surcharges_due": "0.01"}]}).json
    largest = post(
        client,
        {"years": [{"year": 2019 + n, "investment": 999999999999.99, "surcharges_due": 0} for n in range(50)]},
    )

    assert small["years"][0]["credit_earned"] == 0.03
    assert rounded["years"][0]["credit_earned"] == 370.37
    assert rounded["years"][0]["carry_forward"] == 370.36
    assert isinstance(rounded["years"][0]["carry_forward"], float)  # a number, not a string
    total = json.loads(largest.get_data(as_text=True), parse_float=Decimal)["totals"]
    assert total["investment"] == Decimal("49999999999999.50")  # 50 × 999,999,999,999.99
    assert total["credit_earned"] == Decimal("15000000000000.00")  # 50 × 300,000,000,000.00 (299,999,999,999.997)


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.json
    found: dict[str, list[str]] = {}
    for error in response.json["errors"]:
        assert error["message"] and error["message_zh"]
        found.setdefault(error["field"], []).append(error["message_zh"])
    return found


GOOD = {"year": 2021, "investment": 1000, "surcharges_due": 100}


@pytest.mark.parametrize(
    ("second", "field", "message"),
    [
        ({"investment": -1}, "years.1.investment", "不能为负数"),
        ({"surcharges_due": "一百元"}, "years.1.surcharges_due", "请填写数字金额"),
        ({"investment": True}, "years.1.investment", "请填写数字金额"),
        ({"investment": [1]}, "years.1.investment", "请填写数字金额"),
        ({"investment": "NaN"}, "years.1.investment", "NaN 或无穷大"),
        ({"surcharges_due": "-Infinity"}, "years.1.surcharges_due", "NaN 或无穷大"),
        ({"investment": None}, "years.1.investment", "不能为空值"),
        ({"investment": ""}, "years.1.investment", "请填写金额"),
        ({"investment": 1.234}, "years.1.investment", "最多保留两位小数"),
        ({"investment": "0.001"}, "years.1.investment", "最多保留两位小数"),
        ({"investment": 1e12 + 0.01}, "years.1.investment", "金额过大"),
        ({"surcharges_due": 1e300}, "years.1.surcharges_due", "金额过大"),
        ({"year": 2018}, "years.1.year", "2019 到 2100"),
        ({"year": 2101}, "years.1.year", "2019 到 2100"),
        ({"year": "2022"}, "years.1.year", "年度应为整数"),
        ({"year": 2022.5}, "years.1.year", "年度应为整数"),
        ({"year": 2021}, "years.1.year", "2021 年已填写过"),
        ({"surcharges_due": None, "tax_paid": 100}, "years.1.surcharges_due", "不能为空值"),
        ({"tax_paid": 100}, "years.1.tax_paid", "只能填写一项"),
        ({"rate": 0.5}, "years.1.rate", "未知字段"),
    ],
)
def test_a_bad_field_is_named_by_its_path(client, second, field, message):
    year = {**GOOD, "year": 2022, **second}

    found = errors_of(post(client, {"years": [GOOD, year]}))

    assert list(found) == [field]
    assert message in found[field][0]


@pytest.mark.parametrize(
    ("year", "field", "message"),
    [
        ({"year": 2022, "surcharges_due": 1}, "years.0.investment", "缺少必填字段"),
        ({"investment": 1, "surcharges_due": 1}, "years.0.year", "缺少必填字段"),
        ({"year": 2022, "investment": 1}, "years.0.surcharges_due", "二选一"),
    ],
)
def test_a_missing_number_is_named(client, year, field, message):
    found = errors_of(post(client, {"years": [year]}))

    assert list(found) == [field] and message in found[field][0]


def test_nan_and_infinity_literals_are_refused_by_field(client):
    body = '{"years": [{"year": 2021, "investment": NaN, "surcharges_due": Infinity}]}'

    found = errors_of(client.post(URL, data=body, content_type="application/json"))

    assert set(found) == {"years.0.investment", "years.0.surcharges_due"}
    assert all("NaN 或无穷大" in messages[0] for messages in found.values())


def test_a_repeated_year_is_reported_with_the_other_errors_on_the_later_one(client):
    years = [{**GOOD, "investment": -5}, {**GOOD, "investment": "x"}, {**GOOD, "year": 2022}]

    found = errors_of(post(client, {"years": years}))

    assert found == {
        "years.0.investment": ["金额不能为负数。"],
        "years.1.investment": ["请填写数字金额（单位：元）。"],
        "years.1.year": ["2021 年已填写过，每个年度只能填一次。"],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"years": []}, "请至少填写一个年度"),
        ({"years": [{**GOOD, "year": 2019 + n} for n in range(51)]}, "最多填写 50 个年度"),
        ({"years": {"2021": GOOD}}, "不是有效的列表"),
        ({}, "缺少必填字段"),
    ],
)
def test_the_list_of_years_is_checked_as_a_whole(client, body, message):
    found = errors_of(post(client, body))

    assert list(found) == ["years"] and message in found["years"][0]


def test_fifty_years_are_accepted(client):
    response = post(client, {"years": [{**GOOD, "year": 2019 + n} for n in range(50)]})

    assert response.status_code == 200
    assert len(response.json["years"]) == 50


def test_the_openapi_document_lists_the_calculator_with_its_schemas(client):
    spec = client.get("/api/openapi.json").json

    operation = spec["paths"]["/api/v1/investment-credit"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvestmentCreditIn"
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvestmentCreditOut"
    }
    assert "422" in operation["responses"] and "security" not in operation
    year_in = spec["components"]["schemas"]["CreditYearIn"]
    assert set(year_in["required"]) == {"year", "investment"}
    assert year_in["properties"]["year"]["minimum"] == 2019
    assert year_in["properties"]["tax_paid"]["type"] == "number"
    assert "carry_forward" in spec["components"]["schemas"]["CreditYearOut"]["properties"]
