"""Deleting datasets, maps and fits, and cancelling fits (docs/api.md, "Deleting data").

A dataset's or map's fits depend on it: deleting it answers 409 with the list of
them, or deletes them with ``cascade=true``; a queued or running fit is cancelled
first (``POST /v1/fits/{id}/cancel``).  A deleted dataset's survey file is gone from
the data folder; a deleted fit is gone from the caches (the fast path too).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from api_helpers import (
    Api,
    MakeApi,
    cli,
    fitted,
    post_dataset,
    post_map,
    start_fit,
    wait_fit,
)


def _files(api: Api) -> list[Path]:
    return sorted((api.settings.data_dir / "datasets").rglob("*.*"))


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    return body


def test_deleting_an_unused_dataset_removes_its_file(api: Api) -> None:
    h = api.workspace()
    d = post_dataset(api.client, h)
    assert len(_files(api)) == 1
    r = api.client.delete(f"/v1/datasets/{d['id']}", headers=h)
    assert r.status_code == 204
    assert r.content == b""
    _problem(api.client.get(f"/v1/datasets/{d['id']}", headers=h), 404)
    assert _files(api) == []


def test_a_dataset_with_fits_is_kept_and_the_fits_are_listed(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    r = api.client.delete(f"/v1/datasets/{done['dataset_id']}", headers=h)
    problem = _problem(r, 409)
    assert problem["dependants"] == {"fits": [done["id"]]}
    assert problem["type"] == "urn:journeymap:problem:has-dependants"
    assert api.client.get(f"/v1/datasets/{done['dataset_id']}", headers=h).status_code == 200
    assert len(_files(api)) == 1


def test_cascade_deletes_the_dataset_its_file_and_its_fits(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    warm = api.client.get(f"/v1/fits/{done['id']}/drivers", headers=h)
    assert warm.status_code == 200
    r = api.client.delete(f"/v1/datasets/{done['dataset_id']}", headers=h,
                          params={"cascade": "true"})
    assert r.status_code == 204
    assert _files(api) == []
    _problem(api.client.get(f"/v1/fits/{done['id']}", headers=h), 404)
    _problem(api.client.get(f"/v1/fits/{done['id']}/drivers", headers=h), 404)
    assert api.client.get(f"/v1/maps/{done['map_id']}", headers=h).status_code == 200


def test_a_map_with_fits_needs_cascade(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    problem = _problem(api.client.delete(f"/v1/maps/{done['map_id']}", headers=h), 409)
    assert problem["dependants"] == {"fits": [done["id"]]}
    r = api.client.delete(f"/v1/maps/{done['map_id']}", headers=h, params={"cascade": True})
    assert r.status_code == 204
    _problem(api.client.get(f"/v1/maps/{done['map_id']}", headers=h), 404)
    _problem(api.client.get(f"/v1/maps/{done['map_id']}/versions", headers=h), 404)
    _problem(api.client.get(f"/v1/fits/{done['id']}", headers=h), 404)
    assert api.client.get(f"/v1/datasets/{done['dataset_id']}", headers=h).status_code == 200


def test_a_deleted_fit_is_not_answered_from_memory(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    for _ in range(2):  # the second answer comes from the fast path
        assert api.client.get(f"/v1/fits/{done['id']}/drivers", headers=h).status_code == 200
    assert api.client.delete(f"/v1/fits/{done['id']}", headers=h).status_code == 204
    _problem(api.client.get(f"/v1/fits/{done['id']}/drivers", headers=h), 404)
    _problem(api.client.get(f"/v1/fits/{done['id']}", headers=h), 404)
    _problem(api.client.delete(f"/v1/fits/{done['id']}", headers=h), 404)
    # its inputs stay
    assert api.client.delete(f"/v1/datasets/{done['dataset_id']}", headers=h).status_code == 204


def test_another_workspaces_data_cannot_be_deleted(api: Api) -> None:
    mine, theirs = api.workspace("acme"), api.workspace("other")
    done = fitted(api.client, mine)
    for path in (f"/v1/fits/{done['id']}", f"/v1/maps/{done['map_id']}",
                 f"/v1/datasets/{done['dataset_id']}"):
        _problem(api.client.delete(path, headers=theirs, params={"cascade": True}), 404)
    _problem(api.client.post(f"/v1/fits/{done['id']}/cancel", headers=theirs), 404)
    assert api.client.get(f"/v1/fits/{done['id']}", headers=mine).json()["status"] == "done"
    assert len(_files(api)) == 1


# ----------------------------------------------------------------- cancelling
@pytest.fixture
def slow(make_api: MakeApi, sqlite_url: str) -> Any:
    with make_api(sqlite_url, workers=1, test_fit_delay_seconds=30) as api:
        yield api


def test_a_running_fit_is_cancelled_and_then_deleted(slow: Api) -> None:
    h = slow.workspace()
    m = post_map(slow.client, h)
    d = post_dataset(slow.client, h)
    fit = start_fit(slow.client, h, m["id"], d["id"])
    wait_fit(slow.client, h, fit["id"], until=("running",))
    problem = _problem(slow.client.delete(f"/v1/fits/{fit['id']}", headers=h), 409)
    assert problem["type"] == "urn:journeymap:problem:fit-active"
    _problem(slow.client.delete(f"/v1/datasets/{d['id']}", headers=h,
                                params={"cascade": True}), 409)
    r = slow.client.post(f"/v1/fits/{fit['id']}/cancel", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    worker = slow.client.app.state.worker  # type: ignore[attr-defined]
    import time

    deadline = time.monotonic() + 20
    while worker.pending and time.monotonic() < deadline:  # the worker saw it and stopped
        time.sleep(0.05)
    assert worker.pending == 0
    after = slow.client.get(f"/v1/fits/{fit['id']}", headers=h).json()
    assert after["status"] == "cancelled"
    assert after["result"] is None
    listed = slow.client.get("/v1/fits", headers=h, params={"status": "cancelled"}).json()
    assert [f["id"] for f in listed["data"]] == [fit["id"]]
    assert slow.client.delete(f"/v1/fits/{fit['id']}", headers=h).status_code == 204


def test_a_queued_fit_is_cancelled_before_it_runs(slow: Api) -> None:
    h = slow.workspace()
    m = post_map(slow.client, h)
    d = post_dataset(slow.client, h)
    first = start_fit(slow.client, h, m["id"], d["id"])
    second = start_fit(slow.client, h, m["id"], d["id"])
    wait_fit(slow.client, h, first["id"], until=("running",))
    assert slow.client.get(f"/v1/fits/{second['id']}", headers=h).json()["status"] == "queued"
    for fit in (second, first):
        assert slow.client.post(f"/v1/fits/{fit['id']}/cancel",
                                headers=h).json()["status"] == "cancelled"
    again = slow.client.post(f"/v1/fits/{second['id']}/cancel", headers=h)
    assert again.status_code == 200  # cancelling twice changes nothing
    worker = slow.client.app.state.worker  # type: ignore[attr-defined]
    import time

    deadline = time.monotonic() + 20
    while worker.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    statuses = {f["id"]: f["status"] for f in
                slow.client.get("/v1/fits", headers=h).json()["data"]}
    assert statuses == {first["id"]: "cancelled", second["id"]: "cancelled"}


def test_a_finished_fit_cannot_be_cancelled(api: Api) -> None:
    h = api.workspace()
    done = fitted(api.client, h)
    _problem(api.client.post(f"/v1/fits/{done['id']}/cancel", headers=h), 409)
    assert api.client.get(f"/v1/fits/{done['id']}", headers=h).json()["status"] == "done"


def test_a_streamed_fit_stops_at_the_next_chunk_once_cancelled(make_api: MakeApi,
                                                               sqlite_url: str) -> None:
    from journeymap_api.models import Fit, FitStatus
    from journeymap_api.worker import FitCancelledError
    from sqlalchemy import update

    with make_api(sqlite_url, stream_fits_above_bytes=0, fit_chunk_rows=100) as api:
        h = api.workspace()
        done = fitted(api.client, h)
        worker = api.client.app.state.worker  # type: ignore[attr-defined]
        with worker.sessions() as s:
            fit = s.get(Fit, uuid.UUID(done["id"]))
            spec = worker.spec(s, fit)
            s.execute(update(Fit).where(Fit.id == fit.id).values(status=FitStatus.CANCELLED))
            s.commit()
        chunks: list[int] = []
        original = worker.cancelled

        def counting(fit_id: uuid.UUID) -> bool:
            chunks.append(1)
            return bool(original(fit_id))

        worker.cancelled = counting
        with pytest.raises(FitCancelledError):
            worker._stream(spec)
        assert len(chunks) == 1  # stopped after the first of 30 chunks


# ------------------------------------------------------------ admin commands
def test_admin_delete_dataset_refuses_with_fits_then_cascades(make_server: Any,
                                                              sqlite_url: str) -> None:
    server = make_server(sqlite_url)
    key = server.create_workspace("acme")
    server.start()
    with server.client(key) as c:
        done = fitted(c, {})
    server.stop()
    files = list((server.data_dir / "datasets").rglob("*.csv"))
    assert len(files) == 1
    base = ["--db", sqlite_url, "--data-dir", str(server.data_dir)]
    r = cli("admin", "delete-dataset", done["dataset_id"], *base, env=server.env)
    assert r.returncode == 2
    assert r.stderr.startswith("error: this dataset is used by 1 fit(s)")
    assert "--cascade" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert files[0].exists()
    r = cli("admin", "delete-dataset", done["dataset_id"], "--cascade", *base, env=server.env)
    assert r.returncode == 0, r.stderr
    assert not files[0].exists()
    r = cli("admin", "delete-map", done["map_id"], "--db", sqlite_url, env=server.env)
    assert r.returncode == 0, r.stderr
    r = cli("admin", "delete-fit", done["id"], "--db", sqlite_url, env=server.env)
    assert r.returncode == 2
    assert r.stderr == f"error: there is no fit with id {done['id']}.\n"
    r = cli("admin", "delete-map", "not-an-id", "--db", sqlite_url, env=server.env)
    assert r.returncode == 2
    assert r.stderr.startswith("error: 'not-an-id' is not a map id")


def test_openapi_documents_the_deletes_and_cancel() -> None:
    from journeymap_api.main import create_app
    from journeymap_api.settings import Settings

    paths = create_app(Settings(_env_file=None, database_url="sqlite://")).openapi()["paths"]
    for path in ("/v1/datasets/{dataset_id}", "/v1/maps/{map_id}", "/v1/fits/{fit_id}"):
        responses = paths[path]["delete"]["responses"]
        assert {"204", "401", "404", "409"} <= set(responses), path
    assert "cascade" in {p["name"] for p in paths["/v1/maps/{map_id}"]["delete"]["parameters"]}
    assert "409" in paths["/v1/fits/{fit_id}/cancel"]["post"]["responses"]


def test_deleting_and_signing_out_work_on_every_database(make_api: MakeApi, db_url: str) -> None:
    from journeymap_api.models import BrowserSession
    from sqlalchemy import func, select

    with make_api(db_url) as api:
        h = api.workspace()
        done = fitted(api.client, h)
        key = h["Authorization"].removeprefix("Bearer ")
        form = api.client.get("/app/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        r = api.client.post("/app/sign-in", data={"key": key, "csrf_token": token.group(1)},
                            follow_redirects=False)
        assert r.status_code == 303
        sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(BrowserSession)) == 1
        r = api.client.delete(f"/v1/maps/{done['map_id']}", headers=h, params={"cascade": True})
        assert r.status_code == 204
        _problem(api.client.get(f"/v1/fits/{done['id']}", headers=h), 404)
        assert api.client.delete(f"/v1/datasets/{done['dataset_id']}",
                                 headers=h).status_code == 204
        assert _files(api) == []


def test_another_process_forgets_a_deleted_fit_at_its_next_check(
        make_api: MakeApi, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two apps on one database stand for two server processes."""
    import journeymap_api.services.fits as fits_service

    with make_api(sqlite_url) as one, make_api(sqlite_url) as two:
        h = one.workspace()
        done = fitted(one.client, h)
        path = f"/v1/fits/{done['id']}/drivers"
        for _ in range(2):  # the second answer is from process two's memory
            assert two.client.get(path, headers=h).status_code == 200
        assert one.client.delete(f"/v1/fits/{done['id']}", headers=h).status_code == 204
        _problem(one.client.get(path, headers=h), 404)
        # process two answers from memory until its next check of the database ...
        assert two.client.get(path, headers=h).status_code == 200
        monkeypatch.setattr(fits_service, "FIT_RECHECK_SECONDS", 0.0)
        # ... and then not any more
        _problem(two.client.get(path, headers=h), 404)
