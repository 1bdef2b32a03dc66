"""Notifications: who gets them, and their delivery by e-mail through a real SMTP server.

The SMTP server is aiosmtpd on a free local port; tests read the messages it received.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from matchmaker import contacts, notifications
from matchmaker.cli import main
from matchmaker.extensions import db
from matchmaker.models import Notification, NotificationSettings, Organization, User
from tests.helpers import run_worker
from tests.servers import free_port

SITE = "https://cjrh.example.gov.cn"


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(app):
    """A running SMTP server the app sends through; yields the list of received messages."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        MATCHMAKER_SMTP_HOST="127.0.0.1",
        MATCHMAKER_SMTP_PORT=controller.port,
        MATCHMAKER_MAIL_FROM="noreply@cjrh.example.gov.cn",
        MATCHMAKER_SITE_URL=SITE,
    )
    yield inbox.messages
    controller.stop()


@pytest.fixture
def two_orgs(make_org, make_user):
    """A school whose member receives, and an enterprise whose member asks for contact."""
    school = make_org(name="遵义职业技术学院", kind="school")
    enterprise = make_org(name="贵州湄潭云雾茶业有限公司")
    receiver, _ = make_user(org=school)
    sender, _ = make_user(org=enterprise)
    return school, receiver, sender


def ask_for_contact(app, sender, school, message="想了解茶叶专业订单班。"):
    """A contact request as a page or the API makes it: the service, the request's commit, then the worker."""
    with app.app_context():
        contacts.request_contact(
            db.session.get(User, sender.id), db.session.get(Organization, school.id), message=message
        )
        db.session.commit()
    run_worker(app)


def set_settings(app, user, kinds, mode):
    with app.app_context():
        notifications.update_settings(db.session.get(User, user.id), kinds, mode)
        db.session.commit()


def notes_of(app, user):
    with app.app_context():
        return [
            (n.kind, n.mail_pending, n.mailed_at is not None)
            for n in db.session.query(Notification).filter_by(user_id=user.id).order_by(Notification.id)
        ]


def body(message: EmailMessage) -> str:
    return message.get_content()


def test_a_contact_request_mails_the_receiving_member_at_once(app, smtp, two_orgs):
    school, receiver, sender = two_orgs

    ask_for_contact(app, sender, school)

    [mail] = smtp
    assert mail["To"] == receiver.email and mail["X-Envelope-To"] == receiver.email
    assert mail["From"] == "noreply@cjrh.example.gov.cn"
    assert mail["Subject"] == "[产教融合平台] 贵州湄潭云雾茶业有限公司 请求与贵单位联系"
    text = body(mail)
    assert "【联系请求】贵州湄潭云雾茶业有限公司 请求与贵单位联系" in text and "想了解茶叶专业订单班。" in text
    assert f"{SITE}/contacts" in text and f"{SITE}/notifications/settings" in text
    assert notes_of(app, receiver) == [("contact_request", False, True)]
    assert notes_of(app, sender) == []


def test_weekly_mode_sends_nothing_at_once_and_one_digest_a_week(app, smtp, two_orgs, cli):
    school, receiver, sender = two_orgs
    set_settings(app, receiver, ["new_match", "contact_request", "contact_answer"], "weekly")

    ask_for_contact(app, sender, school)
    assert smtp == [] and notes_of(app, receiver) == [("contact_request", True, False)]

    first = cli("send-digests")
    assert first.exit_code == 0 and "sent 1 digest" in first.output
    [digest] = smtp
    assert digest["To"] == receiver.email and digest["Subject"] == "[产教融合平台] 本周通知（1 条）"
    assert "想了解茶叶专业订单班。" in body(digest) and f"{SITE}/contacts" in body(digest)
    assert notes_of(app, receiver) == [("contact_request", False, True)]

    with app.app_context():  # something new the same week waits for next week's digest
        notifications.notify(
            [db.session.get(User, receiver.id)], "new_match", "新的匹配：茶叶加工学徒制", "", "/postings/1"
        )
        db.session.commit()
    again = cli("send-digests")
    assert again.exit_code == 0 and "sent 0 digest" in again.output and len(smtp) == 1

    forced = cli("send-digests", "--force")
    assert forced.exit_code == 0 and len(smtp) == 2 and "新的匹配：茶叶加工学徒制" in body(smtp[1])


