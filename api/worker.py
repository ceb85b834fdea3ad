"""The background worker: a thread pool that runs fits, and the bookkeeping that makes
sure no fit is ever lost.

* ``POST /v1/fits`` stores a fit as ``queued`` and hands its id to :meth:`FitWorker.submit`;
  a worker thread marks it ``running``, fits with the library and stores ``done``
  (the FitResult JSON) or ``failed`` (the library's message).
* Every server process registers an :class:`~api.models.Instance` row and refreshes
  its ``heartbeat_at`` every ``heartbeat_seconds``.  At startup and at every
  heartbeat, fits that are ``queued`` or ``running`` in a process that is gone — its
  heartbeat is older than ``stale_after_seconds``, or it ran on this machine and its
  process no longer exists — are marked ``failed`` with :data:`STOPPED_MESSAGE`.  So
  a killed server's fits are reported failed, not lost, and several processes may
  share one database without failing each other's work.
* On a clean shutdown queued fits are cancelled and marked failed the same way;
  running fits finish first.
* The queue is bounded: at most ``workers`` fits run at once in a process and at most
  ``max_queued_fits`` wait; beyond that :meth:`FitWorker.submit` removes the new fit
  and answers 503 with ``Retry-After`` (``docs/api.md``, "Limits").
* ``POST /v1/fits/{id}/cancel`` sets a queued or running fit's status to ``cancelled``
  in the database; the worker checks it before a fit starts, after every chunk of a
  streamed fit and before storing a result, and stops (:meth:`FitWorker.cancelled`).
* A stored CSV, TSV or Parquet file larger than ``stream_fits_above_bytes`` is fitted
  by the linear engine chunk by chunk (:func:`journeymap.fit_stream`), so a
  fit's memory does not grow with the file; smaller files, Excel files and the
  bayesnet engine are fitted in memory (the upload limit bounds them).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from journeymap.limits import FIT_RETRY_AFTER_SECONDS

from .models import Dataset, Fit, FitStatus, Instance, MapVersion, utcnow
from .problems import INTERNAL, INVALID_DATA, INVALID_MAP, INVALID_REQUEST, Problem
from .results import FitSpec, Results, dumps, engine_options, run_fit

if TYPE_CHECKING:
    from journeymap.analysis.trend import Window
    from journeymap.engines import FitResult

    from .settings import Settings

__all__ = ["SERVER_BUSY", "STOPPED_MESSAGE", "FitWorker", "streams"]

SERVER_BUSY = "urn:journeymap:problem:server-busy"
STREAM_SUFFIXES = (".csv", ".tsv", ".parquet")

STOPPED_MESSAGE = "the server stopped while this fit was running; start it again."
logger = logging.getLogger("journeymap.api")

_LOCAL_INSTANCES: set[uuid.UUID] = set()  # instances alive in this process


def _process_gone(pid: int) -> bool:
    """True when no process ``pid`` runs on this machine (a zombie counts as gone)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


