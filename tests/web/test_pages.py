"""Public pages: home. (Log in and log out: test_pages_account.py.)"""

from __future__ import annotations


def test_home_lists_public_postings(client, make_org, make_user, bearer):
    org = make_org(name="贵州黔南刺梨食品有限公司")
    _, token = make_user(org=org)
    client.post(
        "/api/v1/postings",
        headers=bearer(token),
        json={"direction": "need", "category": "technology", "title": "刺梨原汁褐变控制技术"},
    )

    page = client.get("/").get_data(as_text=True)

    assert "刺梨原汁褐变控制技术" in page and "贵州黔南刺梨食品有限公司" in page


def test_home_escapes_user_text(client, make_org, make_user, bearer):
    _, token = make_user(org=make_org())
    client.post(
        "/api/v1/postings",
        headers=bearer(token),
        json={"direction": "need", "category": "talent", "title": "<script>alert(1)</script>"},
    )

    page = client.get("/").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
