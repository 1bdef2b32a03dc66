"""Domain errors and bilingual (Chinese/English) messages.

Services raise these; the web layer and the CLI turn them into responses. A `Message`
is an English string that also carries its Chinese text, so marshmallow can handle it
as an ordinary message while the error payload shows both languages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Message(str):
    """An English message with its Chinese translation in `.zh`; formats both at once."""

    zh: str

    def __new__(cls, zh: str, en: str) -> Message:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def format(self, *args: Any, **kwargs: Any) -> Message:  # noqa: D102 - same as str.format
        return Message(self.zh.format(*args, **kwargs), str.format(self, *args, **kwargs))

    @property
    def en(self) -> str:
        return str.__str__(self)

    def __reduce__(self):  # keep .zh when copied or pickled
        return (Message, (self.zh, self.en))


def as_message(text: Any) -> Message:
    """Wrap a plain string (e.g. a library's English message) so it has both languages."""
    if isinstance(text, Message):
        return text
    return Message(TRANSLATIONS.get(str(text), str(text)), str(text))


# Chinese for the English messages that libraries (marshmallow, webargs) produce themselves.
TRANSLATIONS = {
    "Missing data for required field.": "缺少必填字段。",
    "Field may not be null.": "不能为空值（null）。",
    "Unknown field.": "未知字段。",
    "Invalid input type.": "输入类型无效，应为 JSON 对象。",
    "Invalid JSON body.": "请求体不是有效的 JSON。",
    "Not a valid string.": "不是有效的字符串。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid date.": "不是有效的日期（应为 YYYY-MM-DD）。",
    "Not a valid datetime.": "不是有效的日期时间。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid mapping type.": "不是有效的对象。",
    "Not a valid email address.": "不是有效的电子邮件地址。",
    "Not a valid URL.": "不是有效的网址。",
}


class MatchmakerError(Exception):
    """Base of all errors the product reports to users."""

    status = 400
    code = "error"
    message = Message("请求无法处理。", "The request cannot be processed.")

    def __init__(self, message: str | Message | None = None):
        if message is not None:
            self.message = as_message(message)
        super().__init__(self.message.en)


class InvalidInput(MatchmakerError):
    """One or more fields are invalid; `fields` maps a field path to its messages."""

    status = 422
    code = "invalid_input"
    message = Message("输入有误，请检查标出的字段。", "Invalid input: see the listed fields.")

    def __init__(self, fields: Mapping[str, Any], message: str | Message | None = None):
        super().__init__(message)
        self.fields = dict(fields)

    def field_errors(self) -> list[dict[str, str]]:
        """Flat list of {field, message, message_zh} from marshmallow-style nested errors."""
        return [{"field": path, "message": msg.en, "message_zh": msg.zh} for path, msg in flatten_errors(self.fields)]


def flatten_errors(errors: Any, prefix: str = "") -> Iterator[tuple[str, Message]]:
    """Yield (dotted field path, message) from nested marshmallow error messages."""
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            yield from flatten_errors(value, name)
    elif isinstance(errors, (list, tuple)):
        for item in errors:
            yield from flatten_errors(item, prefix)
    else:
        yield prefix or "_request", as_message(errors)


class NotFound(MatchmakerError):
    status = 404
    code = "not_found"
    message = Message("未找到。", "Not found.")


class PermissionDenied(MatchmakerError):
    status = 403
    code = "forbidden"
    message = Message("没有权限执行此操作。", "You are not allowed to do this.")


class AuthenticationRequired(MatchmakerError):
    status = 401
    code = "unauthenticated"
    message = Message("请先登录或提供 API 令牌。", "Log in or send an API token.")


class Conflict(MatchmakerError):
    status = 409
    code = "conflict"
    message = Message("与现有数据冲突。", "Conflicts with existing data.")
