"""What the registry tests share: recording entries through the service, as a coordinator would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from matchmaker import accounts, registries
from matchmaker.extensions import db, writing
from matchmaker.models import User


def recorder(app: Flask) -> Callable[..., int]:
    """`record("mentors", by=user, **input)`: validate the input with the registry's schema, record it, commit;
    return the new entry's id. Without `by`, the operator (coordinator rights) records it."""

    def record(registry_name: str, /, *, by: User | None = None, **data: Any) -> int:
        registry = registries.get_registry(registry_name)
        with app.app_context(), writing():
            actor = db.session.get(User, by.id) if by is not None else accounts.OPERATOR
            row = registries.create_row(registry, registry.in_schema().load(data), actor)
            db.session.commit()
            return row.id

    return record
