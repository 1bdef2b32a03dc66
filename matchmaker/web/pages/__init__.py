"""Server-rendered pages (Simplified Chinese). Each module is one blueprint for one audience.

Pages validate forms with the API's own marshmallow schemas, so a bad field gets the same
message in a page as in the API, shown beside the field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, abort, request
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields

from matchmaker.errors import InvalidInput, Message, flatten_errors
from matchmaker.models.base import local_time
from matchmaker.taxonomy import get_taxonomy

FieldErrors = dict[str, list[Message]]
# The organization form's fields (registration and the organization page): text inputs, then all.
ORGANIZATION_TEXT_FIELDS = (
    "name",
    "kind",
    "subtype",
    "region",
    "description",
    "website",
    "contact_name",
    "contact_phone",
    "contact_email",
)
ORGANIZATION_FORM = (*ORGANIZATION_TEXT_FIELDS, "sectors")  # the schema's fields a page sets (not `ref`)


def viewer() -> Any:
    """The logged-in user, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def member_required(view: Callable) -> Callable:
    """Logged in and belonging to an organization."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.organization_id is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def coordinator_required(view: Callable) -> Callable:
    """Logged in as a coordinator or an admin."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: a crafted `next` must never lead to another site.

    Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
    "/<tab>/evil.example" or "/<backslash>evil.example" would become "//evil.example": a control
    character or a backslash anywhere refuses the target before it is parsed.
    """
    if not target or target.startswith("//") or any(ord(char) < 0x20 or char in "\x7f\\" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def form_data(schema: Schema, form: Any | None = None) -> dict[str, Any]:
    """The submitted form as the JSON the schema expects, so pages and the API judge input alike.

    Lists for list fields, integers for integer fields. An input left empty is "" for a required
    field (the API's 不能为空), null for a field that may be null (it clears the value), and left
    out otherwise; inputs the form does not have stay unset.
    """
    form = request.form if form is None else form
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List):
            values = [v.strip() for v in form.getlist(key) if v.strip()]
            if values or key in form:
                data[key] = values
            continue
        value = form.get(key)
        if value is None:
            continue
        if not value.strip():
            if field.required:
                data[key] = ""
            elif field.allow_none:
                data[key] = None
            continue
        value = value.strip()
        if isinstance(field, fields.Integer) and value.isdigit():
            value = int(value)
        data[key] = value
    return data


def load_form(schema: Schema, form: Any | None = None) -> dict[str, Any]:
    """Validate the submitted form; raise InvalidInput with the API's messages for bad fields."""
    try:
        return schema.load(form_data(schema, form))
    except ValidationError as exc:
        raise InvalidInput(exc.messages) from None


def field_errors(error: InvalidInput) -> FieldErrors:
    """Messages by top-level field name (a bad `sectors.1` shows beside the sectors input)."""
    by_field: FieldErrors = {}
    for path, message in flatten_errors(error.fields):
        by_field.setdefault(path.split(".")[0], []).append(message)
    return by_field


def init_app(app: Flask, blueprints: Iterable[Any]) -> None:
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.add_template_filter(local_time)
    app.add_template_global(local_time)


# --- what several pages' forms share -------------------------------------------------------


def submitted_values(names: tuple[str, ...], lists: tuple[str, ...] = ("sectors",)) -> dict[str, Any]:
    """The submitted form, to show it again as it was typed."""
    values: dict[str, Any] = {name: request.form.get(name, "") for name in names}
    values.update({name: request.form.getlist(name) for name in lists})
    return values


def form_options() -> dict[str, Any]:
    """Choices of the organization and posting forms, from the taxonomy, in Chinese."""
    taxonomy = get_taxonomy()
    regions = list(taxonomy.regions.values())
    province = [(r.code, f"{r.name}（全省）") for r in regions if r.level == "province"]
    region_groups = []
    for prefecture in (r for r in regions if r.level == "prefecture"):
        whole = "全州" if prefecture.name.endswith("州") else "全市"
        counties = [(r.code, r.name) for r in regions if r.level == "county" and r.parent == prefecture.code]
        region_groups.append((prefecture.name, [(prefecture.code, f"{prefecture.name}（{whole}）"), *counties]))
    sector_groups: dict[str, list[tuple[str, str]]] = {}
    for sector in taxonomy.sectors.values():
        sector_groups.setdefault(sector.group_name, []).append((sector.code, sector.name))
    return {
        "kinds": [(kind.code, kind.name) for kind in taxonomy.kinds.values()],
        "subtype_groups": [(kind.name, [(s, s) for s in kind.subtypes]) for kind in taxonomy.kinds.values()],
        "province": province,
        "region_groups": region_groups,
        "sector_groups": list(sector_groups.items()),
        "directions": [("need", "需求（我方需要）"), ("offer", "供给（我方可提供）")],
        "categories": [(c.code, f"{c.name}（需求：{c.need}｜供给：{c.offer}）") for c in taxonomy.categories.values()],
    }


def messages_zh(error: InvalidInput) -> str:
    return " ".join(message.zh for messages in field_errors(error).values() for message in messages) or error.message.zh
