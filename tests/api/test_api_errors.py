"""Errors are RFC 9457 problems a user understands, and bad input changes nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import (
    EXAMPLES,
    Api,
    MakeApi,
    example_map_text,
    fitted,
    post_dataset,
    post_map,
    start_fit,
    upload,
    wait_fit,
)

PROBLEM = "application/problem+json"


def _is_problem(r: Any, status: int) -> dict[str, object]:
    """``r`` (an httpx or httpx2 response) is a problem+json answer with ``status``."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, object] = r.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in r.text
    assert 'File "' not in r.text
    return body


def _counts(api: Api, h: dict[str, str]) -> tuple[int, int, int]:
    c = api.client
    return (c.get("/v1/maps", headers=h).json()["count"],
            c.get("/v1/datasets", headers=h).json()["count"],
            c.get("/v1/fits", headers=h).json()["count"])


def _stored_files(api: Api) -> list[Path]:
    root = Path(api.settings.data_dir)
    return sorted(p for p in root.rglob("*") if p.is_file())


# ------------------------------------------------------------------------- maps
def test_a_bad_map_answers_422_naming_the_line_and_stores_nothing(api: Api) -> None:
    h = api.workspace()
    text = example_map_text().replace("[billing, invoice]", "[billing, invoce]")
    r = api.client.post("/v1/maps", json={"source": text, "filename": "kitchen_b2b.yaml"},
                        headers=h)
    body = _is_problem(r, 422)
    line = text.splitlines().index("  - [billing, invoce]") + 1
    assert body["type"] == "urn:journeymap:problem:invalid-map"
    assert f"kitchen_b2b.yaml, line {line}:" in str(body["detail"])
    assert "Did you mean 'invoice'?" in str(body["detail"])
    assert body["problems"] == [body["detail"]]
    assert _counts(api, h) == (0, 0, 0)


def test_a_map_with_several_problems_lists_each(api: Api) -> None:
    h = api.workspace()
    text = ('{"outcome": "nps", "nodes": [{"id": "nps", "kind": "outcome"},\n'
            '{"id": "a", "kind": "touchpoint", "scale": [5, 1]},\n'
            '{"id": "b", "kind": "touchpoint", "scale": [5, 1]}], "edges": []}')
    body = _is_problem(api.client.post("/v1/maps", json={"source": text, "filename": "m.json"},
                                       headers=h), 422)
    problems = body["problems"]
    assert isinstance(problems, list)
    assert len(problems) >= 2
    assert all(str(p).startswith("m.json, line ") for p in problems)
    assert str(body["detail"]).startswith(f"{len(problems)} problems in the map:")


def test_validate_reports_problems_and_warnings_without_storing(api: Api) -> None:
    h = api.workspace()
    ok = api.client.post("/v1/maps/validate", json={"source": example_map_text()}, headers=h)
    assert ok.status_code == 200
    assert ok.json()["valid"] is True
    assert ok.json()["nodes"] == 20
    bad = api.client.post("/v1/maps/validate",
                          json={"source": "outcome: nps\nnodes: []\nedges: []\n",
                                "filename": "x.yaml"}, headers=h)
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert bad.json()["problems"]
    assert all(p.startswith("x.yaml") for p in bad.json()["problems"])
    assert _counts(api, h) == (0, 0, 0)


def test_a_bad_change_to_a_map_keeps_the_old_version(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    r = api.client.put(f"/v1/maps/{m['id']}", json={"source": "nodes: [\n"}, headers=h)
    _is_problem(r, 422)
    again = api.client.get(f"/v1/maps/{m['id']}", headers=h).json()
    assert again["version"] == again["latest_version"] == 1


BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9 if p else ['x'] * 9)}]\n"
               for p, a in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True))


@pytest.mark.parametrize(("text", "why"), [
    (BOMB + "outcome: nps\nnodes: *h\nedges: []\n", "expands to more than"),
    ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ('{"outcome": ' + "[" * 5_000 + "]" * 5_000 + "}", "nested too deeply"),
])
def test_a_map_text_that_would_exhaust_the_parser_is_refused_at_once(
        api: Api, text: str, why: str) -> None:
    # The answer names the limit that stopped the text, so the check ran before the
    # parser expanded it (unchecked, the alias text runs for minutes).  No wall-clock
    # bound: it failed under load; timings live in benchmarks/.
    body = _is_problem(api.client.post("/v1/maps", json={"source": text, "filename": "x.yaml"},
                                       headers=api.workspace()), 422)
    assert body["type"] == "urn:journeymap:problem:invalid-map"
    assert str(body["detail"]).startswith("x.yaml, line ")  # the library names the line
    assert why in str(body["detail"])


@pytest.mark.parametrize(("body", "where"), [
    ({}, "source"),
    ({"source": ""}, "source"),
    ({"source": "x", "extra": 1}, "extra"),
    ({"source": 5}, "source"),
])
def test_an_invalid_request_body_answers_422_problem_naming_the_field(
        api: Api, body: dict[str, object], where: str) -> None:
    problem = _is_problem(api.client.post("/v1/maps", json=body, headers=api.workspace()), 422)
    assert problem["type"] == "urn:journeymap:problem:invalid-request"
    assert where in str(problem["detail"])
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors


def test_malformed_json_answers_a_problem(api: Api) -> None:
    r = api.client.post("/v1/maps", content=b"{not json",
                        headers={**api.workspace(), "Content-Type": "application/json"})
    assert _is_problem(r, 422)["detail"] == "the request body is not valid JSON."


def test_unknown_routes_and_methods_answer_problems(api: Api) -> None:
    _is_problem(api.client.get("/v1/nothing"), 404)
    _is_problem(api.client.delete("/v1/maps", headers=api.workspace()), 405)
    body = _is_problem(api.client.get("/v1/maps/not-a-uuid", headers=api.workspace()), 422)
    assert "map_id" in str(body["detail"])


# --------------------------------------------------------------------- datasets
@pytest.fixture
def small_limit(make_api: MakeApi, sqlite_url: str) -> Iterator[Api]:
    with make_api(sqlite_url, max_upload_bytes=100_000) as a:
        yield a


def test_an_upload_over_the_limit_answers_413_and_stores_nothing(small_limit: Api) -> None:
    h = small_limit.workspace()
    big = (EXAMPLES / "kitchen_b2b.csv").read_bytes()
    assert len(big) > 100_000
    body = _is_problem(upload(small_limit.client, h, content=big), 413)
    assert body["max_upload_bytes"] == 100_000
    assert "100,000" in str(body["detail"]) or "97.66 KiB" in str(body["detail"])
    assert _counts(small_limit, h)[1] == 0
    assert _stored_files(small_limit) == []


def test_an_upload_just_over_the_limit_inside_the_multipart_slack_is_refused(
        small_limit: Api) -> None:
    h = small_limit.workspace()
    content = b"ltr\n" + b"5\n" * 50_000  # 100,004 bytes: within the request slack
    body = _is_problem(upload(small_limit.client, h, content=content, filename="x.csv"), 413)
    assert "97.66 KiB" in str(body["detail"])
    assert _stored_files(small_limit) == []


