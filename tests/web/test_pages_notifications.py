"""Notification pages: the list, marking read, and the settings form."""

from __future__ import annotations

import re

import pytest

from matchmaker import notifications
from matchmaker.extensions import db
from matchmaker.models import Notification, NotificationSettings, User

PASSWORD = "correct horse battery"


@pytest.fixture
def member(client, make_org, make_user):
    user, _ = make_user(org=make_org())
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return user


def notify(app, user, kind, title, body="", link=""):
    with app.app_context():
        [note] = notifications.notify([db.session.get(User, user.id)], kind, title, body, link)
        db.session.commit()
        return note.id


def test_notifications_newest_first_with_unread_marked_and_links(client, app, member):
    notify(app, member, "contact_request", "贵州湄潭云雾茶业有限公司 请求与贵单位联系", "想了解订单班。", "/contacts")
    newest = notify(app, member, "new_match", "新的匹配：遵义职业技术学院「茶叶生产与加工技术专业」", "", "/postings/7")

    page = client.get("/notifications").get_data(as_text=True)

    assert page.index("新的匹配：遵义职业技术学院") < page.index("请求与贵单位联系")
    assert page.count('class="unread"') == 2 and "未读" in page and "想了解订单班。" in page
    assert f'href="/notifications/{newest}"' in page
    assert re.search(r'<span class="badge"[^>]*>2</span>', page)  # the header's unread count


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(client, app, member):
    note = notify(app, member, "new_match", "新的匹配", link="/postings/7")

    response = client.get(f"/notifications/{note}")

    assert response.status_code == 302 and response.headers["Location"] == "/postings/7"
    with app.app_context():
        assert db.session.get(Notification, note).read_at is not None


def test_other_users_notifications_are_not_found(client, app, make_org, make_user, member):
    other, _ = make_user(org=make_org())
    note = notify(app, other, "new_match", "别人的通知", link="/postings/7")

    assert client.get(f"/notifications/{note}").status_code == 404
    assert "别人的通知" not in client.get("/notifications").get_data(as_text=True)


def test_mark_all_read(client, app, member):
    notify(app, member, "new_match", "甲")
    notify(app, member, "contact_answer", "乙")

    response = client.post("/notifications/read", follow_redirects=True)
    page = response.get_data(as_text=True)

    assert "已将全部通知标为已读" in page and 'class="unread"' not in page and 'class="badge"' not in page
    with app.app_context():
        assert notifications.unread_count(db.session.get(User, member.id)) == 0


def test_settings_show_the_defaults_and_save_changes(client, app, member):
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count("checked") == 6  # five kinds and 每条即时发送
    assert "合作项目" in page
    assert re.search(r'value="immediate" checked', page) and "新的匹配" in page and "联系请求的答复" in page
    assert "对接活动" in page
    assert "本站尚未配置邮件服务器" in page

    saved = client.post(
        "/notifications/settings", data={"kinds": ["contact_request"], "email_mode": "weekly"}, follow_redirects=True
    )

    page = saved.get_data(as_text=True)
    assert "通知设置已保存" in page
    assert re.search(r'value="contact_request" checked', page) and not re.search(r'value="new_match" checked', page)
    assert re.search(r'value="weekly" checked', page)
    with app.app_context():
        settings = db.session.get(NotificationSettings, member.id)
        assert (settings.new_match, settings.contact_request, settings.contact_answer, settings.event) == (
            False,
            True,
            False,
            False,
        )
        assert settings.email_mode == "weekly"


def test_settings_errors_are_shown_beside_the_fields(client, app, member):
    response = client.post("/notifications/settings", data={"kinds": ["spam"], "email_mode": "hourly"})
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'id="kinds-error"[^>]*>未知的通知类型：spam', page)
    assert re.search(r'id="email_mode-error"[^>]*>须为 immediate、weekly 或 off。', page)
    with app.app_context():
        assert db.session.get(NotificationSettings, member.id) is None


def test_notification_pages_need_a_login(client):
    assert client.get("/notifications").status_code == 302
    assert client.get("/notifications/settings").status_code == 302
    assert client.post("/notifications/read").status_code == 302
