"""Fitting with the library, and the in-process caches behind the analysis routes.

Statistics come only from :mod:`journeymap`: :func:`run_fit` calls ``load_survey``
and ``fit``; analyses call ``drivers``, ``role_influence``, ``explain_role`` and
``what_if`` on a :class:`~journeymap.engines.FitResult` rebuilt from the stored JSON
with ``FitResult.from_dict``.  A finished fit never changes, so the rebuilt results
and the JSON of their analyses are kept in bounded LRU caches; what-if needs the
respondents, so a result fitted from the stored file (in this process) is kept too.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel
from starlette.responses import Response

from journeymap.jsonsafe import to_jsonable
from journeymap.limits import DEFAULT_MIN_RESPONSES

from .responses import JSON

if TYPE_CHECKING:
    import pandas as pd

    from journeymap.analysis.touchpoints import RoleTouchpoints
    from journeymap.analysis.trend import Window
    from journeymap.engines import FitResult
    from journeymap.model import JourneyMap

__all__ = ["LRU", "DoneFit", "FitSpec", "Ready", "Results", "dumps", "engine_options",
           "etag_matches", "fit_rows", "fit_source", "run_fit"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def pop(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON with full double precision (``repr`` of every float)."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class DoneFit:
    """What the analysis routes need of a finished fit (it never changes, so it is cached)."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    map_version_id: uuid.UUID
    engine: str
    min_responses: int
    #: When the database last said it exists (``time.monotonic``); a fit deleted by another
    #: server process is forgotten here ``FIT_RECHECK_SECONDS`` after that at the latest.
    checked: float = field(default_factory=time.monotonic, compare=False)