class FitWorker:
    """Runs fits in a thread pool and keeps this process's heartbeat."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session],
                 results: Results) -> None:
        self.settings = settings
        self.sessions = sessions
        self.results = results
        self.data_dir = Path(settings.data_dir)
        self.instance_id = uuid.uuid4()
        self._stop = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._heartbeat: threading.Thread | None = None
        self._webhooks: threading.Thread | None = None
        self._pending = 0  # fits submitted here and not finished (running + waiting)
        self._pending_lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """Fits this process takes at once: running (``workers``) plus waiting."""
        return self.settings.workers + self.settings.max_queued_fits

    @property
    def pending(self) -> int:
        """Fits submitted to this process that have not finished."""
        return self._pending

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Register this process and start the fit threads and the heartbeat.  After a
        :meth:`stop` the worker may start again, as a new instance."""
        if self._executor is not None:  # started before: a new instance
            self.instance_id = uuid.uuid4()
            self._stop = threading.Event()
        with self.sessions.begin() as session:
            session.add(Instance(id=self.instance_id, hostname=socket.gethostname(),
                                 pid=os.getpid()))
        _LOCAL_INSTANCES.add(self.instance_id)
        self.reap()
        self._executor = ThreadPoolExecutor(max_workers=self.settings.workers,
                                            thread_name_prefix="journeymap-fit")
        self._heartbeat = threading.Thread(target=self._beat, name="journeymap-heartbeat",
                                           daemon=True)
        self._heartbeat.start()
        self._webhooks = threading.Thread(target=self._send_webhooks,
                                          name="journeymap-webhooks", daemon=True)
        self._webhooks.start()

    def stop(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=10)
        if self._webhooks is not None:
            self._webhooks.join(timeout=30)
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        now = utcnow()
        with self.sessions.begin() as session:
            session.execute(
                update(Fit)
                .where(Fit.instance_id == self.instance_id,
                       Fit.status.in_(FitStatus.ACTIVE))
                .values(status=FitStatus.FAILED, error=_error(INTERNAL, STOPPED_MESSAGE),
                        finished_at=now))
            session.execute(update(Instance).where(Instance.id == self.instance_id)
                            .values(stopped_at=now, heartbeat_at=now))
        _LOCAL_INSTANCES.discard(self.instance_id)

    def _send_webhooks(self) -> None:
        """Send due webhook deliveries every ``webhook_poll_seconds`` (docs/closing-the-loop.md)."""
        from .services.webhooks import deliver_due

        while not self._stop.wait(self.settings.webhook_poll_seconds):
            try:
                deliver_due(self.sessions, backoff_seconds=self.settings.webhook_backoff_seconds)
            except Exception:
                logger.exception("webhook deliveries could not be sent")

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_seconds):
            try:
                with self.sessions.begin() as session:
                    session.execute(update(Instance).where(Instance.id == self.instance_id)
                                    .values(heartbeat_at=utcnow()))
                self.reap()
            except Exception:  # the database may be briefly unreachable; try again
                logger.exception("heartbeat failed")

    def reap(self) -> int:
        """Mark the active fits of dead server processes failed; returns how many."""
        now = utcnow()
        cutoff = now - timedelta(seconds=self.settings.stale_after_seconds)
        host = socket.gethostname()
        with self.sessions.begin() as session:
            others = session.execute(
                select(Instance.id, Instance.hostname, Instance.pid, Instance.heartbeat_at)
                .where(Instance.id != self.instance_id, Instance.stopped_at.is_(None))).all()
            dead = [i.id for i in others
                    if i.heartbeat_at < cutoff
                    or (i.hostname == host and i.id not in _LOCAL_INSTANCES
                        and (i.pid == os.getpid() or _process_gone(i.pid)))]
            if dead:
                session.execute(update(Instance).where(Instance.id.in_(dead))
                                .values(stopped_at=now))
            alive = select(Instance.id).where(Instance.stopped_at.is_(None))
            failed = session.execute(
                update(Fit)
                .where(Fit.status.in_(FitStatus.ACTIVE),
                       or_(Fit.instance_id.is_(None), Fit.instance_id.not_in(alive)))
                .values(status=FitStatus.FAILED, error=_error(INTERNAL, STOPPED_MESSAGE),
                        finished_at=now)
                .execution_options(synchronize_session=False))
            count = int(getattr(failed, "rowcount", 0) or 0)
        if count:
            logger.warning("%d fit(s) of a stopped server marked failed", count)
        return count

    # ----------------------------------------------------------------- fits
    def submit(self, fit_id: uuid.UUID) -> None:
        """Queue the stored fit ``fit_id``; when the queue is full, delete it and raise
        a 503 problem with ``Retry-After``."""
        if self._executor is None:
            raise RuntimeError("the fit worker has not been started")
        with self._pending_lock:
            full = self._pending >= self.capacity
            if not full:
                self._pending += 1
        if full:
            with self.sessions.begin() as session:
                session.execute(delete(Fit).where(Fit.id == fit_id,
                                                  Fit.status == FitStatus.QUEUED))
            raise Problem(503, f"the server is busy: {self.settings.workers} fit(s) are running "
                               f"and {self.settings.max_queued_fits} are waiting; try again in "
                               f"{FIT_RETRY_AFTER_SECONDS} seconds.", type=SERVER_BUSY,
                          title="Server busy", headers={"Retry-After":
                                                        str(FIT_RETRY_AFTER_SECONDS)})
        try:
            self._executor.submit(self._run, fit_id)
        except BaseException:
            self._done_one()
            raise

    def _done_one(self) -> None:
        with self._pending_lock:
            self._pending -= 1

    def spec(self, session: Session, fit: Fit) -> FitSpec:
        """What the library needs to (re)run ``fit``."""
        version = session.get(MapVersion, fit.map_version_id)
        dataset = session.get(Dataset, fit.dataset_id)
        assert version is not None
        assert dataset is not None
        return FitSpec(fit_id=fit.id,
                       journey_map=self.results.journey_map(version.id, version.definition),
                       path=self.data_dir / dataset.path, filename=dataset.filename,
                       engine=fit.engine, options=json.loads(fit.options),
                       rows=fit.data_rows, file_rows=dataset.n_rows)

    def _run(self, fit_id: uuid.UUID) -> None:
        try:
            self._run_one(fit_id)
        finally:
            self._done_one()

    def _run_one(self, fit_id: uuid.UUID) -> None:
        try:
            with self.sessions.begin() as session:
                fit = session.get(Fit, fit_id)
                if fit is None or fit.status != FitStatus.QUEUED:
                    return
                fit.status = FitStatus.RUNNING
                fit.started_at = utcnow()
                fit.instance_id = self.instance_id
                spec = self.spec(session, fit)
            if self._test_delay(fit_id) or self._stop.is_set():
                self._finish(fit_id, FitStatus.FAILED, error=_error(INTERNAL, STOPPED_MESSAGE))
                return
            self._fit(spec)
        except Exception:
            logger.exception("fit %s could not be run", fit_id)
            self._finish(fit_id, FitStatus.FAILED, error=_error(
                INTERNAL, "an internal error stopped this fit; it has been logged. Start it "
                          "again, and report it if it persists."))

    def _test_delay(self, fit_id: uuid.UUID) -> bool:
        """Testing only: wait ``test_fit_delay_seconds`` (ending early when the fit is
        cancelled); True when the server stops meanwhile."""
        deadline = time.monotonic() + self.settings.test_fit_delay_seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stop.wait(min(left, 0.05)):
                return True
            if self.cancelled(fit_id):
                return False
        return False

    def _fit(self, spec: FitSpec) -> None:
        from journeymap.exceptions import DataValidationError, JourneymapError, MapValidationError

        started = time.perf_counter()
        try:
            if self.cancelled(spec.fit_id):
                raise FitCancelledError
            windows: list[Window] = []
            result = (self._stream(spec) if streams(spec, self.settings)
                      else run_fit(spec, on_window=windows.append))
            if self.cancelled(spec.fit_id):
                raise FitCancelledError
        except FitCancelledError:
            logger.info("fit %s cancelled", spec.fit_id)
            return
        except DataValidationError as exc:
            self._finish(spec.fit_id, FitStatus.FAILED, error=_error(INVALID_DATA, str(exc)))
            return
        except MapValidationError as exc:
            self._finish(spec.fit_id, FitStatus.FAILED, error=_error(INVALID_MAP, str(exc)))
            return
        except JourneymapError as exc:
            self._finish(spec.fit_id, FitStatus.FAILED, error=_error(INVALID_REQUEST, str(exc)))
            return
        payload = dumps(result.to_dict()).decode("utf-8")
        self._open_cases(spec)  # before 'done': a finished fit's cases are there
        window = dumps(windows[0].to_dict()).decode("utf-8") if windows else None
        if self._finish(spec.fit_id, FitStatus.DONE, result=payload, window=window):
            if result.model is not None and result.model.data is not None:  # for what-if
                self.results.live.put(spec.fit_id, result)
            logger.info("fit %s done in %.3f s", spec.fit_id, time.perf_counter() - started)

    def _open_cases(self, spec: FitSpec) -> None:
        """Open the follow-up cases of a finished fit's responses (docs/closing-the-loop.md);
        a problem here is logged and never fails the fit."""
        from .services.cases import open_cases_for_fit

        try:
            opened = open_cases_for_fit(self.sessions, spec)
        except Exception:
            logger.exception("fit %s: follow-up cases could not be opened", spec.fit_id)
            return
        if opened:
            logger.info("fit %s: %d follow-up case(s) opened", spec.fit_id, opened)

    def _stream(self, spec: FitSpec) -> FitResult:
        """Fit ``spec``'s file chunk by chunk (the linear engine), as
        ``journeymap fit --stream`` does; library messages name the uploaded file."""
        from journeymap.exceptions import JourneymapError
        from journeymap.fitting import fit_stream

        opts = spec.options
        def check(_rows: int, _total: int | None) -> None:  # after every chunk
            if self.cancelled(spec.fit_id):
                raise FitCancelledError

        try:
            return fit_stream(spec.journey_map, spec.path, survey_type=opts.get("survey_type"),
                              chunk_rows=self.settings.fit_chunk_rows, progress=check,
                              **engine_options(opts))
        except JourneymapError as exc:
            if str(spec.path) in str(exc):
                exc.args = (str(exc).replace(str(spec.path), spec.filename), *exc.args[1:])
                if hasattr(exc, "problems"):
                    exc.problems = tuple(p.replace(str(spec.path), spec.filename)
                                         for p in exc.problems)
            raise

    def cancelled(self, fit_id: uuid.UUID) -> bool:
        """True when the fit was cancelled (or deleted) since it started."""
        with self.sessions() as session:
            status = session.scalar(select(Fit.status).where(Fit.id == fit_id))
        return status is None or status == FitStatus.CANCELLED

    def _finish(self, fit_id: uuid.UUID, status: str, *, error: str | None = None,
                result: str | None = None, window: str | None = None) -> bool:
        """Store the outcome unless the fit was meanwhile marked failed by a reaper."""
        with self.sessions.begin() as session:
            done = session.execute(
                update(Fit)
                .where(Fit.id == fit_id, Fit.status.in_(FitStatus.ACTIVE),
                       Fit.instance_id == self.instance_id)
                .values(status=status, error=error, result=result, window=window,
                        finished_at=utcnow())
                .execution_options(synchronize_session=False))
            return bool(getattr(done, "rowcount", 0))


class FitCancelledError(Exception):
    """Raised inside a fit that was cancelled, to stop it at the next check."""


def streams(spec: FitSpec, settings: Settings) -> bool:
    """True when ``spec`` is fitted chunk by chunk (see the module docstring)."""
    try:
        size = spec.path.stat().st_size
    except OSError:
        return False
    return (spec.engine == "linear" and spec.whole_file
            and spec.path.suffix.lower() in STREAM_SUFFIXES
            and size > settings.stream_fits_above_bytes)


_TITLES = {INVALID_DATA: "The data do not fit the map", INVALID_MAP: "The map is not valid",
           INVALID_REQUEST: "The fit cannot be done", INTERNAL: "The fit did not finish"}


def _error(type_: str, detail: str) -> str:
    return json.dumps({"type": type_, "title": _TITLES[type_], "detail": detail},
                      ensure_ascii=False)
