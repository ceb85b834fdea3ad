"""Deleting a workspace's datasets, maps and fits, and cancelling fits.

What depends on what: a fit is made of one map version and one dataset, so deleting a
dataset or a map would leave its fits without their inputs.  Such a delete answers a
409 problem that lists the dependant fits (``dependants``), unless it is asked with
``cascade=true``: then the fits go with it.  A fit that is queued or running is never
deleted (409: cancel it first, ``POST /v1/fits/{id}/cancel``), alone or in a cascade.

Deleting a dataset removes its survey file from the data folder too; deleting a fit
forgets its results in this process's caches.  Shared by the ``/v1`` routes and
``journeymap admin delete-dataset/-map/-fit`` (``docs/api.md``, "Deleting data").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import Dataset, Fit, FitStatus, JourneyMapRecord, utcnow
from ..problems import CONFLICT, Problem, not_found
from ..results import Results
from ..schemas import FitOut
from .datasets import get_dataset
from .fits import fit_out, get_fit
from .maps import get_map

__all__ = ["Deleted", "cancel_fit", "delete_dataset", "delete_fit", "delete_map",
           "forget_fit"]

FIT_ACTIVE = "urn:journeymap:problem:fit-active"
HAS_DEPENDANTS = "urn:journeymap:problem:has-dependants"


@dataclass(frozen=True)
class Deleted:
    """What a delete removed: fit ids, and the survey file when a dataset went."""

    fits: list[uuid.UUID] = field(default_factory=list)
    file: Path | None = None


def forget_fit(results: Results | None, fit_id: uuid.UUID) -> None:
    """Drop a fit from this process's caches (its analyses are then asked of the
    database, which no longer has it)."""
    if results is None:
        return
    results.done.pop(fit_id)
    results.results.pop(fit_id)
    results.live.pop(fit_id)
    results.models.pop(("fit", fit_id))
    results.responses.pop(("fit", fit_id))


def _refuse_active(fits: list[Fit], what: str) -> None:
    active = [f for f in fits if f.status in FitStatus.ACTIVE]
    if active:
        ids = ", ".join(str(f.id) for f in active[:5])
        raise Problem(409, f"{what} has {len(active)} fit(s) queued or running ({ids}); cancel "
                           "them first (POST /v1/fits/{id}/cancel), then delete.",
                      type=FIT_ACTIVE, title="A fit is running",
                      dependants={"fits": [str(f.id) for f in active]})


def _dependants(session: Session, fits: list[Fit], what: str, cascade: bool) -> None:
    _refuse_active(fits, what)
    if fits and not cascade:
        raise Problem(409, f"{what} is used by {len(fits)} fit(s); delete them first, or "
                           "delete with ?cascade=true to remove them together.",
                      type=HAS_DEPENDANTS, title="Other data depend on it",
                      dependants={"fits": [str(f.id) for f in fits]})


def _delete_fits(session: Session, results: Results | None, fits: list[Fit]) -> list[uuid.UUID]:
    ids = [f.id for f in fits]
    if ids:
        session.execute(delete(Fit).where(Fit.id.in_(ids)))
    for fit_id in ids:
        forget_fit(results, fit_id)
    return ids


def delete_fit(session: Session, results: Results | None, workspace_id: uuid.UUID,
               fit_id: uuid.UUID) -> Deleted:
    """Delete a finished, failed or cancelled fit (409 while it is queued or running)."""
    fit = get_fit(session, workspace_id, fit_id)
    _refuse_active([fit], "this fit")
    ids = _delete_fits(session, results, [fit])
    session.commit()
    return Deleted(fits=ids)


def delete_map(session: Session, results: Results | None, workspace_id: uuid.UUID,
               map_id: uuid.UUID, *, cascade: bool = False) -> Deleted:
    """Delete a map with all its versions (and its fits with ``cascade``)."""
    rec = get_map(session, workspace_id, map_id)
    fits = list(session.scalars(select(Fit).where(Fit.map_id == rec.id)).all())
    _dependants(session, fits, "this map", cascade)
    ids = _delete_fits(session, results, fits)
    session.execute(delete(JourneyMapRecord).where(JourneyMapRecord.id == rec.id))
    session.commit()
    return Deleted(fits=ids)


def delete_dataset(session: Session, results: Results | None, data_dir: Path,
                   workspace_id: uuid.UUID, dataset_id: uuid.UUID, *,
                   cascade: bool = False) -> Deleted:
    """Delete a dataset and its survey file (and its fits with ``cascade``)."""
    row = get_dataset(session, workspace_id, dataset_id)
    fits = list(session.scalars(select(Fit).where(Fit.dataset_id == row.id)).all())
    _dependants(session, fits, "this dataset", cascade)
    ids = _delete_fits(session, results, fits)
    path = _inside(data_dir, row.path)
    session.execute(delete(Dataset).where(Dataset.id == row.id))
    session.commit()
    if path is not None:
        path.unlink(missing_ok=True)
    return Deleted(fits=ids, file=path)


def _inside(data_dir: Path, relative: str) -> Path | None:
    """The stored file's path, only when it lies inside the data folder."""
    base = data_dir.resolve()
    path = (base / relative).resolve()
    return path if path.is_relative_to(base) and path != base else None


def cancel_fit(session: Session, workspace_id: uuid.UUID, fit_id: uuid.UUID) -> FitOut:
    """Cancel a queued or running fit: its status becomes ``cancelled`` at once, and the
    worker running it stops at its next check (between chunks of a streamed fit, between
    reading and fitting otherwise).  A fit already cancelled answers as it is; a done or
    failed fit is a 409 problem."""
    fit = get_fit(session, workspace_id, fit_id)
    if fit.status == FitStatus.CANCELLED:
        return fit_out(fit)
    done = session.execute(
        update(Fit).where(Fit.id == fit.id, Fit.status.in_(FitStatus.ACTIVE))
        .values(status=FitStatus.CANCELLED, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()
    if not getattr(done, "rowcount", 0):
        session.refresh(fit)
        if fit.status != FitStatus.CANCELLED:
            raise Problem(409, f"this fit is {fit.status}; only a queued or running fit can be "
                               "cancelled (delete it with DELETE /v1/fits/{id}).",
                          type=CONFLICT, title="The fit has finished")
    session.refresh(fit)
    found = session.get(Fit, fit.id)
    if found is None:  # pragma: no cover - deleted meanwhile
        raise not_found("fit", fit_id)
    return fit_out(found)
