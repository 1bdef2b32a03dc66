"""Account pages: registration of an organization with its first member, log in, log out."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, User
from tests.helpers import beside

PASSWORD = "correct horse battery"


def registration(**changes) -> dict:
    form = {
        "name": "贵州黔南刺梨食品有限公司",
        "kind": "enterprise",
        "subtype": "中小微企业",
        "region": "522701",
        "sectors": ["roxburgh_rose", "eco_food"],
        "description": "刺梨原汁与刺梨干生产。",
        "contact_name": "王经理",
        "contact_phone": "0854-8888888",
        "contact_email": "hr@ciliguizhou.cn",
        "email": "Wang@CiliGuizhou.cn",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "display_name": "王芳",
    }
    form.update(changes)
    return form


def counts(count) -> tuple[int, int]:
    return count(Organization), count(User)


def test_login_and_logout(client, make_org, make_user):
    user, _ = make_user(org=make_org())

    wrong = client.post("/login", data={"email": user.email, "password": "nope"})
    right = client.post("/login", data={"email": user.email, "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    client.post("/logout")

    assert wrong.status_code == 400 and "邮箱或密码不正确" in wrong.get_data(as_text=True)
    assert right.status_code == 302
    assert 'href="/my/postings"' in home and "退出" in home
    assert 'href="/my/postings"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "next_param",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "%09//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "//evil.example",
        "///evil.example",
        "https://evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "%2F%2Fevil.example",
        "/%7f/evil.example",
    ],
)
def test_login_never_redirects_to_another_site(client, make_org, make_user, next_param):
    user, _ = make_user(org=make_org())

    answer = client.post(f"/login?next={next_param}", data={"email": user.email, "password": PASSWORD})

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("next_param", "location"),
    [
        ("/my/postings", "/my/postings"),
        ("/search%3Fq%3D%E8%8C%B6", "/search?q=%E8%8C%B6"),
        ("/postings/3%23matches", "/postings/3#matches"),
    ],
)
def test_login_returns_to_the_page_on_this_site_it_came_from(client, make_org, make_user, next_param, location):
    user, _ = make_user(org=make_org())

    answer = client.post(f"/login?next={next_param}", data={"email": user.email, "password": PASSWORD})

    assert answer.status_code == 302 and answer.headers["Location"] == location


def test_the_registration_form_offers_the_taxonomy(client):
    page = client.get("/register").get_data(as_text=True)

    assert 'name="name"' in page and 'name="password_confirm"' in page
    assert '<optgroup label="黔南布依族苗族自治州">' in page and '<option value="522701" >都匀市</option>' in page
    assert 'value="roxburgh_rose"' in page and "刺梨" in page
    assert "高职院校" in page and "规上企业" in page and "member.css" in page


def test_registration_creates_an_unverified_organization_and_logs_the_member_in(app, client, count):
    response = client.post("/register", data=registration())

    assert response.status_code == 302 and response.headers["Location"] == "/my/organization"
    page = client.get("/my/organization").get_data(as_text=True)
    assert "注册成功" in page and "待认证" in page and "已认证" not in page
    assert "贵州黔南刺梨食品有限公司" in page and 'href="/my/postings"' in page
    with app.app_context():
        org = db.session.query(Organization).one()
        user = db.session.query(User).one()
        assert (org.kind, org.subtype, org.region_code, org.sectors) == (
            "enterprise",
            "中小微企业",
            "522701",
            ["roxburgh_rose", "eco_food"],
        )
        assert org.verified_at is None and org.contact_email == "hr@ciliguizhou.cn"
        assert (user.email, user.name, user.role, user.organization_id) == (
            "wang@ciliguizhou.cn",
            "王芳",
            "member",
            org.id,
        )
    assert client.get("/register").status_code == 302  # already logged in


def test_registration_errors_are_shown_beside_their_fields_and_nothing_is_written(client, count, make_user, bearer):
    _, coordinator = make_user(role="coordinator")
    before = counts(count)
    bad = registration(
        name="", email="not-an-email", password_confirm="something else", sectors=["moon", "tea"], region="999999"
    )

    response = client.post("/register", data=bad)

    assert response.status_code == 400
    messages = beside(response)
    assert messages["email"] == ["不是有效的电子邮件地址。"]
    assert messages["password_confirm"] == ["两次输入的密码不一致。"]
    assert messages["name"] == ["不能为空。"]
    assert messages["sectors"] == ["未知的产业「moon」，请使用产业代码或中文名称。"]
    assert messages["region"] == ["未知的地区「999999」，请使用贵州省的行政区划代码或中文名称。"]
    assert set(messages) == {"email", "password_confirm", "name", "sectors", "region"}
    assert counts(count) == before
    page = response.get_data(as_text=True)
    assert 'value="not-an-email"' in page and PASSWORD not in page  # kept what was typed, except passwords

    # The organization messages are the API's for the same input.
    api = client.post(
        "/api/v1/organizations",
        headers=bearer(coordinator),
        json={"name": "", "kind": "enterprise", "region": "999999", "sectors": ["moon", "tea"]},
    ).json
    api_messages = {e["field"].split(".")[0]: e["message_zh"] for e in api["errors"]}
    assert {field: messages[field][0] for field in ("name", "region", "sectors")} == api_messages


def test_registration_refuses_short_passwords_taken_emails_and_foreign_subtypes(client, count, make_org, make_user):
    taken, _ = make_user(org=make_org())
    before = counts(count)

    short = client.post("/register", data=registration(password="short", password_confirm="short"))
    duplicate = client.post("/register", data=registration(email=taken.email.upper()))
    subtype = client.post("/register", data=registration(kind="school"))

    assert short.status_code == 400 and beside(short) == {"password": ["密码至少需要 8 个字符。"]}
    assert duplicate.status_code == 400 and beside(duplicate) == {"email": ["该邮箱已注册。"]}
    assert subtype.status_code == 400
    assert beside(subtype)["subtype"][0].startswith("「中小微企业」不是院校的类型")
    assert counts(count) == before
    assert client.get("/my/organization").status_code == 302  # nobody was logged in


def test_repeated_failed_logins_are_refused_for_a_while(client, make_org, make_user):
    user, _ = make_user(org=make_org())

    failures = [client.post("/login", data={"email": user.email, "password": "wrong"}).status_code for _ in range(5)]
    blocked = client.post("/login", data={"email": user.email, "password": "correct horse battery"})

    assert failures == [400] * 5
    assert blocked.status_code == 429 and "登录尝试过于频繁" in blocked.get_data(as_text=True)


def test_passwords_are_stored_hashed(app, make_org, make_user):
    from matchmaker.extensions import db
    from matchmaker.models import User

    user, _ = make_user(org=make_org())
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash

    assert "correct horse battery" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_failed_logins_are_counted_in_redis_for_every_worker(app, redis_url, make_org, make_user):
    """With MATCHMAKER_RATELIMIT_STORAGE=redis://…, a limit reached through one gunicorn worker holds in the next."""
    import random

    from matchmaker import create_app
    from matchmaker.extensions import db

    user, _ = make_user(org=make_org())
    # A client address of its own, so the counters of other runs on a shared Redis do not interfere.
    address = {"REMOTE_ADDR": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"}

    workers = []

    def worker(storage: str):
        """A fresh application, as in another worker process: its own limiter storage, the same settings."""
        fresh = create_app(
            {
                "HOME": app.config["MATCHMAKER_HOME"],
                "SECRET_KEY": "test",
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATELIMIT_STORAGE": storage,
                "LOGIN_LIMIT": "3 per minute",
            }
        )
        fresh.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        workers.append(fresh)
        return fresh.test_client()

    def log_in(client, password: str) -> int:
        return client.post("/login", data={"email": user.email, "password": password}, environ_base=address).status_code

    first = worker(redis_url)
    failures = [log_in(first, "wrong") for _ in range(3)]
    blocked = log_in(worker(redis_url), "correct horse battery")
    # In process memory the next worker starts from zero: the count lives only in Redis.
    unshared = log_in(worker("memory://"), "correct horse battery")
    for fresh in workers:
        with fresh.app_context():
            db.engine.dispose()

    assert failures == [400] * 3
    assert blocked == 429
    assert unshared == 302
