"""HTTP errors on pages answer with the site's own page in Chinese; the API keeps its bilingual JSON."""

from __future__ import annotations

import re

import pytest

from tests.helpers import text


def heading(response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", text(response), re.S)
    assert match, text(response)[:300]
    return match.group(1).strip()


def is_site_page(response) -> bool:
    body = text(response)
    return response.mimetype == "text/html" and 'lang="zh-CN"' in body and "贵州产教融合信息服务平台" in body


def test_an_unknown_address_gets_a_chinese_page_and_the_api_json(client):
    page = client.get("/no-such-page")
    api = client.get("/api/v1/no-such-thing")

    assert page.status_code == 404 and is_site_page(page)
    assert heading(page) == "找不到您要访问的页面，它可能已被删除或地址有误。"
    assert "Not Found" not in text(page)
    assert api.status_code == 404 and api.json["message_zh"] == "未找到。" and api.json["status"] == 404


def test_a_wrong_method_says_how_to_reach_the_page(client):
    answer = client.get("/logout")  # a POST-only form action

    assert answer.status_code == 405 and is_site_page(answer)
    assert heading(answer).startswith("不能这样访问这个页面")
    assert "POST" in answer.headers["Allow"]


def test_a_form_without_its_security_token_is_refused_in_chinese_with_nothing_saved(app, make_org, make_user):
    user, _ = make_user(org=make_org())
    app.config["WTF_CSRF_ENABLED"] = True
    answer = app.test_client().post("/login", data={"email": user.email, "password": "correct horse battery"})

    assert answer.status_code == 400 and is_site_page(answer)
    assert heading(answer).startswith("页面已过期或缺少安全令牌，您的提交未保存")


def test_an_oversized_request_is_refused_in_chinese(client):
    answer = client.post("/login", data={"email": "x" * (12 * 1024 * 1024)})

    assert answer.status_code == 413 and is_site_page(answer)
    assert "10 MB" in heading(answer)


def test_the_login_limit_answers_on_the_site_page_with_its_own_message(client, make_org, make_user):
    user, _ = make_user(org=make_org())
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"})

    blocked = client.post("/login", data={"email": user.email, "password": "wrong"})

    assert blocked.status_code == 429 and is_site_page(blocked)
    assert heading(blocked) == "登录尝试过于频繁，请稍后再试。"
    assert blocked.headers.get("Retry-After")


@pytest.fixture
def failing_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the traceback

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", "broken", broken)
    app.add_url_rule("/api/v1/broken", "api_broken", broken)
    return app


def test_a_crash_shows_a_chinese_page_and_the_api_json(failing_app):
    client = failing_app.test_client()
    page, api = client.get("/broken"), client.get("/api/v1/broken")

    assert page.status_code == 500 and is_site_page(page)
    assert heading(page) == "服务器内部错误，请稍后重试。" and "a bug" not in text(page)
    assert api.status_code == 500 and api.json["message_zh"] == "服务器内部错误，请稍后重试。"


def test_every_page_names_the_favicon(client):
    home = client.get("/")
    icon = re.search(r'<link rel="icon" href="([^"]+)"', text(home))

    assert icon
    with client.get(icon.group(1)) as served:
        assert served.status_code == 200 and served.mimetype == "image/svg+xml"
