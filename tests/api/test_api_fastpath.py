"""Warm reads of a finished fit's drivers and roles: answered from memory in front of
FastAPI (api/fastpath.py) with exactly the bytes and headers the route sends, an ETag
and 304 for If-None-Match, and never for a key or workspace the route would refuse."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest
from api_helpers import Api, MakeApi, fitted
from journeymap_api.auth import AuthCache, CurrentWorkspace, bearer_key
from journeymap_api.models import ApiKey, utcnow
from journeymap_api.results import etag_matches
from sqlalchemy import update

ROUTES = ["drivers", "roles", "roles/installer", "roles/support_agent"]


def _hits(api: Api) -> int:
    hits: int = api.client.app.state.fast_path.hits  # type: ignore[attr-defined]
    return hits


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _answer(r: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    return r.status_code, r.content, sorted(r.headers.multi_items())


@pytest.mark.parametrize("route", ROUTES)
def test_a_warm_answer_from_memory_is_the_routes_answer_byte_for_byte(
        make_api: MakeApi, sqlite_url: str, route: str) -> None:
    with make_api(sqlite_url) as api:
        headers = api.workspace()
        fit = fitted(api.client, headers)
        path = f"/v1/fits/{fit['id']}/{route}"
        before = _hits(api)
        cold = api.client.get(path, headers=headers)  # through FastAPI: fills the memory
        assert _hits(api) == before
        warm = api.client.get(path, headers=headers)
        assert _hits(api) == before + 1
        assert cold.status_code == 200
        assert _answer(warm) == _answer(cold)
        assert warm.headers["content-type"] == "application/json"
        assert warm.headers["content-length"] == str(len(cold.content))
        assert warm.headers["etag"] == _etag(cold.content)
    with make_api(sqlite_url) as fresh:  # a new process: nothing in memory
        again = fresh.client.get(path, headers=headers)
        assert _hits(fresh) == 0
        assert _answer(again) == _answer(cold)


def test_the_answers_are_the_analyses_of_the_stored_result(api: Api) -> None:
    headers = api.workspace()
    fit = fitted(api.client, headers)
    base = f"/v1/fits/{fit['id']}"
    for _ in range(2):  # cold, then from memory
        drivers = api.client.get(f"{base}/drivers", headers=headers).json()
        installer = api.client.get(f"{base}/roles/installer", headers=headers).json()
        assert drivers["nps"] == fit["result"]["nps"]
        stored = {e["node"]: e for e in fit["result"]["effects"]}
        assert {d["node"] for d in drivers["drivers"]} == set(stored)
        for d in drivers["drivers"]:
            assert d["total"] == stored[d["node"]]["total"]
        role = next(r for r in fit["result"]["roles"] if r["role"] == "installer")
        assert installer["influence"] == role["influence"]
        assert installer["nps_points"] == role["nps_points"]
    assert _hits(api) == 2


def test_if_none_match_with_the_etag_answers_304_without_a_body(
        make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url) as api:
        headers = api.workspace()
        fit = fitted(api.client, headers)
        path = f"/v1/fits/{fit['id']}/roles/installer"
        etag = api.client.get(path, headers=headers).headers["etag"]
    with make_api(sqlite_url) as api:  # nothing in memory: FastAPI answers the first
        for n, tag in enumerate((etag, f"W/{etag}", f'"other", {etag}', "*")):
            r = api.client.get(path, headers={**headers, "If-None-Match": tag})
            assert r.status_code == 304
            assert r.content == b""
            assert r.headers["etag"] == etag
            assert "content-type" not in r.headers
            assert _hits(api) == n  # the first through FastAPI, then from memory
        r = api.client.get(path, headers={**headers, "If-None-Match": '"other"'})
        assert r.status_code == 200
        assert r.headers["etag"] == etag == _etag(r.content)
        assert _hits(api) == 4


def test_an_unknown_revoked_or_foreign_key_is_never_answered_from_memory(
        make_api: MakeApi, sqlite_url: str) -> None:
    now = [1000.0]
    with make_api(sqlite_url, auth_cache_seconds=10) as api:
        api.client.app.state.auth_cache.clock = lambda: now[0]  # type: ignore[attr-defined]
        mine, theirs = api.workspace("mine"), api.workspace("theirs")
        fit = fitted(api.client, mine)
        path = f"/v1/fits/{fit['id']}/drivers"
        assert api.client.get(path, headers=mine).status_code == 200
        assert api.client.get(path, headers=theirs).status_code == 404  # another workspace
        hits = _hits(api)
        for header in ("Bearer jm_" + "x" * 43, "Bearer", "Basic dXNlcjpwdw==", ""):
            r = api.client.get(path, headers={"Authorization": header} if header else {})
            assert r.status_code == 401
            assert r.headers["content-type"] == "application/problem+json"
        assert api.client.get(path, headers=theirs).status_code == 404
        assert _hits(api) == hits
        assert api.client.get(path, headers=mine).status_code == 200
        assert _hits(api) == hits + 1

        sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
        with sessions() as s:
            s.execute(update(ApiKey).values(revoked_at=utcnow()))
            s.commit()
        now[0] += 9.0  # still within auth_cache_seconds: the documented grace
        assert api.client.get(path, headers=mine).status_code == 200
        now[0] += 2.0  # past it: the key is checked again, and refused
        r = api.client.get(path, headers=mine)
        assert r.status_code == 401
        assert r.json()["title"] == "API key not valid"
        assert api.client.get(path, headers=mine).status_code == 401  # refusals not cached
        assert _hits(api) == hits + 2


@pytest.mark.parametrize("variant", ["upper", "slash", "query", "post", "head"])
def test_other_spellings_and_methods_go_to_fastapi(api: Api, variant: str) -> None:
    headers = api.workspace()
    fit = fitted(api.client, headers)
    path = f"/v1/fits/{fit['id']}/drivers"
    warm = api.client.get(path, headers=headers)
    hits = _hits(api)
    c = api.client
    expected: dict[str, tuple[int, Any]] = {
        "upper": (200, warm.json()), "slash": (307, None), "query": (200, warm.json()),
        "post": (405, None), "head": (200, None)}
    r = {"upper": lambda: c.get(f"/v1/fits/{fit['id'].upper()}/drivers", headers=headers),
         "slash": lambda: c.get(path + "/", headers=headers, follow_redirects=False),
         "query": lambda: c.get(path + "?x=1", headers=headers),
         "post": lambda: c.post(path, headers=headers),
         "head": lambda: c.head(path, headers=headers)}[variant]()
    status, body = expected[variant]
    assert r.status_code == status
    if body is not None:
        assert r.json() == body
    if variant == "head":  # HEAD is GET without the body (api.middleware), from memory too
        assert r.content == b""
        assert r.headers["etag"] == warm.headers["etag"]
    # a query string changes nothing
    assert _hits(api) == hits + (variant in ("query", "head"))


def test_an_unfinished_or_unknown_fit_is_left_to_fastapi(api: Api) -> None:
    headers = api.workspace()
    r = api.client.get("/v1/fits/00000000-0000-4000-8000-000000000000/drivers", headers=headers)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert _hits(api) == 0


def test_openapi_still_documents_the_response_models_and_304(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for route, model in [("drivers", "DriversOut"), ("roles", "RolesOut"),
                         ("roles/{role}", "RoleInfluenceOut")]:
        op = spec["paths"][f"/v1/fits/{{fit_id}}/{route}"]["get"]
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{model}"}
        assert "304" in op["responses"]
        assert {"name": "if-none-match", "in": "header"}.items() <= next(
            p for p in op["parameters"] if p["in"] == "header").items()


@pytest.mark.parametrize(("header", "key"), [
    ("Bearer jm_abc", "jm_abc"), ("bearer  jm_abc ", "jm_abc"), ("BEARER jm_abc", "jm_abc"),
    ("Bearer", None), ("Bearer ", None), ("Basic jm_abc", None), ("", None), (None, None),
    ("Bearerjm_abc", None)])
def test_the_bearer_key_is_read_as_fastapi_reads_it(header: str | None, key: str | None
                                                    ) -> None:
    from fastapi.security.utils import get_authorization_scheme_param

    assert bearer_key(header) == key
    scheme, credentials = get_authorization_scheme_param(header)
    fastapi_key = credentials if header and credentials and scheme.lower() == "bearer" else None
    assert fastapi_key == key


@pytest.mark.parametrize(("if_none_match", "matches"), [
    ('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True), (" * ", True),
    ('"abcd"', False), ('"ab"', False), ("", False), (None, False), ("abc", False)])
def test_if_none_match_uses_the_weak_comparison(if_none_match: str | None, matches: bool
                                                ) -> None:
    assert etag_matches(if_none_match, '"abc"') is matches


def test_the_key_cache_forgets_a_key_after_its_ttl_and_keeps_no_refusals() -> None:
    now = [0.0]
    cache = AuthCache(5.0, maxsize=2, clock=lambda: now[0])
    ws = CurrentWorkspace(id=uuid.uuid4(), name="acme")
    assert cache.get("jm_a") is None
    cache.put("jm_a", ws)
    now[0] = 4.9
    assert cache.get("jm_a") == ws
    now[0] = 5.1
    assert cache.get("jm_a") is None
    cache.put("jm_a", ws)
    cache.put("jm_b", ws)
    cache.put("jm_c", ws)  # maxsize 2: the oldest goes
    assert [cache.get(k) for k in ("jm_a", "jm_b", "jm_c")] == [None, ws, ws]
    assert "jm_b" not in json.dumps(list(cache._items))  # kept by hash only
