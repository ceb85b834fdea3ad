"""Appending responses to a stored dataset (``POST /v1/datasets/{id}/responses``).

Continuous measurement (docs/continuous-measurement.md): new survey responses arrive
in batches, as CSV/TSV text or JSON rows.  They get the same checks as an upload (the
size limit ``max_upload_bytes``, readable as a table, at least one response) and must
have exactly the dataset's columns.  Appends are idempotent by response id: a row whose
id is already stored with the same answers is skipped and counted; an id stored with
DIFFERENT answers refuses the whole batch (409, the ids listed) — nothing is ever
overwritten.  A dataset without its response-id column refuses appends.

The new rows are written with the stored ones to a new file (a temporary file renamed
into place), the database row is pointed at it in one commit, and only then is the old
file removed: a failed append leaves the dataset as it was.  Fits keep their stored
results; a fit made later reads the longer dataset.

**Follow-up cases** of the new rows open in that same commit (docs/closing-the-loop.md,
"Cases of appended responses"), by the workspace's rules and
:func:`journeymap.cases.make_cases`: the map named with ``?map_id=`` (its latest
version), or else the map version of the dataset's latest finished fit, assigns the
roles.  With neither the rows are appended and the answer says why no case opened.  New
rows the map cannot read (e.g. a score outside its scale) refuse the batch with the
library's message: they would fail the next fit too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from journeymap.exceptions import JourneymapError
from journeymap.limits import CASES_MAX_ROWS, MAX_LISTED_CONFLICTS, UPLOAD_FILE_MODE

from ..models import Dataset, Fit, FitStatus, MapVersion, utcnow
from ..problems import CONFLICT, INVALID_DATA, TOO_LARGE, UNSUPPORTED_FILE, Problem, not_found
from ..schemas import AppendCasesOut, AppendOut
from ..settings import Settings
from . import cases as case_service
from .datasets import dataset_out, dataset_path
from .maps import stored_map

if TYPE_CHECKING:
    import pandas as pd

    from journeymap.cases import Case
    from journeymap.model import JourneyMap

    from ..results import Results

__all__ = ["DEFAULT_ID_COLUMN", "append_responses", "parse_rows"]

DEFAULT_ID_COLUMN = "response_id"
_TEXT_TYPES = {"text/csv": ".csv", "application/csv": ".csv", "text/plain": ".csv",
               "text/tab-separated-values": ".tsv"}


def _cell(v: Any) -> str:
    """A cell as text: blank for missing, ``5`` (not ``5.0``) for a whole number."""
    if v is None or v != v:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _invalid(detail: str, title: str = "The responses are not readable") -> Problem:
    return Problem(422, detail, type=INVALID_DATA, title=title)


@dataclass(frozen=True)
class Rows:
    """Rows as text cells under a header."""

    columns: list[str]
    rows: list[list[str]]


def _frame_rows(frame: pd.DataFrame) -> Rows:
    return Rows([str(c) for c in frame.columns],
                [[_cell(v) for v in row] for row in frame.itertuples(index=False)])


def parse_rows(body: bytes, content_type: str | None) -> Rows:
    """The rows of an append body: CSV/TSV text or JSON (``{"rows": [{...}]}`` or a list).

    Raises 415 for another content type and 422 for a body that is not a table with at
    least one row.
    """
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "application/json":
        return _json_rows(body)
    if ctype not in _TEXT_TYPES:
        raise Problem(415, "send the responses as CSV (text/csv), TSV "
                           "(text/tab-separated-values) or JSON (application/json: "
                           '{"rows": [{"column": value, ...}, ...]}).',
                      type=UNSUPPORTED_FILE, title="Unsupported content type")
    from journeymap.data import read_table

    if not body.strip():
        raise _invalid("the body is empty; it needs a header row and one row per response.")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"responses{_TEXT_TYPES[ctype]}"
        path.write_bytes(body)
        try:
            frame = read_table(path)
        except JourneymapError as exc:
            raise _invalid(str(exc).replace(str(path), "the body")) from None
    rows = _frame_rows(frame)
    if not rows.rows:
        raise _invalid("the body has a header row but no responses.",
                       "The responses are empty")
    return rows


def _json_rows(body: bytes) -> Rows:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid(f"the body is not JSON ({exc}).") from None
    items = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise _invalid('the JSON body must be {"rows": [{"column": value, ...}, ...]} '
                       "(or a list of such objects).")
    if not items:
        raise _invalid("the JSON body has no rows.", "The responses are empty")
    columns: list[str] = []
    for item in items:
        for key in item:
            if key not in columns:
                columns.append(str(key))
    rows: list[list[str]] = []
    for i, item in enumerate(items, start=1):
        missing = [c for c in columns if c not in item]
        if missing:
            raise _invalid(f"JSON row {i} lacks {', '.join(repr(c) for c in missing)}; "
                           "every row needs the same keys (null for a blank answer).")
        for key, value in item.items():
            if isinstance(value, (dict, list)):
                raise _invalid(f"JSON row {i}, {key!r}: a value must be a number, text or "
                               "null.")
        rows.append([_cell(item[c]) for c in columns])
    return Rows(columns, rows)


def append_responses(session: Session, settings: Settings, workspace_id: uuid.UUID,
                     dataset_id: uuid.UUID, body: bytes, content_type: str | None,
                     id_column: str | None = None, *, results: Results | None = None,
                     map_id: uuid.UUID | None = None) -> AppendOut:
    """Append the body's responses to the dataset and open their follow-up cases (see
    the module for the rules).

    Raises 404 (dataset, or the map ``map_id``), 409 (ids already stored with other
    answers), 413, 415 or 422 problems; on any of them the dataset is unchanged and no
    case opens.  Without ``results`` (the parsed-map cache) maps are parsed afresh.
    """
    from journeymap.data import read_table

    if len(body) > settings.max_upload_bytes:
        raise Problem(413, f"the responses are larger than this server accepts "
                           f"({settings.max_upload_bytes:,} bytes).", type=TOO_LARGE,
                      title="File too large", max_upload_bytes=settings.max_upload_bytes)
    row = session.scalar(select(Dataset).where(Dataset.id == dataset_id,
                                               Dataset.workspace_id == workspace_id)
                         .with_for_update())
    if row is None:
        raise not_found("dataset", dataset_id)
    columns: list[str] = json.loads(row.columns)
    id_col = id_column or DEFAULT_ID_COLUMN
    if id_col not in columns:
        raise _invalid(f"dataset '{row.name}' has no response-id column {id_col!r}, so "
                       "responses cannot be appended to it (a response sent twice would be "
                       "counted twice); upload it again with a column of unique response "
                       "ids, or name that column with ?id_column=.",
                       "The dataset has no response-id column")
    new = parse_rows(body, content_type)
    missing = [c for c in columns if c not in new.columns]
    extra = [c for c in new.columns if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append("lack " + ", ".join(repr(c) for c in missing))
        if extra:
            parts.append("have columns the dataset does not: "
                         + ", ".join(repr(c) for c in extra))
        raise _invalid(f"the responses {' and '.join(parts)}; send exactly the dataset's "
                       f"columns ({', '.join(columns)}).",
                       "The responses do not match the dataset")
    order = [new.columns.index(c) for c in columns]
    new_rows = [[r[i] for i in order] for r in new.rows]
    k = columns.index(id_col)
    blank = [i for i, r in enumerate(new_rows, start=1) if not r[k]]
    if blank:
        raise _invalid(f"row {blank[0]} of the responses has no {id_col!r}; every appended "
                       "response needs its id.", "A response has no id")
    path = dataset_path(settings, row)
    try:
        stored = _frame_rows(read_table(path))
    except JourneymapError as exc:
        raise _invalid(str(exc).replace(str(path), row.filename),
                       "The stored dataset is not readable") from None
    seen: dict[str, list[str]] = {}
    for r in stored.rows:
        seen.setdefault(r[k], r)
    appended: list[list[str]] = []
    conflicts: list[str] = []
    skipped = 0
    for r in new_rows:
        before = seen.get(r[k])
        if before is None:
            seen[r[k]] = r
            appended.append(r)
        elif before == r:
            skipped += 1
        elif r[k] not in conflicts:
            conflicts.append(r[k])
    if conflicts:
        raise Problem(409, f"{len(conflicts)} response id(s) are already stored (or sent "
                           "twice) with different answers: "
                           f"{', '.join(conflicts[:MAX_LISTED_CONFLICTS])}"
                           f"{' …' if len(conflicts) > MAX_LISTED_CONFLICTS else ''}; "
                           "nothing was appended. A stored response is never overwritten: "
                           "give a changed answer a new response id.",
                      type=CONFLICT, title="Responses conflict with stored ones",
                      conflicts=conflicts[:MAX_LISTED_CONFLICTS], n_conflicts=len(conflicts))
    known = _case_map(session, results, row, map_id)
    found, cases = _find_cases(session, known, row, columns, appended, id_col)
    if appended:
        if found:  # added to the session: committed with the new file, or not at all
            opened = case_service.store_cases(session, workspace_id, row.id, None, found,
                                              found[0].opened_at)
            cases = cases.model_copy(update={"opened": opened})
        _write_version(session, settings, row, columns, stored.rows + appended)
    return AppendOut(appended=len(appended), skipped=skipped, cases=cases,
                     dataset=dataset_out(row))


@dataclass(frozen=True)
class _CaseMap:
    """The map that assigns appended responses' cases, or ``None`` with the reason."""

    version: MapVersion | None
    journey_map: JourneyMap | None
    survey_type: str | None
    note: str | None


