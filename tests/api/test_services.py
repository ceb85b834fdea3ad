"""The service layer (api/services) called directly, as the routes, pages and fast path do.

One app (its lifespan running: database migrated, fit worker started) holds a workspace
with the example map, the example data and a finished linear fit, all made through the
services.  Their answers are compared with the library's own fit of the same files
(``journeymap.fit``, ``drivers``, ``role_influence``, ``what_if``, ``role_card``) and
with pandas' reading of the CSV; the JSON the routes and the fast path send is compared
byte for byte with the service model's serialization.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, example_map_text, make_settings
from fastapi.testclient import TestClient
from journeymap_api.auth import create_workspace
from journeymap_api.main import create_app
from journeymap_api.models import MapVersion
from journeymap_api.problems import Problem
from journeymap_api.results import DoneFit, Results
from journeymap_api.schemas import DriversOut, FitCreate, MapCreate, RoleInfluenceOut, RolesOut
from journeymap_api.services import datasets, fits, maps, sessions
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

import journeymap as jm
from journeymap.analysis import drivers, explain_role, role_influence, what_if
from journeymap.jsonsafe import to_jsonable
from journeymap.render.card import role_card, role_card_body
from journeymap.render.graph import edge_details


@dataclass
class World:
    """An app with one workspace holding a map, a dataset and a finished fit."""

    client: TestClient
    sessions: sessionmaker[Session]
    results: Results
    workspace_id: uuid.UUID
    key: str
    map_id: uuid.UUID
    dataset_id: uuid.UUID
    fit_id: uuid.UUID
    library: jm.FitResult

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def done(self) -> DoneFit:
        return fits.finished_fit(self.sessions, self.results, self.workspace_id, self.fit_id)


def _plain(obj: Any) -> Any:
    return to_jsonable(obj)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("services")
    settings = make_settings(f"sqlite:///{tmp / 'journeymap.db'}", tmp / "data")
    app = create_app(settings)
    with TestClient(app) as client:
        state = app.state
        with state.sessions() as session:
            ws, key = create_workspace(session, "acme")
            session.commit()
            workspace_id = ws.id
            m = maps.create_map(session, workspace_id,
                                MapCreate(source=example_map_text(), filename="kitchen_b2b.yaml"))
            with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
                d = datasets.upload_dataset(session, settings, workspace_id, f,
                                            filename="kitchen_b2b.csv", content_type="text/csv")
            queued = fits.create_fit(session, state.worker, workspace_id,
                                     FitCreate(map_id=m.id, dataset_id=d.id))
        deadline = time.monotonic() + 60
        while fits.read_fit(state.sessions, state.results, workspace_id,
                            queued.id).status not in ("done", "failed"):
            assert time.monotonic() < deadline, "the fit did not finish"
            time.sleep(0.05)
        library = jm.fit(jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml"),
                         EXAMPLES / "kitchen_b2b.csv")
        yield World(client=client, sessions=state.sessions, results=state.results,
                    workspace_id=workspace_id, key=key, map_id=m.id, dataset_id=d.id,
                    fit_id=queued.id, library=library)


# ----------------------------------------------------------------------- maps
def test_the_maps_service_stores_the_library_map_and_versions_changes(world: World) -> None:
    library_map = jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    with world.sessions() as session:
        out = maps.read_map(session, world.results, world.workspace_id, world.map_id)
        assert out.version == out.latest_version == 1
        assert out.nodes == len(library_map.nodes) == 20
        assert out.edges == len(library_map.edges)
        assert out.definition == library_map.to_dict()
        assert out.source == example_map_text()
        listed = maps.list_maps(session, world.workspace_id)
        assert listed.count == 1
        assert [s.id for s in listed.data] == [world.map_id]

        same = maps.change_map(session, world.results, world.workspace_id, world.map_id,
                               MapCreate(source=out.source, filename=out.filename))
        assert same.version == 1  # an unchanged text adds no version
    source = example_map_text().replace("name: ", "name: Changed ", 1)
    with world.sessions() as session:
        changed = maps.change_map(session, world.results, world.workspace_id, world.map_id,
                                  MapCreate(source=source, filename="kitchen_b2b.yaml"))
        assert (changed.version, changed.latest_version) == (2, 2)
        assert changed.name.startswith("Changed ")
        versions = maps.list_versions(session, world.workspace_id, world.map_id)
        assert [v.version for v in versions.data] == [1, 2]
        first = maps.read_map(session, world.results, world.workspace_id, world.map_id, 1)
        assert first.source == example_map_text()


def test_validating_a_map_names_the_library_problem_and_stores_nothing(world: World) -> None:
    bad = example_map_text() + "  - [nps, quote]\n"  # an edge out of the outcome
    with pytest.raises(jm.MapValidationError) as caught:
        jm.JourneyMap.from_text(bad, "bad.yaml")
    out = maps.validate_map(MapCreate(source=bad, filename="bad.yaml"))
    assert out.valid is False
    assert out.problems == list(caught.value.problems)
    with world.sessions() as session:
        with pytest.raises(jm.MapValidationError):
            maps.create_map(session, world.workspace_id, MapCreate(source=bad,
                                                                   filename="bad.yaml"))
        assert maps.list_maps(session, world.workspace_id).count == 1


def test_another_workspaces_map_dataset_and_fit_are_not_found(world: World) -> None:
    stranger = uuid.uuid4()
    with world.sessions() as session:
        for call in (lambda: maps.get_map(session, stranger, world.map_id),
                     lambda: datasets.get_dataset(session, stranger, world.dataset_id),
                     lambda: fits.get_fit(session, stranger, world.fit_id)):
            with pytest.raises(Problem) as caught:
                call()
            assert caught.value.status == 404
    world.done()  # now in memory: the workspace check must still hold
    with pytest.raises(Problem) as again:
        fits.finished_fit(world.sessions, world.results, stranger, world.fit_id)
    assert again.value.status == 404
    assert fits.cached_answer(world.results, stranger, world.fit_id, "drivers") is None


# ------------------------------------------------------------------- datasets
def test_the_datasets_service_describes_and_previews_the_file_as_pandas_reads_it(
        world: World) -> None:
    frame = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    raw = pd.read_csv(EXAMPLES / "kitchen_b2b.csv", dtype=str, keep_default_na=False)
    with world.sessions() as session:
        out = datasets.read_dataset(session, world.workspace_id, world.dataset_id)
        row = datasets.get_dataset(session, world.workspace_id, world.dataset_id)
    assert out.n_rows == len(frame) == 3000
    assert out.columns == list(frame.columns)
    assert out.format == "csv"
    path = datasets.dataset_path(world.client.app.state.settings, row)  # type: ignore[attr-defined]
    preview = datasets.preview(path, row.filename, rows=5)
    assert preview.error is None
    assert preview.columns == list(raw.columns)
    expected = [[(c[:-2] if c.endswith(".0") else c) for c in r]
                for r in raw.head(5).itertuples(index=False)]
    assert preview.rows == expected


def test_the_data_checks_are_the_library_checks_of_the_file(world: World) -> None:
    library_map = jm.JourneyMap.from_yaml(EXAMPLES / "kitchen_b2b.yaml")
    data = jm.load_survey(EXAMPLES / "kitchen_b2b.csv", library_map)
    checks = datasets.data_checks(EXAMPLES / "kitchen_b2b.csv", "kitchen_b2b.csv", library_map)
    assert checks.ok is True
    assert (checks.n_responses, checks.n) == (data.n_responses, data.n)
    assert checks.warnings == list(data.warnings)
    bad_path = Path(world.client.app.state.settings.data_dir) / "bad.csv"  # type: ignore[attr-defined]
    bad_path.write_bytes(b"ltr,q1\n11,3\n")
    failed = datasets.data_checks(bad_path, "survey.csv", library_map)
    assert failed.ok is False
    assert len(failed.errors) == 1
    assert str(bad_path) not in failed.errors[0]


# ----------------------------------------------------------------------- fits
def test_the_finished_fit_holds_the_library_fit_result(world: World) -> None:
    out = fits.read_fit(world.sessions, world.results, world.workspace_id, world.fit_id)
    assert out.status == "done"
    assert out.error is None
    assert out.result is not None
    assert out.result.model_dump(mode="json", by_alias=True) == _plain(world.library.to_dict())


def test_the_drivers_service_gives_the_library_drivers(world: World) -> None:
    out = fits.drivers(world.sessions, world.results, world.done())
    assert isinstance(out, DriversOut)
    assert out.fit_id == world.fit_id
    assert out.nps.value == world.library.nps.value
    expected = _plain(drivers(world.library).to_dict(orient="records"))
    assert [d.model_dump(mode="json") for d in out.drivers] == expected


def test_the_roles_service_gives_every_role_of_the_library_largest_first(world: World) -> None:
    out = fits.roles(world.sessions, world.results, world.done())
    assert isinstance(out, RolesOut)
    library = {r.role: r for r in world.library.role_effects}
    assert {r.role for r in out.roles} == set(library)
    for r in out.roles:
        assert r.influence == library[r.role].influence
        assert r.nps_points == library[r.role].nps_points
        assert r.label == world.library.journey_map.node(r.role).display
    points = [abs(r.nps_points or 0.0) for r in out.roles]
    assert points == sorted(points, reverse=True)


def test_the_role_service_gives_the_library_influence_and_explanation(world: World) -> None:
    out = fits.role(world.sessions, world.results, world.done(), "installer")
    assert isinstance(out, RoleInfluenceOut)
    expected = _plain(role_influence(world.library, "installer").to_dict())
    body = out.model_dump(mode="json")
    assert {k: body[k] for k in expected} == expected
    assert out.explanation == explain_role(world.library, "installer")
    assert math.isclose(sum(p.effect or 0.0 for p in out.paths), out.influence or 0.0,
                        rel_tol=1e-12)
    with pytest.raises(Problem) as caught:
        fits.role(world.sessions, world.results, world.done(), "delivery")  # not a role
    assert caught.value.status == 404


def test_the_what_if_service_gives_the_library_prediction(world: World) -> None:
    with world.sessions() as session:
        out = fits.what_if(session, world.client.app.state.worker,  # type: ignore[attr-defined]
                           world.results, world.workspace_id, world.fit_id, {"delivery": 1.0})
    expected = what_if(world.library, {"delivery": 1.0})
    assert out.fit_id == world.fit_id
    assert out.predicted_nps == expected.predicted_nps
    assert out.change == expected.change
    assert out.n == expected.n


def test_the_card_service_gives_the_library_card_and_its_body(world: World) -> None:
    meta = world.done()
    worker = world.client.app.state.worker  # type: ignore[attr-defined]
    page = fits.role_card(world.sessions, world.results, meta, "installer", worker)
    body = fits.role_card_body(world.sessions, world.results, meta, "installer", worker)
    with world.sessions() as session:
        version = session.get(MapVersion, meta.map_version_id)
        assert version is not None
        mapped = {"map_version": version.version,
                  "map_date": version.created_at.date().isoformat()}
    assert page == role_card(world.library, "installer", format="html", **mapped)
    # the page that embeds the body draws the role's routes itself (role_map)
    assert body == role_card_body(world.library, "installer", include_map=False, **mapped)
    assert "How 1," in page or "How 2," in page  # the distribution, from the stored file
    assert f"version {version.version} of" in page
    # the page's <main> holds the body and, for print only, the role's routes drawn alone
    assert page.count('<main class="routes-map">') == 1
    text = page.split('<div class="card-text">\n', 1)[1]
    assert text.split('</div>\n<figure class="print-map">', 1)[0] == role_card_body(
        world.library, "installer", **mapped)
    drawn = fits.role_map(world.sessions, world.results, meta, "installer")
    assert drawn is not None
    assert [(d.source, d.target) for d in drawn.details] == [
        (d.source, d.target) for d in edge_details(world.library.journey_map, world.library,
                                                   role="installer", routes_only=True)]
    assert drawn.svg.count('class="edge') == len(drawn.details)


# ---------------------------------------------------- one answer, every front end
@pytest.mark.parametrize("route", ["drivers", "roles", "roles/installer"])
def test_the_route_and_the_fast_path_send_the_service_models_bytes(world: World,
                                                                   route: str) -> None:
    meta = world.done()
    model: DriversOut | RolesOut | RoleInfluenceOut
    if route == "drivers":
        model = fits.drivers(world.sessions, world.results, meta)
    elif route == "roles":
        model = fits.roles(world.sessions, world.results, meta)
    else:
        model = fits.role(world.sessions, world.results, meta, "installer")
    expected = model.model_dump_json(by_alias=True).encode("utf-8")
    fast_path = world.client.app.state.fast_path  # type: ignore[attr-defined]
    hits = fast_path.hits
    path = f"/v1/fits/{world.fit_id}/{route}"
    cold = world.client.get(path, headers=world.headers)  # through FastAPI and the route
    assert fast_path.hits == hits
    warm = world.client.get(path, headers=world.headers)  # from memory, before FastAPI
    assert fast_path.hits == hits + 1
    assert cold.status_code == warm.status_code == 200
    assert cold.content == warm.content == expected
    assert type(model).model_validate_json(cold.content) == model


def test_the_fit_route_sends_the_service_models_bytes(world: World) -> None:
    out = fits.read_fit(world.sessions, world.results, world.workspace_id, world.fit_id)
    r = world.client.get(f"/v1/fits/{world.fit_id}", headers=world.headers)
    assert r.status_code == 200
    assert r.content == out.model_dump_json(by_alias=True).encode("utf-8")


# ------------------------------------------------------------------- sessions
def _request(world: World, cookie: str | None = None) -> Request:
    headers = [(b"cookie", f"jm_session={cookie}".encode())] if cookie else []
    return Request({"type": "http", "app": world.client.app, "method": "GET", "path": "/app",
                    "headers": headers, "query_string": b""})


def test_signing_in_takes_a_valid_key_only_and_signing_out_ends_the_session(
        world: World) -> None:
    assert asyncio.run(sessions.sign_in(_request(world), "jm_not-a-key")) is None
    cookie = asyncio.run(sessions.sign_in(_request(world), f"  {world.key} "))
    assert cookie is not None
    assert world.key not in cookie  # the cookie holds a token, not the key
    signed_in = asyncio.run(sessions.current(_request(world, cookie)))
    assert signed_in is not None
    assert signed_in.workspace.id == world.workspace_id
    assert asyncio.run(sessions.current(_request(world))) is None
    with pytest.raises(LookupError):
        asyncio.run(sessions.current(_request(world, cookie[:-2] + "xx")))
    sessions.sign_out(_request(world, cookie))
    with pytest.raises(LookupError):
        asyncio.run(sessions.current(_request(world, cookie)))


def test_a_library_record_that_breaks_the_response_model_is_refused_not_sent(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    import journeymap.analysis

    meta = world.done()
    key = fits.analysis_key("drivers", meta.id)
    broken = drivers(world.library).drop(columns=["label"])  # every row lacks its label
    monkeypatch.setattr(journeymap.analysis, "drivers", lambda _result: broken)
    world.results.models.pop(key)
    try:
        with pytest.raises(ValidationError, match="label"):
            fits.drivers(world.sessions, world.results, meta)
    finally:
        world.results.models.pop(key)
