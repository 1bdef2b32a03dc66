"""Who is asking: bearer tokens for the API, the login session for pages."""

from __future__ import annotations

from flask import g, request

from matchmaker import accounts
from matchmaker.errors import AuthenticationRequired, Message
from matchmaker.models import User

INVALID_TOKEN = Message("API 令牌无效或已撤销。", "Invalid or revoked API token.")


def api_user() -> User | None:
    """The user whose bearer token the request carries; None without a token."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "").strip()
        user = None
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationRequired(INVALID_TOKEN)
            user = accounts.user_for_token(token.strip())
            if user is None:
                raise AuthenticationRequired(INVALID_TOKEN)
        g.api_user = user
    return g.api_user


def require_api_user() -> User:
    """The authenticated API user, or a 401 error."""
    user = api_user()
    if user is None:
        raise AuthenticationRequired()
    return user