def _case_map(session: Session, results: Results | None, row: Dataset,
              map_id: uuid.UUID | None) -> _CaseMap:
    """The map named with the append, else the map of the dataset's latest finished fit."""
    from journeymap.model import JourneyMap

    if map_id is not None:
        if results is not None:
            _, version, m = stored_map(session, results, row.workspace_id, map_id)
            return _CaseMap(version, m, None, None)
        from .maps import get_map, get_version

        version = get_version(session, get_map(session, row.workspace_id, map_id), None)
        return _CaseMap(version, JourneyMap.from_dict(json.loads(version.definition)),
                        None, None)
    fit = session.scalar(select(Fit).where(Fit.workspace_id == row.workspace_id,
                                           Fit.dataset_id == row.id,
                                           Fit.status == FitStatus.DONE)
                         .order_by(Fit.created_at.desc(), Fit.id).limit(1))
    if fit is None:
        return _CaseMap(None, None, None, (
            f"no map is known for dataset '{row.name}' (it has no finished fit and the "
            "request named no map), so no follow-up case was opened for these responses; "
            "name the map with ?map_id= or fit the dataset (a fit opens the cases of every "
            "response without one)."))
    used = session.get(MapVersion, fit.map_version_id)
    assert used is not None
    m = (results.journey_map(used.id, used.definition) if results is not None
         else JourneyMap.from_dict(json.loads(used.definition)))
    survey_type = json.loads(fit.options).get("survey_type")
    return _CaseMap(used, m, survey_type if isinstance(survey_type, str) else None, None)


