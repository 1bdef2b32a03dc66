"""The API's Blueprint: flask-smorest's, with a request parser that refuses hostile JSON as bad input."""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
from webargs.flaskparser import FlaskParser


class Parser(FlaskParser):
    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except (RecursionError, ValueError) as error:
            # Nested thousands deep, or an integer of thousands of digits: not JSON we accept, so
            # a 400 like any other invalid body (webargs only catches JSONDecodeError itself).
            return self._handle_invalid_json_error(json.JSONDecodeError(str(error), "", 0), req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
