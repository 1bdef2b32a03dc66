"""The JSON API under /api/v1, documented by OpenAPI at /api/openapi.json."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from flask import Flask, request, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from matchmaker.errors import (
    AuthenticationRequired,
    InvalidInput,
    MatchmakerError,
    Message,
    NotFound,
    PermissionDenied,
    as_message,
    flatten_errors,
)
from matchmaker.schemas.common import ErrorSchema
from matchmaker.web.api import credit, organizations, postings, projects, registries, search, taxonomy

SWAGGER_UI_ROUTE = "/api/swagger-ui/"


class MatchmakerApi(Api):
    """flask-smorest's Api with errors in the product's bilingual shape, JSON only under /api."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, self.handle_http_exception)

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            from matchmaker.web import render_http_error

            return render_http_error(error)
        data = getattr(error, "data", None) or {}
        field_errors = []
        for location, messages in (data.get("messages") or {}).items():
            for path, message in flatten_errors(messages):
                field_errors.append(
                    {
                        "field": "body" if path == "_request" else path,
                        "location": location,
                        "message": message.en,
                        "message_zh": message.zh,
                    }
                )
        summary = HTTP_SUMMARIES.get(error.code) or as_message(error.name)
        payload = {
            "code": error.name.lower().replace(" ", "_"),
            "status": error.code,
            "message": summary.en,
            "message_zh": summary.zh,
            "errors": field_errors,
        }
        return payload, error.code, data.get("headers") or getattr(error, "headers", None) or {}


def handle_matchmaker_error(error: MatchmakerError) -> Any:
    """Domain errors raised by services become JSON under /api (HTML pages handle their own)."""
    field_errors = error.field_errors() if isinstance(error, InvalidInput) else []
    payload = {
        "code": error.code,
        "status": error.status,
        "message": error.message.en,
        "message_zh": error.message.zh,
        "errors": field_errors,
    }
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    return payload, error.status, headers


HTTP_SUMMARIES = {
    400: Message("请求格式有误。", "Bad request."),
    401: AuthenticationRequired.message,
    403: PermissionDenied.message,
    404: NotFound.message,
    405: Message("不支持此请求方法。", "Method not allowed."),
    413: Message(
        "提交的内容过大：上传的文件不能超过 10 MB。", "The request is too large: uploads may be at most 10 MB."
    ),
    422: InvalidInput.message,
    429: Message("操作过于频繁，请稍后再试。", "Too many requests; please try again later."),
    500: Message("服务器内部错误，请稍后重试。", "Internal server error; please try again later."),
}


def schema_name(schema: Any) -> str:
    """OpenAPI component name: the class name without 'Schema', '…Update' for partial schemas."""
    name = resolver(schema)
    return name + "Update" if getattr(schema, "partial", False) else name


api = MatchmakerApi(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
API_MODULES = (organizations, postings, search, taxonomy, credit, projects, registries)
BLUEPRINTS = [module.blp for module in API_MODULES]


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="matchmaker 产教融合信息服务平台 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_ROUTE,
        API_SPEC_OPTIONS={
            "info": {
                "description": "Enterprises' needs and schools' offers in Guizhou. Reads are public; "
                "writes need `Authorization: Bearer <token>` (`matchmaker create-token`). "
                "Errors: `{code, status, message, message_zh, errors: [{field, message, "
                "message_zh}]}`."
            },
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api.init_app(app)
    app.add_url_rule(
        SWAGGER_UI_ROUTE + "<path:filename>",
        "swagger_ui_static",
        lambda filename: send_from_directory(swagger_ui_bundle.swagger_ui_path, filename),
    )

    for module in API_MODULES:
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL)
