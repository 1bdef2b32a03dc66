"""The 投资抵免测算 page: year rows in, the year-by-year result out, messages beside the fields."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.helpers import beside, text

URL = "/tools/investment-credit"


class Tables(HTMLParser):
    """The text of every table cell, by table class: {"credit-result": [[cell, …], …]}."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = dict(attrs).get("class", "")
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[self.current][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def result_rows(response) -> list[dict[str, str]]:
    """The result table's rows (the totals last), each as {column heading: cell text}."""
    header, *rows = Tables(text(response)).tables["credit-result"]
    return [dict(zip(header, row, strict=True)) for row in rows]


def form(*rows: tuple[str, str, str, str], count: int = 5, action: str = "calculate") -> dict[str, str]:
    """The posted form: rows of (year, investment, basis, amount); the rest of `count` rows left empty."""
    data = {"row_count": str(count), "action": action}
    for index in range(count):
        year, investment, basis, amount = rows[index] if index < len(rows) else ("", "", "surcharges_due", "")
        data.update({f"year-{index}": year, f"investment-{index}": investment, f"basis-{index}": basis})
        data[f"amount-{index}"] = amount
    return data


def said(response) -> str:
    """What the page says: its text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def input_values(page: str, prefix: str) -> list[str]:
    return re.findall(rf'name="{prefix}-\d+" value="([^"]*)"', page)


def test_the_page_offers_five_year_rows_and_states_the_rule_and_its_source(client):
    response = client.get(URL)
    page = text(response)

    assert response.status_code == 200
    assert len(input_values(page, "year")) == 5
    assert 'name="csrf_token"' in page
    assert page.count('type="radio"') == 10 and "附加税费应缴额" in page and "增值税+消费税实缴额" in page
    assert "财税〔2019〕46号《关于调整完善产教融合型企业税收优惠政策的通知》" in page
    assert "黔发改社会〔2020〕472号" in page
    assert "投资额的 30%" in page and "以后年度继续抵免" in page
    assert "仅为估算" in page and "以主管税务机关的认定为准" in page
    assert "credit-result" not in page  # no result before a submission


def test_the_footer_links_to_the_calculator(client):
    assert f'<a href="{URL}">投资抵免测算</a>' in text(client.get("/"))


def test_a_submitted_form_shows_each_year_and_the_totals(client):
    # Row 1, 2021: 1,000,000 → earned 300,000; due 200,000 → used 200,000; carry 100,000; payable 0.
    # Row 2 left empty (ignored). Row 3, 2022: VAT + consumption tax 3,000,000 → due 90,000 + 60,000 = 150,000;
    #   nothing invested; available 100,000 (carried) → used 100,000; payable 50,000; carry 0.
    response = client.post(
        URL,
        data=form(
            ("2021", "1,000,000", "surcharges_due", "200000"),
            ("", "", "tax_paid", ""),
            ("2022", "0", "tax_paid", "3000000"),
        ),
    )

    assert response.status_code == 200
    first, second, totals = result_rows(response)
    assert first == {
        "年度": "2021",
        "投资额": "1,000,000.00",
        "应缴附加": "200,000.00",
        "新增抵免额": "300,000.00",
        "可抵免额": "300,000.00",
        "本年抵免": "200,000.00",
        "结转以后年度": "100,000.00",
        "抵免后应缴附加": "0.00",
    }
    assert second == {
        "年度": "2022",
        "投资额": "0.00",
        "应缴附加": "150,000.00 按增值税、消费税 3,000,000.00 的 3% + 2%",
        "新增抵免额": "0.00",
        "可抵免额": "100,000.00 含以前年度结转 100,000.00",
        "本年抵免": "100,000.00 其中 2021 年结转 100,000.00",
        "结转以后年度": "0.00",
        "抵免后应缴附加": "50,000.00",
    }
    assert totals == {
        "年度": "合计",
        "投资额": "1,000,000.00",
        "应缴附加": "350,000.00",
        "新增抵免额": "300,000.00",
        "可抵免额": "—",
        "本年抵免": "300,000.00",
        "结转以后年度": "0.00 2022 年末余额",
        "抵免后应缴附加": "50,000.00",
    }
    page = text(response)
    assert "已抵免附加 300,000.00 元，抵免后共应缴附加 50,000.00 元。 到 2022 年末抵免额已全部用完。" in said(response)
    assert input_values(page, "year")[:3] == ["2021", "", "2022"]  # the form keeps what was typed
    assert re.search(r'name="basis-2" value="tax_paid"\s+checked', page)


def test_credit_left_at_the_end_is_reported_as_carried_forward(client):
    # 2020: 100,000 → earned 30,000; due 10,000 → carry 20,000 at the end.
    response = client.post(URL, data=form(("2020", "100000", "surcharges_due", "10000")))

    assert "到 2020 年末尚有 20,000.00 元未抵免，可结转到以后年度继续抵免。" in said(response)


def test_bad_fields_show_their_message_beside_them_and_nothing_is_worked_out(client):
    response = client.post(
        URL,
        data=form(
            ("2021", "1000", "surcharges_due", "100"),
            ("2018", "-5", "surcharges_due", "1.234"),
            ("", "", "surcharges_due", ""),
            ("2021", "abc", "tax_paid", ""),
        ),
    )

    assert response.status_code == 422
    assert beside(response) == {
        "year-1": ["年度须在 2019 到 2100 之间（该政策自 2019 年起施行）。"],
        "investment-1": ["金额不能为负数。"],
        "amount-1": ["最多保留两位小数（精确到分）。"],
        "year-3": ["2021 年已填写过，每个年度只能填一次。"],
        "investment-3": ["请填写数字金额（单位：元）。"],
        "amount-3": ["请填写金额；没有请填 0。"],
    }
    page = text(response)
    assert "credit-result" not in page
    assert 'id="investment-1" name="investment-1" value="-5"' in page and 'aria-invalid="true"' in page
    summary = re.findall(r'<li class="error"><a href="#([^"]+)">([^<]+)</a>', page)
    assert summary[:2] == [
        ("year-1", "第 2 行 · 年度：年度须在 2019 到 2100 之间（该政策自 2019 年起施行）。"),
        ("investment-1", "第 2 行 · 投资额：金额不能为负数。"),
    ]
    assert len(summary) == 6


def test_a_form_with_only_empty_rows_asks_for_a_year(client):
    response = client.post(URL, data=form())

    assert response.status_code == 422
    assert "请至少填写一个年度。" in text(response)


def test_add_row_keeps_what_was_typed_and_adds_an_empty_row(client):
    response = client.post(URL, data=form(("2021", "500", "tax_paid", "x"), action="add_row"))

    page = text(response)
    assert response.status_code == 200
    assert input_values(page, "year") == ["2021", "", "", "", "", ""]
    assert input_values(page, "amount")[0] == "x"  # not validated: adding a row is not a submission
    assert 'name="row_count" value="6"' in page
    assert re.search(r'id="year-5"[^>]*autofocus', page)
    assert "credit-result" not in page and 'role="alert"' not in page

    # The sixth row takes part in the next calculation: 2026: 1,000 → earned 300; due 100 → carry 200.
    posted = form(("2021", "0", "surcharges_due", "0"), count=6)
    posted.update({"year-5": "2026", "investment-5": "1000", "amount-5": "100"})
    assert [row["年度"] for row in result_rows(client.post(URL, data=posted))] == ["2021", "2026", "合计"]


def test_rows_stop_at_fifty(client):
    response = client.post(URL, data=form(count=50, action="add_row"))

    page = text(response)
    assert len(input_values(page, "year")) == 50
    assert 'value="add_row"' not in page and "最多填写 50 个年度" in page