def _find_cases(session: Session, known: _CaseMap, row: Dataset, columns: list[str],
                appended: list[list[str]], id_col: str) -> tuple[list[Case], AppendCasesOut]:
    """The library's cases of the appended rows (422 when the map cannot read them)."""
    version = known.version
    out = AppendCasesOut(opened=0, map_id=version.map_id if version else None,
                         map_version=version.version if version else None, note=known.note)
    if known.journey_map is None or version is None or not appended:
        return [], out
    if len(appended) > CASES_MAX_ROWS:
        return [], out.model_copy(update={"note": (
            f"{len(appended):,} responses are more than {CASES_MAX_ROWS:,} at once, so no "
            "follow-up case was opened for them (docs/security.md).")})
    fitted = case_service.dataset_rules(case_service.workspace_rules(session, row.workspace_id),
                                        columns, row.name, id_column=id_col)
    notes = " ".join(fitted.notes) or None
    if fitted.rules is None:
        return [], out.model_copy(update={"note": notes})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(appended)
        try:
            found = case_service.find_cases(known.journey_map, path, fitted.rules, utcnow(),
                                            known.survey_type)
        except JourneymapError as exc:
            raise _invalid(
                f"the responses do not fit map '{version.name}' (version {version.version}), "
                "which opens their follow-up cases: "
                f"{str(exc).replace(str(path), 'the responses')} Nothing was appended.",
                "The responses do not fit the map") from None
    return found, out.model_copy(update={"note": notes})


def _write_version(session: Session, settings: Settings, row: Dataset, columns: list[str],
                   rows: list[list[str]]) -> None:
    """Write every row to a new CSV file, point the dataset at it, then drop the old file."""
    import hashlib

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if len(data) > settings.max_upload_bytes:
        raise Problem(413, f"with these responses the dataset would be larger than this "
                           f"server accepts ({settings.max_upload_bytes:,} bytes); start a "
                           "new dataset.", type=TOO_LARGE, title="Dataset too large",
                      max_upload_bytes=settings.max_upload_bytes)
    old = dataset_path(settings, row)
    relative = f"datasets/{row.workspace_id}/{row.id}.{uuid.uuid4().hex[:12]}.csv"
    final = settings.data_dir / relative
    final.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, UPLOAD_FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        row.path = relative
        row.format = "csv"
        row.size_bytes = len(data)
        row.sha256 = hashlib.sha256(data).hexdigest()
        row.n_rows = len(rows)
        session.commit()
    except BaseException:
        session.rollback()
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    if old != final:
        old.unlink(missing_ok=True)