def test_a_kind_turned_off_gives_neither_notification_nor_mail(app, smtp, two_orgs, cli):
    school, receiver, sender = two_orgs
    set_settings(app, receiver, ["new_match", "contact_answer"], "immediate")

    ask_for_contact(app, sender, school)
    cli("send-digests", "--force")

    assert notes_of(app, receiver) == [] and smtp == []


def test_mail_off_keeps_the_notification_in_the_app_only(app, smtp, two_orgs):
    school, receiver, sender = two_orgs
    set_settings(app, receiver, ["contact_request"], "off")

    ask_for_contact(app, sender, school)

    assert notes_of(app, receiver) == [("contact_request", False, False)] and smtp == []


def test_mail_owed_while_the_smtp_server_is_down_is_sent_by_send_mail(app, smtp, two_orgs, cli):
    school, receiver, sender = two_orgs
    live_port = app.config["MATCHMAKER_SMTP_PORT"]
    app.config["MATCHMAKER_SMTP_PORT"] = free_port()  # nothing listens there

    ask_for_contact(app, sender, school)  # the request succeeds; the mail stays owed
    assert notes_of(app, receiver) == [("contact_request", True, False)]
    still_down = cli("send-mail")
    assert still_down.exit_code == 1 and "仍有 1 封邮件未能发送" in still_down.output

    app.config["MATCHMAKER_SMTP_PORT"] = live_port
    result = cli("send-mail")

    assert result.exit_code == 0 and "sent 1 mail" in result.output
    [mail] = smtp
    assert mail["To"] == receiver.email and "想了解茶叶专业订单班。" in body(mail)
    assert notes_of(app, receiver) == [("contact_request", False, True)]
    assert cli("send-mail").exit_code == 0 and len(smtp) == 1  # nothing is sent twice


def test_answering_notifies_the_asking_organization(app, smtp, two_orgs):
    school, receiver, sender = two_orgs
    ask_for_contact(app, sender, school)

    with app.app_context():
        contact = contacts.contact_requests(db.session.get(User, receiver.id))[0]
        contacts.answer_contact(db.session.get(User, receiver.id), contact, accept=True)
        db.session.commit()
    run_worker(app)

    assert [m["To"] for m in smtp] == [receiver.email, sender.email]
    assert smtp[1]["Subject"] == "[产教融合平台] 遵义职业技术学院 已接受您的联系请求"
    assert "现在可以查看对方的联系方式。" in body(smtp[1])


def test_without_smtp_the_mail_commands_say_so(app, cli, two_orgs):
    school, receiver, sender = two_orgs
    ask_for_contact(app, sender, school)  # no SMTP server: nothing is sent, the mail stays owed

    for command in ("send-digests", "send-mail"):
        result = cli(command)
        assert result.exit_code == 1 and "MATCHMAKER_SMTP_HOST" in result.output and "未配置邮件服务器" in result.output
    assert notes_of(app, receiver) == [("contact_request", True, False)]


def test_settings_are_created_with_every_kind_and_immediate_mail(app, make_org, make_user):
    user, _ = make_user(org=make_org())
    with app.app_context():
        settings = notifications.settings_for(db.session.get(User, user.id))
        assert [settings.wants(kind) for kind in ("new_match", "contact_request", "contact_answer")] == [True] * 3
        assert settings.email_mode == "immediate"
        db.session.rollback()
        assert db.session.get(NotificationSettings, user.id) is None


@pytest.mark.parametrize("command", ["send-digests", "send-mail"])
def test_mail_commands_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])

    assert result.exit_code == 0 and "Usage:" in result.output and "MATCHMAKER_SMTP_HOST" in result.output
