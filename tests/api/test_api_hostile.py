"""The HTTP service under hostile or careless requests (docs/security.md, "Service").

Each test is a case seen in the field: web sessions that outlived sign-out or carried
the key, connections held open without headers or with a stalled body, request bodies
without a size limit, an unbounded fit queue, world-readable files, HEAD/OPTIONS/405
answers without a correct ``Allow``, non-UTF-8 JSON, and response headers missing from
the OpenAPI document.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import (
    EXAMPLES,
    Api,
    MakeApi,
    Server,
    cli,
    fitted,
    make_settings,
    post_dataset,
    post_map,
    start_fit,
    wait_fit,
)
from fastapi.testclient import TestClient
from journeymap_api.main import create_app
from journeymap_api.models import BrowserSession, utcnow
from journeymap_api.web.session import hash_token, open_session, read_session

ZERO = "00000000-0000-0000-0000-000000000000"


# ----------------------------------------------------------------- helpers
def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def _sign_in(client: TestClient | httpx.Client, key: str) -> httpx.Response:
    form = client.get("/app/sign-in")
    # sent by hand: a Secure cookie is not sent back over the test's plain http
    cookie = {"Cookie": f"jm_signin={form.cookies['jm_signin']}"}
    r = client.post("/app/sign-in", data={"key": key, "csrf_token": _csrf(form.text),
                                          "next": "/app"}, headers=cookie,
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["detail"]
    return body


# ------------------------------------------------------------------ sessions
def test_the_session_cookie_holds_a_random_token_not_the_key(api: Api) -> None:
    key = api.workspace()["Authorization"].removeprefix("Bearer ")
    r = _sign_in(api.client, key)
    token = r.cookies["jm_session"]
    assert key not in token
    assert "." not in token
    assert len(token) == 43
    from sqlalchemy import select

    with api.client.app.state.sessions() as db:  # type: ignore[attr-defined]
        rows = db.scalars(select(BrowserSession)).all()
    assert [row.token_hash for row in rows] == [hash_token(token)]
    assert token not in {row.csrf for row in rows}


def test_a_cookie_replayed_after_sign_out_is_refused(api: Api) -> None:
    key = api.workspace()["Authorization"].removeprefix("Bearer ")
    token = _sign_in(api.client, key).cookies["jm_session"]
    csrf = _csrf(api.client.get("/app").text)
    out = api.client.post("/app/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # an attacker who copied the cookie before sign-out replays it
    api.client.cookies.clear()
    api.client.cookies.set("jm_session", token, path="/app")
    r = api.client.get("/app", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/app/sign-in")


def test_a_session_expires_after_its_maximum_age(api: Api) -> None:
    key = api.workspace()["Authorization"].removeprefix("Bearer ")
    start = utcnow()
    with api.client.app.state.sessions() as db:  # type: ignore[attr-defined]
        opened = open_session(db, key, 60, now=start)
        assert opened is not None
        token, session = opened
        assert session.expires_at == start + timedelta(seconds=60)
        assert read_session(db, token, now=start + timedelta(seconds=59)) is not None
        assert read_session(db, token, now=start + timedelta(seconds=60)) is None


def test_expired_sessions_are_removed_at_the_next_sign_in(api: Api) -> None:
    from sqlalchemy import func, select

    key = api.workspace()["Authorization"].removeprefix("Bearer ")
    long_ago = utcnow() - timedelta(days=2)
    with api.client.app.state.sessions() as db:  # type: ignore[attr-defined]
        assert open_session(db, key, 60, now=long_ago) is not None
        assert open_session(db, key, 60) is not None
        assert db.scalar(select(func.count()).select_from(BrowserSession)) == 1


@pytest.mark.parametrize("token", ["", "x" * 5000, "a.b", "jm_" + "A" * 40])
def test_an_unknown_or_oversized_cookie_is_no_session(api: Api, token: str) -> None:
    api.client.cookies.set("jm_session", token, path="/app")
    assert api.client.get("/app", follow_redirects=False).status_code == 303


def test_the_cookie_is_secure_when_the_request_came_over_https(make_api: MakeApi,
                                                               sqlite_url: str) -> None:
    with make_api(sqlite_url) as api:
        key = api.workspace()["Authorization"].removeprefix("Bearer ")
        client = TestClient(api.client.app, base_url="https://testserver")
        r = _sign_in(client, key)
        assert "Secure" in r.headers["set-cookie"]


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(
        make_server: Callable[..., Server], sqlite_url: str) -> None:
    server = make_server(sqlite_url, "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")
    key = server.create_workspace("acme")
    server.start()
    with httpx.Client(base_url=server.url, timeout=30,
                      headers={"X-Forwarded-Proto": "https"}) as client:
        r = _sign_in(client, key)
        assert "Secure" in r.headers["set-cookie"]
        assert "HttpOnly" in r.headers["set-cookie"]


def test_forwarded_allow_ips_without_proxy_headers_is_one_error_line(sqlite_url: str) -> None:
    r = cli("serve", "--db", sqlite_url, "--forwarded-allow-ips", "10.0.0.1")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["error: --forwarded-allow-ips needs "
                                             "--proxy-headers."]


# -------------------------------------------------------- connections (real server)
@pytest.fixture
def slow_server(make_server: Callable[..., Server], sqlite_url: str) -> Iterator[Server]:
    server = make_server(sqlite_url, "--header-timeout", "1",
                         JOURNEYMAP_BODY_TIMEOUT_SECONDS="1")
    server.start()
    return server


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (socket.timeout if it never does)."""
    sock.settimeout(20)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_connection_that_sends_nothing_is_closed(slow_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", slow_server.port)) as sock:
        assert _read_until_closed(sock) == b""


def test_a_connection_that_never_finishes_its_headers_is_closed(slow_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", slow_server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert _read_until_closed(sock) == b""


def test_a_stalled_body_gets_408_and_the_connection_is_closed(slow_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", slow_server.port)) as sock:
        sock.sendall(b"POST /v1/maps/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: 1000\r\n\r\n{\"source\": \"")
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"application/problem+json" in answer


def test_headers_larger_than_the_limit_are_refused(slow_server: Server) -> None:
    from journeymap.limits import MAX_HEADER_BYTES

    ok = httpx.get(slow_server.url + "/healthz", headers={"X-Big": "a" * 8000}, timeout=20)
    assert ok.status_code == 200
    with socket.create_connection(("127.0.0.1", slow_server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(MAX_HEADER_BYTES // 4096 + 1):
            sock.sendall(b"a" * 4096)
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    with socket.create_connection(("127.0.0.1", slow_server.port)) as sock:  # in one read
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 +
                     b"\r\n\r\n")
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


# ------------------------------------------------------------------ body limits
def test_a_json_body_over_the_limit_is_refused_before_it_is_read(make_api: MakeApi,
                                                                 sqlite_url: str) -> None:
    with make_api(sqlite_url, max_body_bytes=4096) as api:
        body = json.dumps({"source": "x" * 5000}).encode()
        r = api.client.post("/v1/maps", content=body, headers={
            **api.workspace(), "Content-Type": "application/json"})
        problem = _problem(r, 413)
        assert problem["max_body_bytes"] == 4096
        assert "4,096 bytes" in problem["detail"]


def test_a_chunked_json_body_over_the_limit_is_cut_off(make_api: MakeApi,
                                                       sqlite_url: str) -> None:
    with make_api(sqlite_url, max_body_bytes=4096) as api:
        def chunks() -> Iterator[bytes]:
            yield b'{"source": "'
            for _ in range(10):
                yield b"y" * 1000
            yield b'"}'

        r = api.client.post("/v1/maps/validate", content=chunks(), headers={
            **api.workspace(), "Content-Type": "application/json"})
        _problem(r, 413)


def test_the_default_body_limit_is_twice_the_largest_map() -> None:
    from journeymap_api.settings import Settings

    from journeymap.limits import MAX_BODY_BYTES, MAX_MAP_BYTES

    assert Settings(_env_file=None).max_body_bytes == MAX_BODY_BYTES == 2 * MAX_MAP_BYTES


def test_a_web_form_over_the_limit_gets_a_page(make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url, max_body_bytes=4096) as api:
        r = api.client.post("/app/maps/check", data={"source": "z" * 5000})
        assert r.status_code == 413
        assert r.headers["content-type"].startswith("text/html")


def test_non_utf8_json_is_a_documented_422_problem(api: Api) -> None:
    body = '{"source": "caf\xe9"}'.encode("latin-1")
    r = api.client.post("/v1/maps", content=body, headers={
        **api.workspace(), "Content-Type": "application/json"})
    problem = _problem(r, 422)
    assert "UTF-8" in problem["detail"]
    assert "422" in api.client.get("/openapi.json").json()["paths"]["/v1/maps"]["post"][
        "responses"]


# --------------------------------------------------------------- the fit queue
def test_fits_beyond_the_queue_get_503_with_retry_after(make_api: MakeApi,
                                                        sqlite_url: str) -> None:
    with make_api(sqlite_url, workers=1, max_queued_fits=1,
                  test_fit_delay_seconds=60) as api:
        h = api.workspace()
        m = post_map(api.client, h)
        d = post_dataset(api.client, h)
        first = start_fit(api.client, h, m["id"], d["id"])
        second = start_fit(api.client, h, m["id"], d["id"])
        r = api.client.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]},
                            headers=h)
        problem = _problem(r, 503)
        assert r.headers["Retry-After"] == "30"
        assert problem["type"] == "urn:journeymap:problem:server-busy"
        listed = {f["id"] for f in api.client.get("/v1/fits", headers=h).json()["data"]}
        assert listed == {first["id"], second["id"]}  # the refused fit was not kept


def test_a_large_stored_file_is_fitted_in_chunks_with_the_same_result(
        make_api: MakeApi, sqlite_url: str, tmp_path: Path) -> None:
    from journeymap import fit
    from journeymap.data import load_survey
    from journeymap.engines import fit_stream
    from journeymap.model import JourneyMap

    with make_api(sqlite_url, stream_fits_above_bytes=0, fit_chunk_rows=100) as api:
        h = api.workspace()
        done = fitted(api.client, h)
        worker = api.client.app.state.worker  # type: ignore[attr-defined]
        assert worker.results.live.get(uuid.UUID(done["id"])) is None  # no rows kept
    m = JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    expected = fit(m, load_survey(EXAMPLES / "kitchen_b2b.csv", m)).to_dict()
    # a streamed fit's robust errors are HC1 (docs/method.md, "Standard errors")
    expected_se = fit_stream(m, EXAMPLES / "kitchen_b2b.csv").to_dict()["edges"]
    got = done["result"]
    assert got["uncertainty"]["se_type"] == "hc1"
    assert got["n_responses"] == expected["n_responses"]
    assert got["nps"] == expected["nps"]
    for a, b, c in zip(got["edges"], expected["edges"], expected_se, strict=True):
        assert (a["from"], a["to"]) == (b["from"], b["to"])
        if b["estimate"] is not None:
            assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-9, abs=1e-12)
            assert a["se"] == pytest.approx(c["se"], rel=1e-9, abs=1e-12)


def test_what_if_works_after_a_chunked_fit(make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url, stream_fits_above_bytes=0) as api:
        h = api.workspace()
        done = fitted(api.client, h)
        node = done["result"]["effects"][0]["node"]
        r = api.client.post(f"/v1/fits/{done['id']}/what-if", json={"shifts": {node: 1}},
                            headers=h)
        assert r.status_code == 200, r.text


# --------------------------------------------------------------- file modes
def test_the_database_and_uploads_are_not_readable_by_others(make_api: MakeApi,
                                                             tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "db" / "jm.db"
        with make_api(f"sqlite:///{db}") as api:
            d = post_dataset(api.client, api.workspace())
        stored = list((tmp_path / "data" / "datasets").rglob(f"{d['id']}.*"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert len(stored) == 1
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o640
    assert stat.S_IMODE(stored[0].parent.stat().st_mode) & 0o007 == 0


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    from journeymap_api.db import make_engine

    db = tmp_path / "old.db"
    db.touch()
    db.chmod(0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# ------------------------------------------------------------ methods and Allow
@pytest.mark.parametrize("path", ["/healthz", "/v1/workspace", "/v1/maps", "/openapi.json"])
def test_head_answers_like_get_without_a_body(api: Api, path: str) -> None:
    h = api.workspace()
    get = api.client.get(path, headers=h)
    head = api.client.head(path, headers=h)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_on_a_finished_fits_drivers_keeps_the_etag(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    get = api.client.get(f"/v1/fits/{done['id']}/drivers", headers=h)
    head = api.client.head(f"/v1/fits/{done['id']}/drivers", headers=h)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


@pytest.mark.parametrize(("path", "allowed"), [
    ("/v1/maps", "GET, HEAD, OPTIONS, POST"),
    (f"/v1/maps/{ZERO}", "DELETE, GET, HEAD, OPTIONS, PUT"),
    (f"/v1/fits/{ZERO}/what-if", "OPTIONS, POST"),
    ("/healthz", "GET, HEAD, OPTIONS"),
])
def test_options_answers_204_with_the_paths_methods(api: Api, path: str, allowed: str) -> None:
    r = api.client.options(path)
    assert r.status_code == 204
    assert r.headers["allow"] == allowed
    assert r.content == b""


def test_options_on_an_unknown_path_is_404(api: Api) -> None:
    _problem(api.client.options("/v1/nothing-here"), 404)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PATCH", f"/v1/maps/{ZERO}", "DELETE, GET, HEAD, OPTIONS, PUT"),
    ("PUT", "/v1/maps", "GET, HEAD, OPTIONS, POST"),
    ("GET", f"/v1/fits/{ZERO}/what-if", "OPTIONS, POST"),
])
def test_405_lists_every_method_of_the_path(api: Api, method: str, path: str,
                                             allowed: str) -> None:
    r = api.client.request(method, path, headers=api.workspace())
    _problem(r, 405)
    assert r.headers["allow"] == allowed


# ------------------------------------------------------------------ OpenAPI
def _spec() -> dict[str, Any]:
    from journeymap_api.settings import Settings

    app = create_app(Settings(_env_file=None, database_url="sqlite://"))  # type: ignore[call-arg]
    spec: dict[str, Any] = app.openapi()
    return spec


def test_openapi_declares_etag_location_and_retry_after() -> None:
    paths = _spec()["paths"]
    drivers = paths["/v1/fits/{fit_id}/drivers"]["get"]["responses"]
    assert drivers["200"]["headers"]["ETag"]["required"] is True
    assert drivers["304"]["headers"]["ETag"]["required"] is True
    for path, method, code in (("/v1/maps", "post", "201"), ("/v1/datasets", "post", "201"),
                               ("/v1/fits", "post", "202")):
        assert paths[path][method]["responses"][code]["headers"]["Location"]["required"]
    busy = paths["/v1/fits"]["post"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]
    assert busy["content"]["application/problem+json"]


def test_openapi_declares_413_for_every_request_body() -> None:
    for path, item in _spec()["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], f"{method.upper()} {path}"


def test_the_settings_refuse_nonsense_limits() -> None:
    from pydantic import ValidationError

    for bad in ({"max_body_bytes": 0}, {"max_queued_fits": -1}, {"body_timeout_seconds": 0},
                {"fit_chunk_rows": 0}):
        with pytest.raises(ValidationError):
            make_settings("sqlite://", Path("/nonexistent"), **bad)


def test_waiting_for_a_fit_still_works_with_the_queue(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    d = post_dataset(api.client, h)
    ids = [start_fit(api.client, h, m["id"], d["id"])["id"] for _ in range(3)]
    assert [wait_fit(api.client, h, i)["status"] for i in ids] == ["done"] * 3
    assert api.client.app.state.worker.pending == 0  # type: ignore[attr-defined]


# ------------------------------------------------------------------- downloads
def _web_fit(api: Api, source: str | None = None) -> tuple[dict[str, Any], TestClient]:
    """A finished fit (of ``source``, default the example) and a signed-in client."""
    h = api.workspace()
    m = post_map(api.client, h, source)
    d = post_dataset(api.client, h)
    done = wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])
    assert done["status"] == "done", done["error"]
    _sign_in(api.client, h["Authorization"].removeprefix("Bearer "))
    return done, api.client


@pytest.mark.parametrize("role", ['x"\r\nSet-Cookie: stolen=1', "../../etc/passwd",
                                  "a;filename=evil.exe", "\u202eexe.csv"])
def test_a_hostile_role_never_reaches_the_download_name(api: Api, role: str) -> None:
    done, client = _web_fit(api)
    r = client.get(f"/app/fits/{done['id']}/files/drivers.csv", params={"role": role})
    assert r.status_code == 200
    disposition = r.headers["content-disposition"]
    assert disposition == f'attachment; filename="fit-{done["id"][:8]}-drivers.csv"'
    assert "stolen" not in str(r.headers.raw)


@pytest.mark.parametrize("name", ["map.svg", "card.html"])
def test_a_role_that_is_not_in_the_map_gets_404_not_a_file(api: Api, name: str) -> None:
    done, client = _web_fit(api)
    r = client.get(f"/app/fits/{done['id']}/files/{name}", params={"role": 'x"\r\ny'})
    assert r.status_code == 404
    assert "content-disposition" not in r.headers


def test_a_non_latin_role_downloads_with_an_rfc6266_name(api: Api) -> None:
    from urllib.parse import quote

    source = (EXAMPLES / "kitchen_b2b.yaml").read_text(encoding="utf-8").replace(
        "marketing", "продавец")
    done, client = _web_fit(api, source)
    r = client.get(f"/app/fits/{done['id']}/files/card.html", params={"role": "продавец"})
    assert r.status_code == 200, r.text[:300]
    stem = f"fit-{done['id'][:8]}"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="{stem}-________-card.html"; '
        f"filename*=UTF-8''{stem}-{quote('продавец')}-card.html")


@pytest.mark.parametrize(("name", "expected"), [
    ("fit-1.csv", 'attachment; filename="fit-1.csv"'),
    ('a"b\r\nc.csv', 'attachment; filename="abc.csv"'),
    ("../x/y.svg", 'attachment; filename="..xy.svg"'),
    ("", 'attachment; filename="download"'),
    ("é.txt", "attachment; filename=\"_.txt\"; filename*=UTF-8''%C3%A9.txt"),
    ("a b;c.txt", "attachment; filename=\"a_bc.txt\"; filename*=UTF-8''a%20bc.txt"),
])
def test_attachment_names_are_plain_ascii_with_an_utf8_form(name: str, expected: str) -> None:
    from journeymap_api.responses import attachment

    value = attachment(name)
    assert value == expected
    value.encode("latin-1")  # a header value the server can send


# ---------------------------------------------------- maps, what-if and datasets
def test_put_of_the_same_text_under_another_file_name_adds_no_version(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h, filename="first.yaml")
    r = api.client.put(f"/v1/maps/{m['id']}", headers=h, json={
        "source": (EXAMPLES / "kitchen_b2b.yaml").read_text(encoding="utf-8"),
        "filename": "renamed.yaml"})
    assert r.status_code == 200
    assert r.json()["version"] == 1
    versions = api.client.get(f"/v1/maps/{m['id']}/versions", headers=h).json()["data"]
    assert [v["version"] for v in versions] == [1]


def test_what_if_on_the_outcome_is_422(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    r = api.client.post(f"/v1/fits/{done['id']}/what-if", json={"shifts": {"nps": 1}},
                        headers=h)
    problem = _problem(r, 422)
    assert "'nps' is the outcome" in problem["detail"]


def test_the_outcome_check_names_the_outcome_and_passes_other_nodes() -> None:
    from journeymap.analysis.whatif import check_not_outcome
    from journeymap.exceptions import JourneymapError
    from journeymap.model import JourneyMap

    m = JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    check_not_outcome(m, {"delivery": 1.0, "marketing": 0.5})
    with pytest.raises(JourneymapError, match="'nps' is the outcome"):
        check_not_outcome(m, {"delivery": 1.0, "nps": 1.0})


@pytest.mark.parametrize("content", [b"null", b"null\n", b"a,b\n", b"ltr\r\n"])
def test_a_dataset_without_responses_is_422_not_201(api: Api, content: bytes) -> None:
    from api_helpers import upload

    r = upload(api.client, api.workspace(), content=content, filename="empty.csv")
    problem = _problem(r, 422)
    assert "no responses" in problem["detail"]
    assert api.client.get("/v1/datasets", headers=api.workspace()).json()["count"] == 0
    assert not list((api.settings.data_dir / "datasets").rglob("*.csv"))


@pytest.mark.parametrize(("content", "rows", "status"), [
    ((EXAMPLES / "kitchen_b2b.csv").read_bytes(), 3000, 201),
    (b"a;b\n1;2\n3;4\n", 2, 201),
    (b"a,b\n", 0, 422),
    (b"a,b\n1,2\n3,4,5\n", 0, 422),
    (b"PAR1\x00\x00garbage", 0, 422),
])
def test_a_large_upload_is_checked_in_chunks_like_a_small_one(
        make_api: MakeApi, sqlite_url: str, content: bytes, rows: int, status: int) -> None:
    from api_helpers import upload

    with make_api(sqlite_url, stream_fits_above_bytes=0) as api:
        r = upload(api.client, api.workspace(), content=content, filename="big.csv")
        assert r.status_code == status, r.text
        if status == 201:
            assert r.json()["n_rows"] == rows
            assert r.json()["columns"][:2] == (["a", "b"] if rows == 2 else
                                               r.json()["columns"][:2])
        else:
            _problem(r, 422)
            assert not list((api.settings.data_dir / "datasets").rglob("*.csv"))


def test_what_if_on_an_unknown_node_is_an_invalid_request_naming_the_nearest_id(api: Api) -> None:
    # docs/api.md's problem table: an unknown node in a what-if is `invalid-request`.
    h = api.workspace()
    done = fitted(api.client, h)
    r = api.client.post(f"/v1/fits/{done['id']}/what-if", json={"shifts": {"delivry": 1}},
                        headers=h)
    problem = _problem(r, 422)
    assert problem["type"] == "urn:journeymap:problem:invalid-request"
    assert "the map has no node 'delivry'. Did you mean 'delivery'?" in problem["detail"]
