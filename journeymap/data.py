"""Load and check survey data against a journey map (docs/method.md, "Data rules").

One row per response.  Columns are named by the map (a node's ``column`` or its
``items``).  The rules:

* LTR (the outcome column) must be an integer 0–10; a row with a blank LTR is left
  out of everything and counted in a warning.
* Ratings must be numbers within the node's scale (non-integers are allowed: a
  rating may itself be an average).
* A blank cell, ``NA`` or ``N/A`` (any case) means *not experienced*: it stays
  missing and is never replaced by a number.
* A composite node (``items``) is the mean of the answered items when at least
  half of them are answered, else missing; Cronbach's alpha of its items is reported.
* If ``survey_type`` holds both ``relational`` and ``transactional`` responses the
  caller must pick one: the two instruments are never pooled silently.

Every violation raises one :class:`~journeymap.exceptions.DataValidationError`
naming the column, the first bad rows and their values; nothing is fitted.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._files import regular_file_problem
from .exceptions import DataValidationError, JourneymapError
from .i18n import gettext as _

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .model import JourneyMap, Node

__all__ = ["CONSENT_NO", "CONSENT_YES", "MISSING_TOKENS", "SURVEY_TYPES", "CheckedChunk",
           "ResponseComments", "SurveyData", "check_data_file", "check_frame", "check_header",
           "cronbach_alpha", "load_survey", "match_questions", "outcome_warnings", "read_table",
           "recode_outcome"]

MISSING_TOKENS = ("", "NA", "N/A")
SURVEY_TYPES = ("relational", "transactional")
MAX_BAD_ROWS_SHOWN = 5
COMPACT_LIMIT = 16  # |scale bounds| up to this: whole-number chunks may be float32
#: Consent cells that mean "yes, my comment may be shown" (any case; also true and 1).
CONSENT_YES = frozenset({"true", "yes", "y", "1", "x", "ja", "j", "kyllä", "k"})
#: Consent cells that mean no (any case; also false and 0); a blank cell means no too.
CONSENT_NO = frozenset({"false", "no", "n", "0", "nej", "nei", "ei"})
_NA_VALUES = sorted({t for tok in MISSING_TOKENS for t in (tok, tok.lower(), tok.title())})


@dataclass(frozen=True)
class ResponseComments:
    """The free-text comments of the responses, with consent and date (the map's
    ``comments:``, docs/map-format.md, "Customer comments").

    One entry per row of :attr:`SurveyData.values` (rows with a recommend answer).

    Attributes
    ----------
    text
        The comment, stripped; ``None`` for a blank cell.
    consent
        True where the respondent agreed that the comment may be shown
        (:data:`CONSENT_YES`); blank and no are False.
    date
        The response date (``datetime64[D]``, NaT when blank), or ``None`` when the map
        names no date column.
    """

    text: NDArray[np.object_]
    consent: NDArray[np.bool_]
    date: NDArray[np.datetime64] | None = None

    def take(self, keep: NDArray[np.bool_]) -> ResponseComments:
        """The rows where ``keep`` is True."""
        return ResponseComments(self.text[keep], self.consent[keep],
                                None if self.date is None else self.date[keep])


@dataclass(frozen=True)
class SurveyData:
    """Survey responses checked against a map, ready for an engine.

    Attributes
    ----------
    node_ids
        Measured node ids, one per column of ``values`` (map order; the outcome included).
    values
        ``(n, m)`` float array of node scores for the rows with a valid LTR; NaN =
        not experienced.  Composites hold the item mean.  Every value lies on its node's
        scale (:func:`load_survey` checks it; the robust errors' leverage bound relies on it).
    ltr
        ``(n,)`` int array of LTR 0–10 (the outcome column of ``values`` as integers).
    n_responses
        Rows read, after any survey-type filter (rows with a blank LTR included).
    alphas
        Cronbach's alpha per composite node (NaN when it cannot be computed).
    integer
        Per column, True when every observed value is a whole number (lets the
        engines take faster exact paths); ``None`` when unknown.
    warnings
        Plain-language warnings (blank LTRs, low alpha …).
    comments
        The comments, consent and dates of the rows, when the map names them
        (``comments:``); ``None`` otherwise.
    """

    node_ids: tuple[str, ...]
    values: NDArray[np.float64]
    ltr: NDArray[np.int64]
    n_responses: int
    alphas: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    survey_type: str | None = None
    integer: tuple[bool, ...] | None = None
    comments: ResponseComments | None = None

    @property
    def n(self) -> int:
        """Responses with a valid LTR (the rows of ``values``)."""
        return int(self.ltr.shape[0])

    def column(self, node_id: str) -> NDArray[np.float64]:
        """The scores of one node (a view)."""
        return self.values[:, self.node_ids.index(node_id)]


def read_table(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read CSV / TSV / Parquet / Excel into a DataFrame, or pass a DataFrame through.

    Raises :class:`DataValidationError` for a missing, empty, binary or unreadable
    file, never a parser traceback.
    """
    if isinstance(source, pd.DataFrame):
        return source
    path = check_data_file(source)
    name = str(source)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq", ".xlsx", ".xlsm", ".xls"):
            return _read_binary_table(path, name, suffix)
        from .sources.exports import read_export, sniff_encoding, sniff_export

        with path.open("rb") as f:  # closed at once: no ResourceWarning
            head = f.read(65536)
        if b"\x00" in head and sniff_encoding(head) != "utf-16":
            raise DataValidationError(f"{name}: this is not a text CSV file (it contains binary "
                                      "bytes); save the survey as CSV (UTF-8), Parquet or Excel.")
        layout = sniff_export(path, head)
        if layout.is_export:  # docs/survey-exports.md
            check_header(list(layout.columns), name)
            return read_export(path, layout, _NA_VALUES)
        sep = layout.delimiter
        with path.open(encoding="utf-8-sig", newline="") as lines:
            check_header(next(csv.reader(lines, delimiter=sep), []), name)
        return pd.read_csv(path, sep=sep, engine="c", na_values=_NA_VALUES,
                           keep_default_na=False, encoding="utf-8-sig")
    except DataValidationError:
        raise
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"{name}: the file is not UTF-8 text (byte {exc.start}); save "
                                  "it as CSV UTF-8.") from None
    except ImportError as exc:
        raise DataValidationError(
            f"{name}: reading {suffix} files needs an extra package ({exc.name}); "
            "pip install 'journeymap[parquet,excel]'.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError,
            OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        kind = suffix.lstrip(".") or "CSV"
        raise DataValidationError(f"{name}: cannot read this file as a {kind} table "
                                  f"({first}).") from None


def _read_binary_table(path: Path, name: str, suffix: str) -> pd.DataFrame:
    """A Parquet or Excel file; their readers raise many types for a damaged file
    (``BadZipFile``, ``ArrowInvalid``, ``InvalidFileException``, ``KeyError`` …)."""
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            check_header(list(pq.read_schema(path).names), name)
            return pd.read_parquet(path)
        from .sources.exports import read_excel_export

        top = pd.read_excel(path, header=None, nrows=1)
        check_header(["" if pd.isna(c) else str(c) for c in top.iloc[0]] if len(top) else [],
                     name)
        export = read_excel_export(path, _NA_VALUES)  # docs/survey-exports.md
        if export is not None:
            check_header([str(c) for c in export.columns], name)
            return export
        return pd.read_excel(path, na_values=_NA_VALUES, keep_default_na=False)
    except (DataValidationError, ImportError):
        raise
    except Exception as exc:  # any reader failure is a file the user can fix
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataValidationError(f"{name}: cannot read this file as a {suffix.lstrip('.')} "
                                  f"table ({first}).") from None


def check_data_file(source: str | Path) -> Path:
    """The path of a survey file that can be read: an existing, non-empty regular file.

    A folder, a pipe (FIFO), a device such as ``/dev/zero`` or a socket is refused
    by its type, before anything is opened (a pipe would otherwise block, and a device
    has no size to check); see docs/security.md, "Survey data".

    Raises
    ------
    DataValidationError
        Naming the file and what it is instead.
    """
    path = Path(source)
    name = str(source)
    problem = regular_file_problem(path)
    if problem is not None:
        if problem.startswith("no such file"):
            raise DataValidationError(f"{name}: no such data file.")
        if problem.startswith("is a folder"):
            raise DataValidationError(f"{name}: is a folder, not a data file.")
        raise DataValidationError(f"{name}: {problem}; save the survey to a file (CSV, "
                                  "Parquet or Excel) and give its path.")
    if path.stat().st_size == 0:
        raise DataValidationError(f"{name}: the file is empty; it needs a header row and one "
                                  "row per response.")
    return path


def check_header(columns: Sequence[str], name: str) -> None:
    """Refuse a header row that names a column twice.

    Readers would keep one of the two (pandas renames the second ``q1.1``, Arrow keeps
    the first), so the analysis would silently use whichever they chose.  Blank
    header cells are not compared (they name no column).

    Raises
    ------
    DataValidationError
        Naming the column and its positions (1-based, as a spreadsheet counts them).
    """
    where: dict[str, list[int]] = {}
    for i, col in enumerate(columns, 1):
        if str(col).strip():
            where.setdefault(str(col), []).append(i)
    twice = {c: pos for c, pos in where.items() if len(pos) > 1}
    if twice:
        shown = "; ".join(f"'{c}' (columns {', '.join(map(str, pos))})"
                          for c, pos in list(twice.items())[:5])
        more = f" and {len(twice) - 5} more" if len(twice) > 5 else ""
        raise DataValidationError(
            f"{name}: the header names a column more than once: {shown}{more}. Each column "
            "needs its own name; rename or remove the copies.")


def _delimiter(head: bytes, suffix: str) -> str:
    """Tab for .tsv/.tab; else comma, semicolon or tab, whichever the header line uses
    (Excel in many European locales saves CSV with semicolons)."""
    if suffix in (".tsv", ".tab"):
        return "\t"
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    try:
        return csv.Sniffer().sniff(lines[0], delimiters=",;\t").delimiter if lines else ","
    except csv.Error:
        return ","


def _show(value: Any) -> str:
    """A cell value as a person would type it: ``11``, ``7.5``, ``'good'``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return repr(str(value)) if isinstance(value, str) else repr(value)


def _rows(mask: NDArray[np.bool_], values: Any, rows: Any = None) -> str:
    """The first bad rows as ``row 5 (11)``; ``rows`` holds 0-based row numbers by position."""
    idx = np.flatnonzero(mask)

    def number(i: int) -> int:
        return (int(rows[i]) if rows is not None else int(i)) + 1

    shown = ", ".join(f"row {number(i)} ({_show(values[i])})" for i in idx[:MAX_BAD_ROWS_SHOWN])
    more = f" and {len(idx) - MAX_BAD_ROWS_SHOWN} more" if len(idx) > MAX_BAD_ROWS_SHOWN else ""
    return f"{shown}{more}"


def _numeric(frame: pd.DataFrame, col: str, node: Node, shown: str | None = None) -> NDArray[Any]:
    """The column as numbers (floats with NaN = not experienced, or plain integers when the
    column holds only whole numbers), or an error naming bad rows (the column by its name
    in the file, ``shown``, when the map found it by its question text)."""
    raw = frame[col]
    what = _("column '%(column)s' (node '%(node)s')") % {"column": shown or col,
                                                          "node": node.id}
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
        text = raw.astype("string").str.strip()
        missing = text.isna() | text.str.upper().isin(list(MISSING_TOKENS))
        num = pd.to_numeric(text.where(~missing), errors="coerce")
        words = (num.isna() & ~missing).to_numpy()
        if words.any():
            num, missing = _labelled(text, num, missing, words, node)
        bad = (num.isna() & ~missing).to_numpy()
        if bad.any():
            raise DataValidationError(_unknown_text(what, col, node, bad, raw, frame.index))
        out = num.to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_bool_dtype(raw.dtype):
        raise DataValidationError(f"{what} holds true/false values, not ratings.")
    elif isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iu":
        # Whole numbers without missing values: no float copy and nothing infinite.
        return raw.to_numpy()
    elif pd.api.types.is_numeric_dtype(raw.dtype):
        out = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        raise DataValidationError(f"{what} has values of type {raw.dtype}, not numbers.")
    infinite = np.isinf(out)
    if infinite.any():
        raise DataValidationError(
            f"{what} has infinite values: {_rows(infinite, out, frame.index)}.")
    return out


def _labelled(text: pd.Series, num: pd.Series, missing: pd.Series, words: NDArray[np.bool_],
              node: Node) -> tuple[pd.Series, pd.Series]:
    """Answers given as text read through the node's value labels (``values:``), then the
    built-in rules (docs/survey-exports.md, "Value labels"): a "not applicable" answer
    (:data:`journeymap.sources.exports.NOT_APPLICABLE`) is missing, and an answer that
    starts with a whole number followed by words (``10 - Extremely likely``) is that
    number."""
    from .model import label_key
    from .sources.exports import NOT_APPLICABLE, leading_number

    lookup = node.value_lookup
    mask = pd.Series(words, index=text.index)
    cells = text[mask]
    read: dict[str, float] = {}
    for cell in cells.unique().tolist():
        key = label_key(cell)
        if key in lookup:
            v = lookup[key]
            read[cell] = math.inf if v is None else float(v)  # inf: read as missing
        elif key in NOT_APPLICABLE:
            read[cell] = math.inf
        else:
            lead = leading_number(cell)
            read[cell] = math.nan if lead is None else float(lead)
    got = cells.map(read).astype("float64")
    num = num.astype("float64").copy()
    num[mask] = got.where(~np.isinf(got))
    not_applicable = pd.Series(False, index=text.index)
    not_applicable[mask] = np.isinf(got.to_numpy())
    missing = missing | not_applicable
    return num, missing


def _unknown_text(what: str, col: str, node: Node, bad: NDArray[np.bool_], raw: pd.Series,
                  rows: Any) -> str:
    """One message for text in a rating column that neither a value label nor a built-in
    rule reads: the column, the rows and values, and the ``values:`` key to add."""
    first = str(raw.to_numpy()[np.flatnonzero(bad)[0]]).strip()
    lo, hi = node.scale or (0.0, 10.0)
    return (_("%(what)s has text where a number is expected and no value label reads it: "
              "%(rows)s. Declare what each answer means in the node's 'values' in the map, "
              "e.g. values: {\"%(first)s\": %(hi)s, …} (numbers on its scale %(lo)s–%(hi)s; "
              "null for an answer that means not experienced), or leave the cell blank (or "
              "NA / N/A) when the customer did not experience it (docs/survey-exports.md).")
            % {"what": what, "rows": _rows(bad, raw.to_numpy(), rows), "first": first,
               "hi": f"{hi:g}", "lo": f"{lo:g}"})


def _check_scale(x: NDArray[Any], col: str, node: Node, rows: Any = None) -> None:
    assert node.scale is not None
    lo, hi = node.scale
    if x.size == 0:
        return
    integer = x.dtype.kind in "iu"
    # Two reductions (NaN ignored) decide whether the slower row search is needed at all.
    in_range = bool(np.fmin.reduce(x) >= lo) and bool(np.fmax.reduce(x) <= hi) \
        if integer or not np.isnan(x).all() else True
    if in_range and (integer or node.kind != "outcome"):
        return
    bad = (x < lo) | (x > hi)
    if bad.any() and node.kind == "outcome":
        raise DataValidationError(
            f"column '{col}' (the recommend question) must hold whole numbers 0–10: "
            f"{_rows(bad, x, rows)}. The 0–10 scale of NPS cannot be changed; fix the data.")
    if bad.any():
        raise DataValidationError(
            f"column '{col}' (node '{node.id}') has values outside its scale {lo:g}–{hi:g}: "
            f"{_rows(bad, x, rows)}. Fix the data or the node's 'scale' in the map.")
    if node.kind == "outcome":
        frac = ~np.isnan(x) & (x != np.round(x))
        if frac.any():
            raise DataValidationError(
                f"column '{col}' (the recommend question) must hold whole numbers 0–10: "
                f"{_rows(frac, x, rows)}. NPS is defined on the 0–10 answers as given.")


def recode_outcome(x: NDArray[Any], col: str, node: Node, rows: Any = None) -> NDArray[Any]:
    """The recommend answers through the map's ``recode`` table (the outcome only).

    Each answer is looked up in the facilitator's table (docs/map-format.md, "A recommend
    question on another scale"); blanks stay blank.  Without a table ``x`` is returned
    as it is.

    Raises
    ------
    DataValidationError
        When an answer is not in the table, naming the column, rows and values.
    """
    if not node.recode:
        return x
    answers = np.array([a for a, _ in node.recode], dtype=np.float64)
    codes = np.array([v for _, v in node.recode], dtype=np.float64)
    xf = np.asarray(x, dtype=np.float64)
    observed = ~np.isnan(xf)
    at = np.minimum(np.searchsorted(answers, xf), len(answers) - 1)
    bad = observed & (answers[at] != xf)
    if bad.any():
        listed = ", ".join(f"{_show(a)}" for a in answers[:12])
        raise DataValidationError(
            f"column '{col}' (the recommend question) has answers that the map's 'recode' "
            f"table does not list: {_rows(bad, x, rows)}. The table lists {listed}; add the "
            "missing answers (answer: LTR 0–10) or fix the data.")
    out = np.where(observed, codes[at], np.nan)
    return out.astype(np.int64) if x.dtype.kind in "iu" else out


def outcome_warnings(journey_map: JourneyMap, ltr_counts: NDArray[np.int64]) -> list[str]:
    """What the result must say about the recommend answers themselves.

    With a ``recode`` table: that the answers were recoded, by which table, and that the
    NPS is not comparable with one asked 0–10.  Without one: a warning when the answers
    look like another scale — none is 0 and they lie within 1–5, or none is 0 while 10
    is used and 1 is the answer of at least 1 % (the bottom of a 1–10 item; a 0–10
    survey whose lowest answers are rare does not warn; docs/method.md, §2).  ``ltr_counts`` counts
    the LTRs 0–10 (after any recode).
    """
    node = journey_map.outcome_node
    col = node.column
    if node.recode:
        table = ", ".join(f"{_show(a)}→{v}" for a, v in node.recode)
        return [f"the recommend answers (column '{col}') were recoded to 0–10 by the map's "
                f"table ({table}); this NPS is not comparable with one asked on 0–10."]
    counts = np.asarray(ltr_counts)
    n = int(counts.sum())
    if n == 0 or counts[0] > 0:
        return []
    used = np.flatnonzero(counts)
    low, high = int(used[0]), int(used[-1])
    if low >= 1 and high <= 5:
        return [f"no recommend answer (column '{col}') is above {high} or below {low}: was the "
                "question asked on 1–5? NPS needs the 0–10 question; a 1–5 item needs an "
                "explicit 'recode' table on the outcome (docs/map-format.md), and its NPS is "
                "not comparable with a 0–10 one."]
    if low == 1 and high == 10 and counts[1] >= 0.01 * n:
        return [f"no recommend answer (column '{col}') is 0: was the question asked on 1–10? "
                "If so NPS is wrong as computed; add an explicit 'recode' table to the outcome "
                "(docs/map-format.md). If the question was 0–10, ignore this."]
    return []


def cronbach_alpha(items: NDArray[np.float64]) -> float:
    """Cronbach's alpha of item columns on the rows where all items are answered.

    ``alpha = k/(k-1) * (1 - sum(var(item_i)) / var(sum of items))`` with sample
    variances (ddof 1).  NaN when fewer than 2 items, 2 complete rows, or zero variance.
    """
    complete = items[~np.isnan(items).any(axis=1)]
    z = np.column_stack([np.ones(len(complete)), complete])
    return alpha_from_moments(z.T @ z)


def composite(items: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of the answered items where at least half are answered, else NaN."""
    answered = (~np.isnan(items)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        total = np.nansum(items, axis=1)
        mean = np.where(answered > 0, total / np.maximum(answered, 1), np.nan)
    return np.where(2 * answered >= items.shape[1], mean, np.nan)


def _survey_type_filter(frame: pd.DataFrame, survey_type: str | None,
                        name: str) -> tuple[pd.DataFrame, str | None]:
    if "survey_type" not in frame.columns:
        if survey_type is not None:
            raise DataValidationError(
                f"{name}: survey type '{survey_type}' was asked for, but the data have no "
                "'survey_type' column; drop the option or add the column.")
        return frame, None
    if survey_type is not None and survey_type not in SURVEY_TYPES:
        raise DataValidationError(f"survey type must be one of {', '.join(SURVEY_TYPES)}, "
                                  f"not '{survey_type}'.")
    kinds = frame["survey_type"].astype("string").str.strip().str.lower()
    unknown = ~(kinds.isin(list(SURVEY_TYPES)) | kinds.isna())
    if unknown.any():
        raise DataValidationError(
            f"{name}: column 'survey_type' must be relational or transactional: "
            f"{_rows(unknown.to_numpy(), frame['survey_type'].to_numpy(), frame.index)}.")
    counts = kinds.value_counts()
    present = [t for t in SURVEY_TYPES if counts.get(t, 0) > 0]
    if survey_type is None:
        if len(present) > 1:
            raise DataValidationError(
                f"{name}: the data mix {counts['relational']:,} relational and "
                f"{counts['transactional']:,} transactional responses. They are different "
                "instruments and are never pooled: choose one (--survey-type relational or "
                "--survey-type transactional).")
        return frame, present[0] if present else None
    return frame.loc[(kinds == survey_type).to_numpy()], survey_type


@dataclass(frozen=True)
class CheckedChunk:
    """One block of responses checked against a map (see :func:`check_frame`).

    ``values`` (column-major, NaN = not experienced; float64, or float32 for a compact
    chunk of whole numbers) and ``ltr`` hold the rows with an LTR answer; ``n_rows``
    counts every row read (after the survey-type filter).
    ``item_moments`` holds, per composite node, the Gram matrix ``Σ z zᵀ`` with
    ``z = (1, items…)`` over the rows where every item is answered (for Cronbach's alpha).
    """

    node_ids: tuple[str, ...]
    values: NDArray[np.floating[Any]]
    ltr: NDArray[np.int64]
    n_rows: int
    integer: tuple[bool, ...]
    item_moments: dict[str, NDArray[np.float64]]
    survey_type: str | None
    #: The comments of the rows in ``values`` (``check_frame(…, comments=True)`` of a map
    #: with ``comments:``), else ``None``.
    comments: ResponseComments | None = None

    @property
    def n_blank(self) -> int:
        return self.n_rows - int(self.ltr.shape[0])


def check_frame(frame: pd.DataFrame, journey_map: JourneyMap, *, name: str = "the data",
                survey_type: str | None = None, comments: bool = False) -> CheckedChunk:
    """Check one DataFrame of responses against the map (docs/method.md, "Data rules").

    The frame's index must hold the 0-based row numbers of the data as given, so that
    error messages name the right rows also for a chunk of a larger file.  With
    ``comments`` and a map that names comment columns (``comments:``), those columns are
    read too (:func:`read_comments`) and kept in the chunk.
    """
    check_header([str(c) for c in frame.columns], name)
    frame = match_questions(frame, journey_map, name)
    renamed: dict[str, str] = frame.attrs.get("journeymap_renamed", {})
    frame, chosen = _survey_type_filter(frame, survey_type, name)
    columns = [str(c) for c in frame.columns]
    frame.columns = pd.Index(columns)
    needed = [(f"node '{n.id}'", c) for n in journey_map.measured_nodes for c in n.columns]
    if comments and journey_map.comments is not None:
        needed += [(f"the comments' {key}", c) for key, c in
                   zip(("column", "consent", "date"), journey_map.comments.columns,
                       strict=False)]
    absent = [(n, c) for n, c in needed if c not in columns]
    if absent:
        parts = []
        for n, c in absent:
            close = difflib.get_close_matches(c, columns, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            parts.append(f"'{c}' for {n}{hint}")
        raise DataValidationError(
            f"{name}: the map needs columns that the data do not have: {'; '.join(parts)}. "
            f"The data have: {', '.join(columns[:30])}{' …' if len(columns) > 30 else ''}. "
            "Fix the column names or the node's 'column' / 'items' in the map.")

    in_file = renamed.get

    def column(col: str, node: Node) -> NDArray[Any]:
        shown = in_file(col, col)
        x = recode_outcome(_numeric(frame, col, node, shown), shown, node, frame.index)
        _check_scale(x, shown, node, frame.index)
        return x

    texts = (read_comments(frame, journey_map, name)
             if comments and journey_map.comments is not None else None)
    return checked_chunk(journey_map, column, int(frame.shape[0]), chosen, comments=texts)


def match_questions(frame: pd.DataFrame, journey_map: JourneyMap,
                    name: str = "the data") -> pd.DataFrame:
    """``frame`` with the columns a map names by question text renamed to the map's columns
    (docs/survey-exports.md, "Columns named by the question").

    A node's column that the data lack is looked for among the data's columns whose name
    or exported question text (:attr:`~journeymap.sources.exports.ExportLayout.questions`)
    equals the column name or one of the node's ``question:`` texts in any language,
    compared loosely (:func:`~journeymap.sources.exports.question_key`).  Columns present
    are left alone; a question text that matches two columns is an error.
    """
    from .sources.exports import ExportLayout, question_key

    present = {str(c) for c in frame.columns}
    used = {c for n in journey_map.measured_nodes for c in n.columns}
    wanted = [(n, c) for n in journey_map.measured_nodes for c in n.columns if c not in present]
    if not wanted:
        return frame
    layout = frame.attrs.get("journeymap_export")
    asked = layout.questions if isinstance(layout, ExportLayout) else {}
    by_name: dict[str, list[str]] = {}
    by_question: dict[str, list[str]] = {}
    for col in frame.columns:
        by_name.setdefault(question_key(str(col)), []).append(str(col))
        if str(col) in asked:
            by_question.setdefault(question_key(asked[str(col)]), []).append(str(col))
    renames: dict[str, str] = {}
    for node, col in wanted:
        # The column name is matched to exported question texts only (a name with a stray
        # space stays an error); the node's questions also to column names (Forms).
        texts = [] if node.items else [*([node.question] if node.question else []),
                                       *node.questions.values()]
        found: list[str] = list(dict.fromkeys(by_question.get(question_key(col), [])))
        for t in texts:
            for c in by_name.get(question_key(t), []) + by_question.get(question_key(t), []):
                if c not in found:
                    found.append(c)
        if len(found) > 1:
            raise DataValidationError(
                _("%(name)s: node '%(node)s' (column '%(column)s') matches several columns by "
                  "its question text: %(found)s. Name the column in the map ('column:').")
                % {"name": name, "node": node.id, "column": col,
                   "found": ", ".join(repr(c) for c in found[:5])})
        if found and found[0] not in renames and found[0] not in used:
            renames[found[0]] = col
    if not renames:
        return frame
    out = frame.rename(columns=renames)
    out.attrs = {**frame.attrs, "journeymap_renamed": {v: k for k, v in renames.items()}}
    return out


def _consent(frame: pd.DataFrame, col: str) -> NDArray[np.bool_]:
    raw = frame[col]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.fillna(False).to_numpy(dtype=bool)
    text = raw.astype("string").str.strip().str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 / 0.0 from a numeric column
    blank = text.isna() | text.str.upper().isin(list(MISSING_TOKENS))
    yes = text.isin(list(CONSENT_YES)).fillna(False).to_numpy(dtype=bool)
    no = text.isin(list(CONSENT_NO)).fillna(False).to_numpy(dtype=bool)
    bad = ~(yes | no | blank.to_numpy(dtype=bool))
    if bad.any():
        raise DataValidationError(
            f"column '{col}' (the comments' consent) holds values that are neither yes nor "
            f"no: {_rows(bad, raw.to_numpy(), frame.index)}. Write yes or no (also true/false, "
            "1/0, ja/nej, kyllä/ei); a blank cell means no. Only comments with a yes are "
            "ever shown.")
    return yes


def _dates(frame: pd.DataFrame, col: str) -> NDArray[np.datetime64]:
    raw = frame[col]
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw
    else:
        text = raw.astype("string").str.strip()
        blank = text.isna() | text.str.upper().isin(list(MISSING_TOKENS))
        parsed = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
        bad = (parsed.isna() & ~blank).to_numpy(dtype=bool)
        if bad.any():
            raise DataValidationError(
                f"column '{col}' (the comments' date) holds values that are not dates: "
                f"{_rows(bad, raw.to_numpy(), frame.index)}. Write dates as 2026-03-01 "
                "(year-month-day); leave the cell blank when it is not known.")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def read_comments(frame: pd.DataFrame, journey_map: JourneyMap,
                  name: str = "the data") -> ResponseComments:
    """The comment, consent and date columns the map names, one entry per row of
    ``frame`` (docs/map-format.md, "Customer comments").

    A comment is text of any kind (a blank cell, ``NA`` or ``N/A`` is no comment);
    consent must be a yes or a no (:data:`CONSENT_YES`, :data:`CONSENT_NO`; blank is no)
    and the date an ISO date (blank is unknown), else one
    :class:`~journeymap.exceptions.DataValidationError` names the rows.
    """
    spec = journey_map.comments
    if spec is None:
        raise DataValidationError(f"{name}: the map names no comment columns (comments:).")
    raw = frame[spec.column]
    text = raw.astype("string").str.strip()
    blank = text.isna() | text.str.upper().isin(list(MISSING_TOKENS)) | (text == "")
    values: NDArray[np.object_] = np.array(
        [None if b else str(t) for t, b in zip(text.tolist(), blank.tolist(), strict=True)],
        dtype=np.object_)
    return ResponseComments(values, _consent(frame, spec.consent),
                            None if spec.date is None else _dates(frame, spec.date))


def checked_chunk(journey_map: JourneyMap, column: Callable[[str, Node], NDArray[Any]],
                  n_rows: int, survey_type: str | None, *, compact: bool = False,
                  comments: ResponseComments | None = None) -> CheckedChunk:
    """Assemble a :class:`CheckedChunk` from checked columns.

    ``column(name, node)`` returns one data column as numbers (floats with NaN = not
    experienced, or integers), already checked against the node's scale; composites,
    item moments, the blank-LTR filter and the column-major matrix are built here, the
    same for every source (DataFrames, Arrow record batches).  With ``compact``, a chunk
    of whole numbers on small scales is stored as float32 (exact; half the memory and a
    faster Gram matrix); otherwise float64.  ``comments`` (one entry per row read) are
    kept for the rows with an LTR answer.
    """
    item_moments: dict[str, NDArray[np.float64]] = {}
    node_values: list[NDArray[Any]] = []
    for node in journey_map.measured_nodes:
        cols = [column(c, node) for c in node.columns]
        if node.items:
            items = np.column_stack(cols).astype(np.float64)
            complete = items[~np.isnan(items).any(axis=1)]
            z = np.column_stack([np.ones(len(complete)), complete])
            item_moments[node.id] = z.T @ z
            node_values.append(composite(items))
        else:
            node_values.append(cols[0])
    ids = tuple(n.id for n in journey_map.measured_nodes)
    ltr_col = node_values[ids.index(journey_map.outcome)]
    keep = np.ones(n_rows, dtype=bool) if ltr_col.dtype.kind in "iu" else ~np.isnan(ltr_col)
    blank = int(n_rows - keep.sum())
    integer = [x.dtype.kind in "iu" or bool(np.array_equal(x, np.rint(x), equal_nan=True))
               for x in node_values]
    # Whole numbers on scales within ±16 are exact in float32, and so is every sum of
    # products the sufficient statistics form from them in blocks (stats.py).
    small = compact and all(integer) and all(
        abs(bound) <= COMPACT_LIMIT for n in journey_map.measured_nodes for bound in n.scale or ())
    # Column-major: each node's scores are contiguous (fast per-node work, same Gram speed).
    values = np.empty((n_rows - blank, len(ids)), dtype=np.float32 if small else np.float64,
                      order="F")
    for j, x in enumerate(node_values):
        values[:, j] = x[keep] if blank else x
    return CheckedChunk(node_ids=ids, values=values,
                        ltr=values[:, ids.index(journey_map.outcome)].astype(np.int64),
                        n_rows=n_rows, integer=tuple(integer), item_moments=item_moments,
                        survey_type=survey_type,
                        comments=(comments.take(keep) if comments is not None and blank
                                  else comments))


def alpha_from_moments(gram: NDArray[np.float64]) -> float:
    """Cronbach's alpha from ``Σ z zᵀ``, ``z = (1, items…)``, over complete rows.

    ``alpha = k/(k-1) · (1 − Σ var(item_i) / var(Σ items))`` with ddof 1; NaN when
    fewer than 2 items, 2 rows, or zero variance.
    """
    n = gram[0, 0]
    k = gram.shape[0] - 1
    if k < 2 or n < 2:
        return math.nan
    s = gram[0, 1:]
    cov = (gram[1:, 1:] - np.outer(s, s) / n) / (n - 1)
    total_var = float(cov.sum())
    if total_var <= 0:
        return math.nan
    return float(k / (k - 1) * (1 - np.trace(cov) / total_var))


def alpha_warnings(journey_map: JourneyMap, alphas: dict[str, float]) -> list[str]:
    """Plain-language warnings for composites whose items do not hang together."""
    out = []
    for node_id, alpha in alphas.items():
        if not math.isnan(alpha) and alpha < 0.6:
            items = ", ".join(journey_map.node(node_id).items)
            out.append(f"the items of '{node_id}' ({items}) have Cronbach's alpha {alpha:.2f} "
                       "(below 0.6): they may not measure one thing; consider separate nodes.")
    return out


def blank_ltr_warning(blank: int, n_rows: int) -> list[str]:
    """The warning for rows without an LTR answer (they are left out of everything)."""
    if not blank:
        return []
    return [f"{blank:,} of {n_rows:,} responses have no recommend (0–10) answer and are left "
            "out of everything."]


def check_arguments(journey_map: object, data: object, call: str) -> None:
    """One clear error when a map and data are swapped or the map is not a
    :class:`~journeymap.model.JourneyMap` (``jm.fit`` takes the map first,
    ``load_survey`` the data first), instead of an AttributeError deep inside."""
    from .model import JourneyMap

    if isinstance(journey_map, JourneyMap) and not isinstance(data, JourneyMap):
        return
    got = type(journey_map).__name__
    if isinstance(data, JourneyMap):
        raise JourneymapError(f"{call}: the map and the data are in the wrong order; the "
                              f"order is {call}.")
    raise JourneymapError(f"{call}: journey_map must be a JourneyMap (e.g. "
                          f"jm.JourneyMap.from_yaml('map.yaml')), not {got}.")


def load_survey(source: str | Path | pd.DataFrame, journey_map: JourneyMap, *,
                survey_type: str | None = None) -> SurveyData:
    """Read survey data and check them against the map.

    Parameters
    ----------
    source
        Path to a CSV / TSV / Parquet / Excel file, or a DataFrame.
    journey_map
        The map whose measured nodes name the columns.
    survey_type
        ``"relational"`` or ``"transactional"``; required when the data hold both.

    Returns
    -------
    SurveyData
    """
    check_arguments(journey_map, source, "load_survey(data, journey_map)")
    name = "the data" if isinstance(source, pd.DataFrame) else str(source)
    frame = read_table(source)
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataValidationError(f"{name}: there are no responses (no data rows).")
    # A new frame numbered 0..n-1: the caller's DataFrame is never changed, and error
    # messages name rows of the data as given, also after the survey-type filter.
    from .sources.exports import ExportLayout

    layout = frame.attrs.get("journeymap_export")
    first = layout.header_rows - 1 if isinstance(layout, ExportLayout) else 0
    frame = frame.reset_index(drop=True)
    if first:  # rows named as counted under the first header row (docs/survey-exports.md)
        frame.index = pd.RangeIndex(first, first + frame.shape[0])
    chunk = check_frame(frame, journey_map, name=name, survey_type=survey_type, comments=True)
    if chunk.n_rows == 0:
        raise DataValidationError(f"{name}: no responses of survey type '{chunk.survey_type}'.")
    if chunk.n_blank == chunk.n_rows:
        raise DataValidationError(f"{name}: every row has a blank recommend answer (column "
                                  f"'{journey_map.outcome_node.column}'); nothing to analyse.")
    alphas = {k: alpha_from_moments(g) for k, g in chunk.item_moments.items()}
    warnings = (outcome_warnings(journey_map, np.bincount(chunk.ltr, minlength=11))
                + alpha_warnings(journey_map, alphas)
                + blank_ltr_warning(chunk.n_blank, chunk.n_rows))
    values = np.asarray(chunk.values, dtype=np.float64)  # check_frame: float64 already
    return SurveyData(node_ids=chunk.node_ids, values=values, ltr=chunk.ltr,
                      n_responses=chunk.n_rows, alphas=alphas, warnings=tuple(warnings),
                      survey_type=chunk.survey_type, integer=chunk.integer,
                      comments=chunk.comments)


def check_columns_used(data: SurveyData, nodes: Sequence[str]) -> None:
    """Raise if any of ``nodes`` is not a column of ``data``."""
    missing = [n for n in nodes if n not in data.node_ids]
    if missing:
        raise DataValidationError(f"the data have no scores for {', '.join(missing)}.")