def test_an_upload_without_content_length_is_cut_off_at_the_limit(small_limit: Api) -> None:
    h = small_limit.workspace()
    boundary = "jmboundary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    payload += b"ltr\n" + b"5\n" * 200_000 + f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(payload), 8192):
            yield payload[i:i + 8192]

    r = small_limit.client.post(
        "/v1/datasets", content=chunks(),
        headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert "content-length" not in r.request.headers
    _is_problem(r, 413)
    assert _stored_files(small_limit) == []


def test_an_unreadable_or_unsupported_file_is_refused(api: Api) -> None:
    h = api.workspace()
    body = _is_problem(upload(api.client, h, content=b"\x00\x01\x02binary", filename="x.csv"),
                       422)
    assert body["type"] == "urn:journeymap:problem:invalid-data"
    assert "x.csv" in str(body["detail"])
    assert str(api.settings.data_dir) not in str(body)
    _is_problem(upload(api.client, h, content=b"", filename="empty.csv"), 422)
    _is_problem(upload(api.client, h, content=b"%PDF-1.4", filename="survey.pdf"), 415)
    assert _counts(api, h)[1] == 0
    assert _stored_files(api) == []


def test_parquet_uploads_are_read(api: Api, example_frame: pd.DataFrame) -> None:
    h = api.workspace()
    buf = io.BytesIO()
    example_frame.to_parquet(buf)
    r = upload(api.client, h, content=buf.getvalue(), filename="survey.parquet")
    assert r.status_code == 201, r.text
    assert r.json()["format"] == "parquet"
    assert r.json()["n_rows"] == len(example_frame)


# ------------------------------------------------------------------------- fits
def test_data_that_break_the_rules_end_the_fit_failed_with_the_library_message(
        api: Api, example_frame: pd.DataFrame) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    frame = example_frame.drop(columns=["q_install"])
    d = upload(api.client, h, content=frame.to_csv(index=False).encode(), filename="no_q.csv")
    assert d.status_code == 201
    fit = wait_fit(api.client, h, start_fit(api.client, h, m["id"], d.json()["id"])["id"])
    assert fit["status"] == "failed"
    assert fit["result"] is None
    error = fit["error"]
    assert error["type"] == "urn:journeymap:problem:invalid-data"
    assert error["detail"].startswith("no_q.csv: the map needs columns that the data do not "
                                      "have: 'q_install' for node 'installation'")
    assert str(api.settings.data_dir) not in json.dumps(fit)
    body = _is_problem(api.client.get(f"/v1/fits/{fit['id']}/drivers", headers=h), 409)
    assert body["type"] == "urn:journeymap:problem:fit-failed"
    assert "q_install" in str(body["detail"])


def test_minimum_responses_apply_exactly_as_in_the_cli(api: Api,
                                                       example_frame: pd.DataFrame) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    few = example_frame.head(25).to_csv(index=False).encode()
    d = upload(api.client, h, content=few, filename="few.csv").json()
    fit = wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"])["id"])
    assert fit["status"] == "failed"
    assert fit["error"]["detail"] == ("only 25 responses have a recommend (0–10) answer; at "
                                      "least 30 are needed before any figure is shown.")
    r = api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": d["id"], "options": {"min_responses": 9}})
    body = _is_problem(r, 422)
    assert "min_responses" in str(body["detail"])
    fit = wait_fit(api.client, h, start_fit(api.client, h, m["id"], d["id"],
                                            options={"min_responses": 20})["id"])
    assert fit["status"] in ("done", "failed")
    if fit["status"] == "failed":  # an equation may still lack responses: the library says so
        assert "needed" in fit["error"]["detail"]
    else:
        assert fit["options"]["min_responses"] == 20


def test_a_fit_request_that_cannot_be_done_stores_nothing(api: Api) -> None:
    h = api.workspace()
    m = post_map(api.client, h)
    d = post_dataset(api.client, h)
    body = _is_problem(api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": d["id"], "engine": "magic"}), 422)
    assert "unknown engine 'magic'" in str(body["detail"])
    _is_problem(api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": d["id"], "map_version": 7}), 404)
    _is_problem(api.client.post("/v1/fits", headers=h, json={
        "map_id": m["id"], "dataset_id": d["id"], "options": {"survey_type": "both"}}), 422)
    assert _counts(api, h) == (1, 1, 0)


def test_results_of_an_unfinished_fit_answer_409(make_api: MakeApi, sqlite_url: str) -> None:
    with make_api(sqlite_url, test_fit_delay_seconds=30) as api:
        h = api.workspace()
        m = post_map(api.client, h)
        d = post_dataset(api.client, h)
        fit = start_fit(api.client, h, m["id"], d["id"])
        running = wait_fit(api.client, h, fit["id"], until=("running",))
        assert running["started_at"] is not None
        r = api.client.get(f"/v1/fits/{fit['id']}/roles/installer", headers=h)
        body = _is_problem(r, 409)
        assert body["type"] == "urn:journeymap:problem:fit-not-ready"
        assert r.headers["retry-after"] == "1"
    # stopping the app while the fit waits marks it failed, not lost
    with make_api(sqlite_url) as api2:
        api2.keys = api.keys
        after = api2.client.get(f"/v1/fits/{fit['id']}", headers=h).json()
        assert after["status"] == "failed"
        assert after["error"]["detail"] == ("the server stopped while this fit was running; "
                                            "start it again.")


def test_what_if_checks_the_node_ids_and_needs_the_data(api: Api) -> None:
    h = api.workspace()
    fit = fitted(api.client, h)
    url = f"/v1/fits/{fit['id']}/what-if"
    body = _is_problem(api.client.post(url, json={"shifts": {"delivry": 1}}, headers=h), 422)
    assert "delivry" in str(body["detail"])
    assert "delivery" in str(body["detail"])
    _is_problem(api.client.post(url, json={"shifts": {}}, headers=h), 422)
    r = api.client.post(url, content=b'{"shifts": {"delivery": NaN}}',
                        headers={**h, "Content-Type": "application/json"})
    _is_problem(r, 422)
    # the respondents are gone (cache emptied, file deleted): 409, not a wrong answer
    results = api.client.app.state.results  # type: ignore[attr-defined]
    results.live.pop(__import__("uuid").UUID(fit["id"]))
    for p in _stored_files(api):
        p.unlink()
    body = _is_problem(api.client.post(url, json={"shifts": {"delivery": 1}}, headers=h), 409)
    assert body["type"] == "urn:journeymap:problem:data-unavailable"
    assert api.client.get(f"/v1/fits/{fit['id']}/drivers", headers=h).status_code == 200


def test_an_unexpected_error_is_a_500_problem_without_internals(
        make_api: MakeApi, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from journeymap_api.services import maps

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internal state /etc/passwd")

    monkeypatch.setattr(maps, "parse_map", boom)
    logging.getLogger("journeymap.api").disabled = True
    try:
        with make_api(sqlite_url, raise_server_exceptions=False) as api:
            r = api.client.post("/v1/maps", json={"source": "x"}, headers=api.workspace())
    finally:
        logging.getLogger("journeymap.api").disabled = False
    body = _is_problem(r, 500)
    assert "secret" not in r.text
    assert "RuntimeError" not in r.text
    assert body["type"] == "urn:journeymap:problem:internal"


def test_the_openapi_schema_documents_every_error_as_a_problem(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    errors = [(path, code, answer) for path, ops in schema["paths"].items()
              for op in ops.values() for code, answer in op["responses"].items()
              if code >= "400"]
    assert len(errors) > 40
    for path, code, answer in errors:
        assert list(answer["content"]) == [PROBLEM], (path, code)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert api.client.get("/docs").status_code == 200
