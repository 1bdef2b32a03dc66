"""Public pages: home. (Log in and log out: test_pages_account.py.)"""

from __future__ import annotations


def test_home_lists_public_postings(client, make_org, make_posting):
    org = make_org(name="贵州黔南刺梨食品有限公司")
    make_posting(org, direction="need", category="technology", title="刺梨原汁褐变控制技术", description="")

    page = client.get("/").get_data(as_text=True)

    assert "刺梨原汁褐变控制技术" in page and "贵州黔南刺梨食品有限公司" in page


def test_home_escapes_user_text(client, make_org, make_posting):
    make_posting(make_org(), direction="need", category="talent", title="<script>alert(1)</script>", description="")

    page = client.get("/").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
