"""The whole flow through a real ``journeymap serve`` process on 127.0.0.1: the same
numbers as the CLI for the same files, a restart keeps everything, and a fit running
when the server is killed is reported failed after the restart."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_helpers import EXAMPLES, Server, cli, example_map_text, wait_fit
from journeymap_api.worker import STOPPED_MESSAGE

MAP = EXAMPLES / "kitchen_b2b.yaml"
CSV = EXAMPLES / "kitchen_b2b.csv"


def _cli_json(*args: str) -> Any:
    head, rest = (args[:2], args[2:]) if args[0] == "influence" else (args[:1], args[1:])
    r = cli(*head, str(MAP), str(CSV), *rest, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def cli_outputs() -> dict[str, Any]:
    """``journeymap fit / drivers / influence / what-if --json`` on the example files."""
    return {"fit": _cli_json("fit"), "drivers": _cli_json("drivers"),
            "influence": _cli_json("influence", "installer"),
            "what-if": _cli_json("what-if", "--shift", "delivery=+1")}


def _flow(c: httpx.Client) -> dict[str, Any]:
    m = c.post("/v1/maps", json={"source": example_map_text(), "filename": MAP.name})
    assert m.status_code == 201, m.text
    with CSV.open("rb") as f:
        d = c.post("/v1/datasets", files={"file": (CSV.name, f, "text/csv")})
    assert d.status_code == 201, d.text
    r = c.post("/v1/fits", json={"map_id": m.json()["id"], "dataset_id": d.json()["id"]})
    assert r.status_code == 202
    assert r.headers["location"] == f"/v1/fits/{r.json()['id']}"
    fit = wait_fit(c, {}, r.json()["id"])
    assert fit["status"] == "done", fit["error"]
    return fit


@pytest.mark.slow
def test_the_whole_flow_through_a_real_server_gives_the_cli_numbers(
        make_server: Callable[..., Server], db_url: str, cli_outputs: dict[str, Any]) -> None:
    server = make_server(db_url)
    key = server.create_workspace("acme")  # the CLI, before the server runs
    server.start()
    with server.client(key) as c:
        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
        assert httpx.get(server.url + "/openapi.json").json()["info"]["title"] == "journeymap API"
        assert httpx.get(server.url + "/docs").status_code == 200
        fit = _flow(c)
        fid = fit["id"]
        assert fit["result"] == cli_outputs["fit"]
        drivers = c.get(f"/v1/fits/{fid}/drivers").json()
        assert drivers["drivers"] == cli_outputs["drivers"]
        installer = c.get(f"/v1/fits/{fid}/roles/installer").json()
        cli_installer = cli_outputs["influence"]
        assert {k: installer[k] for k in cli_installer} == cli_installer
        what_if = c.post(f"/v1/fits/{fid}/what-if", json={"shifts": {"delivery": 1}}).json()
        cli_what_if = cli_outputs["what-if"]
        assert {k: what_if[k] for k in cli_what_if} == cli_what_if
        roles = c.get(f"/v1/fits/{fid}/roles").json()
    _burst(server, key, [f"/v1/fits/{fid}/drivers", "/v1/maps", "/healthz",
                         f"/v1/datasets/{fit['dataset_id']}"], 160)

    server.stop()
    server.start()  # a restart keeps maps, datasets and fits
    with server.client(key) as c:
        assert c.get(f"/v1/fits/{fid}").json() == fit
        assert c.get(f"/v1/fits/{fid}/drivers").json() == drivers
        assert c.get(f"/v1/fits/{fid}/roles").json() == roles
        assert c.get(f"/v1/maps/{fit['map_id']}").status_code == 200
        assert c.get(f"/v1/datasets/{fit['dataset_id']}").json()["n_rows"] == 3000
        again = c.post(f"/v1/fits/{fid}/what-if", json={"shifts": {"delivery": 1}}).json()
        assert again == what_if
        other = server.create_workspace("other")  # while the server runs
    with server.client(other) as c:
        assert c.get(f"/v1/fits/{fid}").status_code == 404
    r = cli("admin", "list-workspaces", "--db", server.db, env=server.env)
    assert r.returncode == 0
    assert "acme" in r.stdout
    assert "other" in r.stdout
    r = cli("admin", "create-workspace", "acme", "--db", server.db, env=server.env)
    assert r.returncode == 2
    assert "exists already" in r.stderr
    assert r.stdout == ""


def _burst(server: Server, key: str, paths: list[str], n: int) -> None:
    """``n`` requests at once (a regression test of a pool/threadpool deadlock)."""
    import asyncio

    async def run() -> list[int]:
        limits = httpx.Limits(max_connections=n)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60,
                                     headers={"Authorization": f"Bearer {key}"}) as c:
            answers = await asyncio.gather(*(c.get(paths[i % len(paths)]) for i in range(n)))
        return [r.status_code for r in answers]

    # A deadlocked pool would end in SQLAlchemy's pool timeout, a 500, so every answer
    # being 200 is the check (no wall-clock bound: timings live in benchmarks/).
    statuses = asyncio.run(run())
    assert statuses == [200] * n


@pytest.mark.slow
def test_a_fit_running_when_the_server_is_killed_is_failed_after_restart(
        make_server: Callable[..., Server], sqlite_url: str) -> None:
    server = make_server(sqlite_url, JOURNEYMAP_TEST_FIT_DELAY_SECONDS="120")
    key = server.create_workspace("acme")
    server.start()
    with server.client(key) as c:
        m = c.post("/v1/maps", json={"source": example_map_text()}).json()
        with CSV.open("rb") as f:
            d = c.post("/v1/datasets", files={"file": (CSV.name, f, "text/csv")}).json()
        fid = c.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]}).json()["id"]
        assert wait_fit(c, {}, fid, until=("running",))["status"] == "running"
        assert c.get("/healthz").status_code == 200  # the API answers while a fit runs
    server.kill()
    del server.env["JOURNEYMAP_TEST_FIT_DELAY_SECONDS"]
    server.start()
    with server.client(key) as c:
        fit = wait_fit(c, {}, fid, timeout=15)
        assert fit["status"] == "failed"
        assert fit["error"]["detail"] == STOPPED_MESSAGE
        assert fit["finished_at"] is not None
        assert fit["result"] is None
        new = wait_fit(c, {}, c.post("/v1/fits", json={"map_id": m["id"],
                                                       "dataset_id": d["id"]}).json()["id"])
        assert new["status"] == "done"


@pytest.mark.slow
def test_a_real_server_refuses_a_large_upload_with_413(make_server: Callable[..., Server],
                                                       sqlite_url: str) -> None:
    server = make_server(sqlite_url, JOURNEYMAP_MAX_UPLOAD_BYTES="50000")
    key = server.create_workspace("acme")
    server.start()
    with server.client(key) as c:
        with CSV.open("rb") as f:
            r = c.post("/v1/datasets", files={"file": (CSV.name, f, "text/csv")})
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["max_upload_bytes"] == 50_000
        assert c.get("/v1/datasets").json()["count"] == 0
        assert not any(p.is_file() for p in server.data_dir.rglob("*"))


@pytest.mark.parametrize("args", [["serve", "--db", "mysql://nope"],
                                  ["admin", "list-workspaces", "--db", "oracle://x"]])
def test_the_service_commands_refuse_a_bad_database_url_in_one_line(args: list[str]) -> None:
    r = cli(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("error: setting database_url:")
    assert "Traceback" not in r.stderr


def _instances(db: str) -> list[Any]:
    """(id, pid, heartbeat_at, stopped_at) of every server process in the database."""
    from journeymap_api.db import make_engine
    from journeymap_api.models import Instance
    from sqlalchemy import select

    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Instance.id, Instance.pid, Instance.heartbeat_at,
                                            Instance.stopped_at)))
    finally:
        engine.dispose()


def _parent(pid: int) -> int:
    from pathlib import Path

    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
def test_serve_with_two_workers_runs_two_processes_each_with_its_own_heartbeat(
        make_server: Callable[..., Server], sqlite_url: str) -> None:
    import os
    import signal
    import time

    from journeymap_api.db import make_engine
    from journeymap_api.models import Fit, Instance
    from sqlalchemy import select

    server = make_server(sqlite_url, "--workers", "2",
                         JOURNEYMAP_TEST_FIT_DELAY_SECONDS="120")
    key = server.create_workspace("acme")
    server.start()
    assert server.proc is not None
    deadline = time.monotonic() + 60  # waits (not timings): generous for loaded machines
    while len(live := [i for i in _instances(server.db) if i.stopped_at is None]) < 2:
        assert time.monotonic() < deadline, _instances(server.db)
        time.sleep(0.1)
    assert len(live) == 2
    assert len({i.pid for i in live}) == 2
    assert {_parent(i.pid) for i in live} == {server.proc.pid}  # uvicorn's worker processes
    first = {i.id: i.heartbeat_at for i in live}  # heartbeat every 0.2 s: both processes
    while not all(i.heartbeat_at > first[i.id]  # refresh their own row
                  for i in _instances(server.db) if i.id in first):
        assert time.monotonic() < deadline, _instances(server.db)
        time.sleep(0.1)

    with server.client(key) as c:  # a fit that sleeps in the process that took it
        m = c.post("/v1/maps", json={"source": example_map_text()}).json()
        with CSV.open("rb") as f:
            d = c.post("/v1/datasets", files={"file": (CSV.name, f, "text/csv")}).json()
        fid = c.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]}).json()["id"]
        assert wait_fit(c, {}, fid, until=("running",))["status"] == "running"
    engine = make_engine(server.db)
    with engine.connect() as conn:
        pid = conn.execute(select(Instance.pid).join(Fit, Fit.instance_id == Instance.id)
                           .where(Fit.id == uuid.UUID(fid))).scalar_one()
    engine.dispose()
    assert pid in {i.pid for i in live}
    os.kill(pid, signal.SIGKILL)  # one worker dies: another process fails its fit
    with server.client(key) as c:
        fit = wait_fit(c, {}, fid, timeout=20)
        assert fit["status"] == "failed"
        assert fit["error"]["detail"] == STOPPED_MESSAGE
        assert c.get("/healthz").status_code == 200
    dead = next(i for i in _instances(server.db) if i.pid == pid)
    assert dead.stopped_at is not None

    server.stop()  # a clean stop: every process marks itself stopped
    assert all(i.stopped_at is not None for i in _instances(server.db))


@pytest.mark.slow
def test_every_worker_process_gives_the_same_answers(
        make_server: Callable[..., Server], sqlite_url: str) -> None:
    server = make_server(sqlite_url, "--workers", "2")
    key = server.create_workspace("acme")
    server.start()
    with server.client(key) as c:
        fit = _flow(c)
    paths = [f"/v1/fits/{fit['id']}/drivers", f"/v1/fits/{fit['id']}/roles/installer"]
    answers: dict[str, set[tuple[bytes, str]]] = {p: set() for p in paths}
    for _ in range(12):  # new connections: the kernel spreads them over both processes
        with server.client(key) as c:
            for p in paths:
                for _warm in range(2):  # the first through FastAPI, then from memory
                    r = c.get(p)
                    assert r.status_code == 200
                    answers[p].add((r.content, r.headers["etag"]))
    assert all(len(a) == 1 for a in answers.values())
    drivers = json.loads(next(iter(answers[paths[0]]))[0])
    assert drivers["nps"] == fit["result"]["nps"]


def test_serve_refuses_zero_workers_in_one_line() -> None:
    r = cli("serve", "--workers", "0")
    assert r.returncode == 2
    assert "--workers" in r.stderr
    assert "Traceback" not in r.stderr
