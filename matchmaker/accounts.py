"""Users, passwords, roles and API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.errors import InvalidInput, Message, NotFound
from matchmaker.extensions import db
from matchmaker.models import ApiToken, Organization, User, utcnow
from matchmaker.models.users import ROLES
from matchmaker.organizations import register_organization

TOKEN_PREFIX = "mm_"
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 50  # users.name


class Operator:
    """The person at the command line: acts with coordinator rights and is no user row."""

    id = None
    organization_id = None
    role = "operator"
    is_coordinator = True

    def can_manage(self, organization: Organization) -> bool:
        return True


OPERATOR = Operator()


def check_new_user(email: str, password: str, name: str = "") -> dict[str, list[Message]]:
    """Problems with a new user's e-mail, password and display name, by field (empty when fine)."""
    email = email.strip().lower()
    problems: dict[str, list[Message]] = {}
    if "@" not in email or len(email) > 254:
        problems["email"] = [Message("不是有效的电子邮件地址。", "Not a valid email address.")]
    elif db.session.scalar(select(User.id).where(User.email == email)) is not None:
        problems["email"] = [Message("该邮箱已注册。", "A user with this e-mail already exists.")]
    if len(password) < MIN_PASSWORD_LENGTH:
        problems["password"] = [
            Message("密码至少需要 {n} 个字符。", "The password needs at least {n} characters.").format(
                n=MIN_PASSWORD_LENGTH
            )
        ]
    if len(name.strip()) > MAX_NAME_LENGTH:
        problems["name"] = [
            Message("姓名不能超过 {n} 个字符。", "The name may have at most {n} characters.").format(n=MAX_NAME_LENGTH)
        ]
    return problems


def create_user(
    email: str, password: str, *, role: str = "member", organization: Organization | None = None, name: str = ""
) -> User:
    """Add a user with a hashed password; members must belong to an organization."""
    email = email.strip().lower()
    problems = check_new_user(email, password, name)
    if role not in ROLES:
        problems["role"] = [
            Message("角色须为 {choices} 之一。", "Role must be one of {choices}.").format(choices=", ".join(ROLES))
        ]
    if role == "member" and organization is None:
        problems["organization"] = [Message("机构成员必须属于一个机构。", "A member must belong to an organization.")]
    if problems:
        raise InvalidInput(problems)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        organization=organization,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(org_data: dict[str, Any], email: str, password: str, name: str = "") -> User:
    """A new organization (unverified) and its first member, from the public registration page."""
    org = register_organization(org_data)
    return create_user(email, password, role="member", organization=org, name=name)


def find_user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(Message("没有邮箱为 {email} 的用户。", "No user with e-mail {email}.").format(email=email))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def create_token(user: User, label: str = "") -> str:
    """Issue a new bearer token for the user; only its hash is stored, so show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token), label=label))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user