@dataclass(frozen=True, eq=False)
class Ready:
    """A JSON answer of a finished fit, ready to send: body, ETag and raw ASGI headers.

    The ETag is strong: ``"`` + the first 32 hex digits of the SHA-256 of the body + ``"``.
    ``headers`` (200) and ``not_modified`` (304) are the raw headers Starlette's
    ``Response`` builds for them, so the FastAPI route and :mod:`api.fastpath` send the
    same bytes.
    """

    body: bytes
    etag: str
    headers: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]

    @classmethod
    def of(cls, body: bytes) -> Ready:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body=body, etag=etag,
                   headers=Response(body, media_type=JSON, headers={"ETag": etag}).raw_headers,
                   not_modified=Response(status_code=304, headers={"ETag": etag}).raw_headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an ``If-None-Match`` header matches ``etag`` (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


@dataclass(frozen=True)
class FitSpec:
    """Everything needed to (re)run a fit: the map, the stored file and the options.

    ``rows`` is the dataset's row count when the fit was made (``None`` for fits made
    before it was recorded) and ``file_rows`` the stored file's now: appends only add
    rows at the end of the file (docs/continuous-measurement.md), so the fit's rows are
    always the first ``rows`` rows, then its period window.
    """

    fit_id: uuid.UUID
    journey_map: JourneyMap
    path: Path
    filename: str
    engine: str
    options: dict[str, Any]
    rows: int | None = None
    file_rows: int | None = None

    @property
    def whole_file(self) -> bool:
        """True when the fit reads every row of the stored file as it is (no period window,
        no rows appended since the fit was made), so the file can be read directly."""
        return not self.options.get("period") and (
            self.rows is None or self.rows == self.file_rows)


def engine_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options of a fit's stored ``options`` (minimum responses, se, bootstrap, and
    the bayesnet engine's bins, ess, ltr_states and draws when given)."""
    out: dict[str, Any] = {
        "min_responses": int(options.get("min_responses", DEFAULT_MIN_RESPONSES))}
    if options.get("se") is not None:
        out["se"] = str(options["se"])
    if options.get("bootstrap"):
        out["bootstrap"] = int(options["bootstrap"])
        out["random_state"] = int(options.get("random_state", 0))
    bayes = {k: options[k] for k in ("bins", "ess", "ltr_states", "draws")
             if options.get(k) is not None}
    if bayes:
        out.update(bayes)
        out["random_state"] = int(options.get("random_state", 0))
    return out


def fit_rows(spec: FitSpec) -> tuple[pd.DataFrame, Window | None]:
    """Exactly the rows a fit read, and its resolved date window (``None``: no window).

    The first ``spec.rows`` rows of the stored file (the rows it had when the fit was
    made), then the rows dated in ``options.period`` by the library's
    :func:`journeymap.analysis.trend.select_window`.  The fit, what-if, the check, the
    role pages' touchpoint counts and comments, trends, accounts and cases all read
    these rows, so a page of an old fit never sees responses appended later.
    """
    from journeymap.analysis.trend import select_window
    from journeymap.data import read_table
    from journeymap.exceptions import DataValidationError

    frame = read_table(spec.path)
    if spec.rows is not None:
        if len(frame) < spec.rows:
            raise DataValidationError(f"{spec.filename} has {len(frame):,} rows, fewer than "
                                      f"the {spec.rows:,} this fit read; fit it anew.")
        frame = frame.iloc[:spec.rows]
    period = spec.options.get("period")
    if not period:
        return frame, None
    return select_window(frame, start=period.get("from"), end=period.get("to"),
                         rule=period.get("window"),
                         date_column=str(period.get("date_column") or "date"))


def fit_source(spec: FitSpec) -> Path | pd.DataFrame:
    """What ``load_survey`` reads for a fit: the stored file itself when the fit reads all of
    it (:attr:`FitSpec.whole_file`), else its rows (:func:`fit_rows`)."""
    return spec.path if spec.whole_file else fit_rows(spec)[0]


def run_fit(spec: FitSpec, on_window: Callable[[Window], None] | None = None) -> FitResult:
    """Fit ``spec`` with the library, exactly as ``journeymap fit`` does in memory.

    ``on_window`` is told the resolved date window of a fit of a period.  Library errors
    keep their message, with the server's file path replaced by the name the file was
    uploaded as.
    """
    from journeymap.data import load_survey
    from journeymap.exceptions import JourneymapError
    from journeymap.fitting import fit

    opts = spec.options
    try:
        source: Path | pd.DataFrame = spec.path
        if not spec.whole_file:
            source, window = fit_rows(spec)
            if window is not None and on_window is not None:
                on_window(window)
        data = load_survey(source, spec.journey_map, survey_type=opts.get("survey_type"))
        return fit(spec.journey_map, data, engine=spec.engine, **engine_options(opts))
    except JourneymapError as exc:
        message = str(exc)
        if str(spec.path) in message:
            exc.args = (message.replace(str(spec.path), spec.filename), *exc.args[1:])
            if hasattr(exc, "problems"):
                exc.problems = tuple(p.replace(str(spec.path), spec.filename)
                                     for p in exc.problems)
        raise


class Results:
    """Caches of parsed maps, finished fits (``done``: what the services need of them),
    rebuilt results, the response models of a finished fit (``models``: the fit and its
    analyses, as :mod:`api.services.fits` built them), their JSON (``ready``: drivers and
    roles with their ETags; ``responses``: the fit, drawings and cards) and live
    (what-if) fits."""

    def __init__(self, *, result_cache_size: int, whatif_cache_size: int) -> None:
        self.maps: LRU[uuid.UUID, JourneyMap] = LRU(1024)
        self.results: LRU[uuid.UUID, FitResult] = LRU(result_cache_size)
        self.models: LRU[tuple[Hashable, ...], BaseModel] = LRU(max(64, result_cache_size * 16))
        self.responses: LRU[tuple[Hashable, ...], bytes] = LRU(max(64, result_cache_size * 16))
        self.ready: LRU[tuple[Hashable, ...], Ready] = LRU(max(64, result_cache_size * 16))
        self.live: LRU[uuid.UUID, FitResult] = LRU(whatif_cache_size)
        #: Per fit, what customers said about each role's touchpoints (counted once from
        #: the stored survey file: ``api.services.fits.role_touchpoints``).
        self.touchpoints: LRU[uuid.UUID, Mapping[str, RoleTouchpoints]] = LRU(
            max(64, result_cache_size * 4))
        self.done: LRU[uuid.UUID, DoneFit] = LRU(max(1024, result_cache_size * 4))
        self._locks: LRU[uuid.UUID, threading.Lock] = LRU(1024)
        self._locks_lock = threading.Lock()

    def journey_map(self, version_id: uuid.UUID, definition: str) -> JourneyMap:
        """The validated map of a stored map version."""
        cached = self.maps.get(version_id)
        if cached is not None:
            return cached
        from journeymap.model import JourneyMap

        return self.maps.put(version_id, JourneyMap.from_dict(json.loads(definition)))

    def result(self, fit_id: uuid.UUID, journey_map: JourneyMap, stored: str) -> FitResult:
        """The stored FitResult JSON as a :class:`FitResult` (no respondent data)."""
        cached = self.results.get(fit_id)
        if cached is not None:
            return cached
        from journeymap.engines import FitResult

        return self.results.put(fit_id, FitResult.from_dict(json.loads(stored), journey_map))

    def live_result(self, spec: FitSpec) -> FitResult:
        """A result holding its respondents (for what-if): cached, else fitted again."""
        cached = self.live.get(spec.fit_id)
        if cached is not None:
            return cached
        with self._locks_lock:
            lock = self._locks.get(spec.fit_id) or self._locks.put(spec.fit_id,
                                                                   threading.Lock())
        with lock:
            cached = self.live.get(spec.fit_id)
            if cached is not None:
                return cached
            return self.live.put(spec.fit_id, run_fit(spec))
