"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error answer has ``type``, ``title``, ``status``, ``detail`` (one sentence a
user understands: for bad input the library's own message) and ``instance`` (the
path asked for), plus extension members where useful (``errors`` for request
validation, ``problems`` for a map with several problems).  No answer ever holds a
traceback; unexpected errors are logged and answered with a plain 500 problem.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from journeymap.exceptions import (
    JourneymapError,
    MapTooLargeError,
    MapValidationError,
    RenderError,
)

__all__ = ["PROBLEM_JSON", "Problem", "ProblemResponse", "install_problem_handlers", "not_found",
           "problem_for_library_error", "problem_openapi", "problem_responses"]

PROBLEM_JSON = "application/problem+json"
_BASE = "urn:journeymap:problem:"

INVALID_MAP = _BASE + "invalid-map"
INVALID_DATA = _BASE + "invalid-data"
INVALID_REQUEST = _BASE + "invalid-request"
UNAUTHORIZED = _BASE + "unauthorized"
NOT_FOUND = _BASE + "not-found"
CONFLICT = _BASE + "conflict"
FIT_NOT_READY = _BASE + "fit-not-ready"
FIT_FAILED = _BASE + "fit-failed"
DATA_UNAVAILABLE = _BASE + "data-unavailable"
TOO_LARGE = _BASE + "too-large"
UNSUPPORTED_FILE = _BASE + "unsupported-file"
RENDER_UNAVAILABLE = _BASE + "render-unavailable"
MAP_TOO_LARGE = _BASE + "map-too-large"
INTERNAL = _BASE + "internal"

logger = logging.getLogger("journeymap.api")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


class Problem(StarletteHTTPException):
    """An error answered as a problem+json body.

    A subclass of Starlette's ``HTTPException`` so that it passes unchanged through
    FastAPI's request-body parsing (the upload size limit raises it from there).
    """

    def __init__(self, status: int, detail: str, *, type: str = "about:blank",
                 title: str | None = None, headers: dict[str, str] | None = None,
                 **extensions: Any) -> None:
        super().__init__(status, detail, headers)
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title or HTTPStatus(status).phrase
        self.extensions = extensions

    def __str__(self) -> str:
        return self.detail

    def body(self, instance: str) -> dict[str, Any]:
        return {"type": self.type, "title": self.title, "status": self.status,
                "detail": self.detail, "instance": instance, **self.extensions}

    def response(self, request: Request) -> ProblemResponse:
        return ProblemResponse(self.body(request.url.path), status_code=self.status,
                               headers=dict(self.headers or {}))


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json answers with these status codes."""
    schema = {"$ref": "#/components/schemas/ProblemOut"}
    return {code: {"description": HTTPStatus(code).phrase,
                   "content": {PROBLEM_JSON: {"schema": schema}}} for code in codes}


def problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Make every 4xx/5xx answer of an OpenAPI document ``application/problem+json``.

    FastAPI documents its validation errors as ``HTTPValidationError``; this service
    answers them (and every other error) as :class:`~api.schemas.ProblemOut`.
    """
    from .schemas import ProblemOut

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemOut"] = ProblemOut.model_json_schema(
        ref_template="#/components/schemas/{model}")
    ref = {"$ref": "#/components/schemas/ProblemOut"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, answer in operation.get("responses", {}).items():
                if str(code)[:1] in ("4", "5"):
                    answer["content"] = {PROBLEM_JSON: {"schema": ref}}
                    if str(code) == "422":
                        answer["description"] = "The request is not valid (problem+json)"
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def not_found(what: str, ident: object) -> Problem:
    return Problem(404, f"there is no {what} with id '{ident}' in this workspace.",
                   type=NOT_FOUND, title="Not found")


def problem_for_library_error(exc: JourneymapError, *, status: int = 422) -> Problem:
    """The problem for an error the library raised on bad input (its message as detail)."""
    if isinstance(exc, RenderError):  # graphviz missing, failed or too slow (docs/security.md)
        return Problem(503, str(exc), type=RENDER_UNAVAILABLE, title="Cannot draw the map")
    if isinstance(exc, MapTooLargeError):
        return Problem(422, str(exc), type=MAP_TOO_LARGE, title="The map is too large to draw")
    if isinstance(exc, MapValidationError):
        extra: dict[str, Any] = {"problems": list(exc.problems)}
        return Problem(status, str(exc), type=INVALID_MAP, title="The map is not valid",
                       **extra)
    return Problem(status, str(exc), type=INVALID_REQUEST, title="The request cannot be done")


def _location(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts[0]
        rest = parts[1:]
        return f"{where} field '{'.'.join(rest)}'" if rest else f"the {where}"
    return ".".join(parts)


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors = [{"loc": [p if isinstance(p, int | str) else str(p) for p in e.get("loc", ())],
               "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
              for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        detail = "the request body is not valid JSON."
    else:
        shown = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        detail = f"the request is not valid: {shown}{more}."
    return Problem(422, detail, type=INVALID_REQUEST, title="The request is not valid",
                   errors=errors)


_HTTP_DETAILS = {
    404: "there is nothing at this address; see /docs for the routes.",
    405: "this address does not accept this method; see /docs for the routes.",
}


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, Problem)
        return exc.response(request)

    async def on_http(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to a JSON body that is not UTF-8 text (or not decodable)
            return Problem(422, "the request body is not valid JSON: send UTF-8 text "
                                "('Content-Type: application/json; charset=utf-8').",
                           type=INVALID_REQUEST, title="The request is not valid"
                           ).response(request)
        if not detail or detail == HTTPStatus(exc.status_code).phrase:
            detail = _HTTP_DETAILS.get(exc.status_code, HTTPStatus(exc.status_code).phrase + ".")
        problem = Problem(exc.status_code, detail, headers=dict(exc.headers or {}))
        return problem.response(request)

    async def on_validation(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_problem(exc).response(request)

    async def on_library(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, JourneymapError)
        return problem_for_library_error(exc).response(request)

    async def on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
        logger.error("internal error on %s %s", request.method, request.url.path,
                     exc_info=exc)
        return Problem(500, "an internal error occurred; it has been logged. Please try "
                       "again, and report it if it persists.", type=INTERNAL).response(request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(JourneymapError, on_library)
    app.add_exception_handler(Exception, on_unexpected)
