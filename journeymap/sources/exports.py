"""Survey-tool exports read as they are downloaded (docs/survey-exports.md).

A survey tool's CSV export is not a clean table: Qualtrics writes three header rows (the
column ids, the question texts and a row of ``{"ImportId": ...}`` JSON), its legacy format
two (``V1, V2, … Q1`` over ``ResponseID, … question text``); SurveyMonkey writes two (the
question in row 1, the answer option or ``Response`` in row 2); Google Forms and Microsoft
Forms name the columns by the question texts.  Excel saves text as UTF-8 with a byte-order
mark, as UTF-16 ("Unicode text", tab-separated) or in the Windows code page (cp1252), and
with semicolons in the Nordic locales.

:func:`sniff_export` recognises these from the first bytes of a file and returns an
:class:`ExportLayout`; :func:`read_export` reads the file into a DataFrame whose columns are
the ids (Qualtrics) or the question texts (SurveyMonkey, Forms), with the question text of
each column kept in :attr:`ExportLayout.questions` so a map's ``question:`` finds its column.
A file whose header rows look like an export but do not hold together (a changed layout)
gets one :class:`~journeymap.exceptions.DataValidationError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import DataValidationError
from ..i18n import gettext as _

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ENCODINGS", "LAYOUTS", "NOT_APPLICABLE", "RESPONSE_WORDS", "ExportLayout",
           "header_mismatch", "layout_of_rows", "leading_number", "question_key",
           "read_excel_export", "read_export", "sniff_encoding", "sniff_export"]

#: The layouts recognised (docs/survey-exports.md, "Layouts").
LAYOUTS = ("plain", "qualtrics", "qualtrics-legacy", "surveymonkey")
#: The encodings recognised, in the order they are tried (docs/survey-exports.md,
#: "Encodings"): a byte-order mark decides first; else UTF-8 when the bytes are UTF-8,
#: else cp1252 (Excel's "CSV" on Windows), else latin-1.
ENCODINGS = ("utf-8-sig", "utf-16", "utf-8", "cp1252", "latin-1")
#: Row-2 words of a SurveyMonkey export under a single-answer or open question (any case).
RESPONSE_WORDS = frozenset({"response", "open-ended response", "svar", "öppet svar",
                            "åbent svar", "åpent svar", "vastaus", "avoin vastaus"})
#: Answers that mean "not experienced / no opinion" in a rating column: read as missing,
#: like a blank cell (compared case-insensitively; a map's ``values:`` may override).
NOT_APPLICABLE = frozenset({
    "not applicable", "n/a", "na", "don't know", "do not know", "dont know", "no opinion",
    "vet ej", "vet inte", "ej aktuellt", "inte aktuellt", "kan ej bedöma",
    "ei koske minua", "en osaa sanoa", "ei kokemusta", "eos",
    "ved ikke", "ikke relevant", "kan ikke vurdere", "ikke aktuelt",
    "vet ikke", "ikke aktuell"})
_HEAD_BYTES = 65536
_LEADING = re.compile(r"^\s*(\d{1,3})\s*(?:[-–—:=.)(]\s*)?[^\W\d_]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ExportLayout:
    """How a survey file is laid out.

    Attributes
    ----------
    tool
        One of :data:`LAYOUTS`.
    header_rows
        Rows above the first response (1 for a plain table).
    encoding
        The text encoding read (one of :data:`ENCODINGS`).
    delimiter
        ``,``, ``;`` or a tab.
    columns
        The column names used (for SurveyMonkey built from both header rows).
    questions
        The question text of each column where the export gives one.
    """

    tool: str
    header_rows: int
    encoding: str
    delimiter: str
    columns: tuple[str, ...] = ()
    questions: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_export(self) -> bool:
        """True when the file is not a plain UTF-8 table with one header row."""
        return self.tool != "plain" or self.encoding not in ("utf-8", "utf-8-sig")


def question_key(text: str) -> str:
    """A question text compared loosely: Unicode NFC, case-folded, runs of white space as
    one space, trailing ``?``/``:``/``*``/``.`` and spaces dropped."""
    out = _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()
    return out.rstrip(" ?:*.？")


def leading_number(text: str) -> int | None:
    """The whole number an answer such as ``10 - Extremely likely`` or ``0 = Inte alls
    troligt`` starts with (a number followed by words), else ``None``."""
    m = _LEADING.match(text)
    return int(m.group(1)) if m else None


def sniff_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes (docs/survey-exports.md, "Encodings").

    A UTF-8 byte-order mark → ``utf-8-sig``; a UTF-16 one (Excel's "Unicode text") →
    ``utf-16``; bytes that decode as UTF-8 → ``utf-8`` (a multi-byte character cut at the
    end of ``head`` is allowed); else ``cp1252`` when every byte is defined there (Excel on
    Windows), else ``latin-1``.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _delimiter(text: str, suffix: str) -> str:
    """Tab for .tsv/.tab; else the one of comma, semicolon and tab that splits the first
    row into more than one cell, preferring one that splits the second row into as many,
    then the most cells (a comma inside a Danish question text does not make a semicolon
    file comma-separated); comma when none splits the first row."""
    if suffix in (".tsv", ".tab"):
        return "\t"
    best, score = ",", (False, False, 0)
    for sep in (",", ";", "\t"):
        try:
            rows = []
            for row in csv.reader(io.StringIO(text), delimiter=sep):
                rows.append(row)
                if len(rows) == 2:
                    break
        except csv.Error:
            continue
        if not rows:
            continue
        agree = len(rows) == 1 or len(rows[0]) == len(rows[1])
        candidate = (len(rows[0]) > 1, agree, len(rows[0]))
        if candidate > score:
            best, score = sep, candidate
    return best


def _is_import_row(row: list[str]) -> bool:
    """Qualtrics's third header row: every filled cell a JSON object with ``ImportId``."""
    filled = [c for c in row if c.strip()]
    if not filled:
        return False
    for cell in filled:
        try:
            value = json.loads(cell)
        except ValueError:
            return False
        if not isinstance(value, dict) or "ImportId" not in value:
            return False
    return True


def _looks_like_import(row: list[str]) -> bool:
    return any(c.lstrip().startswith('{"ImportId"') for c in row)


def _surveymonkey(row1: list[str], row2: list[str]) -> bool:
    """SurveyMonkey's two header rows: metadata names over blanks, then questions over
    ``Response`` / answer options."""
    if not row2 or row2[0].strip() or len(row1) != len(row2):
        return False
    words = sum(c.strip().casefold() in RESPONSE_WORDS for c in row2)
    meta = {"respondent id", "collector id", "start date", "end date"}
    return words > 0 and any(c.strip().casefold() in meta for c in row1)


def sniff_export(path: str | Path, head: bytes | None = None) -> ExportLayout:
    """Recognise the layout, encoding and delimiter of a CSV/TSV survey file.

    Raises
    ------
    DataValidationError
        When the header rows look like an export but do not hold together (e.g. a Qualtrics
        file whose third row is not the ImportId row, or a different number of cells in
        its header rows): one message naming the file and what differs.
    """
    path = Path(path)
    name = str(path)
    if head is None:
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
    encoding = sniff_encoding(head)
    text = head.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    sep = _delimiter(text, path.suffix.lower())
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) == 3:
                break
    except csv.Error:
        rows = rows[:1]
    return layout_of_rows(rows, name, encoding, sep)


def layout_of_rows(rows: list[list[str]], name: str, encoding: str,
                   sep: str) -> ExportLayout:
    """The layout of a file from its first three rows as text (a CSV's, or an Excel
    sheet's: :func:`read_excel_export`); the checks of :func:`sniff_export`."""
    row1 = rows[0] if rows else []
    row2 = rows[1] if len(rows) > 1 else []
    row3 = rows[2] if len(rows) > 2 else []
    again = _("Download the file again from Qualtrics (Data & Analysis → Export data → CSV) "
              "without editing its first three rows.")
    if row2 and _looks_like_import(row2):
        raise DataValidationError(
            _("%(name)s: this looks like a Qualtrics export, but its ImportId row is row 2; "
              "Qualtrics writes the column ids in row 1, the question texts in row 2 and the "
              "ImportId row in row 3.") % {"name": name} + " " + again)
    if row3 and _looks_like_import(row3):
        if not _is_import_row(row3) or not (len(row1) == len(row2) == len(row3)):
            raise DataValidationError(
                _("%(name)s: this looks like a Qualtrics export (row 3 holds ImportId cells) "
                  "but its header rows do not hold together (row 1 has %(n1)s cells, row 2 "
                  "%(n2)s, row 3 %(n3)s, and every filled cell of row 3 must be "
                  '{"ImportId": …}).')
                % {"name": name, "n1": len(row1), "n2": len(row2), "n3": len(row3)}
                + " " + again)
        return ExportLayout("qualtrics", 3, encoding, sep, tuple(row1),
                            _questions(row1, row2))
    if row1[:2] == ["V1", "V2"] and row2[:1] == ["ResponseID"]:
        if len(row1) != len(row2):
            raise DataValidationError(
                _("%(name)s: this looks like a legacy Qualtrics export (V1, V2 … over "
                  "ResponseID …) but its two header rows differ in length (%(n1)s and "
                  "%(n2)s cells). Download it again without editing the first two rows.")
                % {"name": name, "n1": len(row1), "n2": len(row2)})
        columns = tuple(b if a.startswith("V") and a[1:].isdigit() else a
                        for a, b in zip(row1, row2, strict=True))
        return ExportLayout("qualtrics-legacy", 2, encoding, sep, columns,
                            _questions(list(columns), row2))
    if _surveymonkey(row1, row2):
        columns, questions = _surveymonkey_columns(row1, row2)
        return ExportLayout("surveymonkey", 2, encoding, sep, columns, questions)
    return ExportLayout("plain", 1, encoding, sep, tuple(row1), {})


def _questions(ids: list[str], texts: list[str]) -> dict[str, str]:
    return {i: t for i, t in zip(ids, texts, strict=False) if t.strip() and t != i}


def _surveymonkey_columns(row1: list[str],
                          row2: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """Column names from SurveyMonkey's two rows: the question where row 2 says
    ``Response`` (or is blank), else ``question - option``; a blank row-1 cell continues
    the question to its left (a multiple-choice or matrix question)."""
    columns: list[str] = []
    questions: dict[str, str] = {}
    current = ""
    for top, sub in zip(row1, row2, strict=True):
        if top.strip():
            current = top.strip()
        option = sub.strip()
        if not option or option.casefold() in RESPONSE_WORDS:
            col = current
        else:
            col = f"{current} - {option}"
        columns.append(col)
        if current and option:
            questions[col] = col
    return tuple(columns), questions


def read_export(path: str | Path, layout: ExportLayout, na_values: list[str]) -> pd.DataFrame:
    """Read a file laid out as ``layout`` into a DataFrame.

    The columns are :attr:`ExportLayout.columns`; the index holds the 0-based row number
    counted from the line under the first header row, so the first response of a Qualtrics
    export is index 2 and error messages name it as row 3, like a spreadsheet's row 4
    (docs/survey-exports.md, "Rows in messages").  ``frame.attrs["journeymap_export"]``
    holds the layout.
    """
    import pandas as pd

    frame = pd.read_csv(path, sep=layout.delimiter, engine="c", header=None,
                        skiprows=0, dtype=str, na_values=na_values, keep_default_na=False,
                        encoding=layout.encoding)
    if frame.shape[0] and frame.shape[1] != len(layout.columns) and layout.columns:
        raise DataValidationError(header_mismatch(path, len(layout.columns), frame.shape[1]))
    return _under_header(frame, layout)


def _under_header(frame: pd.DataFrame, layout: ExportLayout) -> pd.DataFrame:
    """The rows under the header rows of a sheet read without a header, named and
    numbered as in messages (docs/survey-exports.md, "Rows in messages")."""
    import pandas as pd

    frame = frame.iloc[layout.header_rows:]
    frame.columns = pd.Index(list(layout.columns)) if layout.columns else frame.columns
    frame.index = pd.RangeIndex(layout.header_rows - 1,
                                layout.header_rows - 1 + frame.shape[0])
    out: pd.DataFrame = frame.apply(_numbers_where_possible)
    out.attrs["journeymap_export"] = layout
    return out


def read_excel_export(path: str | Path, na_values: list[str]) -> pd.DataFrame | None:
    """An Excel sheet laid out as a survey-tool export (SurveyMonkey's and Qualtrics's
    Excel downloads have the header rows of their CSV), read as :func:`read_export`
    reads the CSV; ``None`` for a sheet with one header row (Microsoft Forms, Google
    Sheets), which is read as a plain table.

    Raises
    ------
    DataValidationError
        The header rows look like an export but do not hold together (as for a CSV).
    """
    import pandas as pd

    top = pd.read_excel(path, header=None, nrows=3, dtype=object)
    rows = [["" if pd.isna(c) else str(c) for c in top.iloc[i]] for i in range(len(top))]
    layout = layout_of_rows(rows, str(path), "utf-8", "")
    if layout.tool == "plain":
        return None
    frame = pd.read_excel(path, header=None, dtype=object, na_values=na_values,
                          keep_default_na=False)
    return _under_header(frame, layout)


def header_mismatch(path: str | Path, header: int, rows: int) -> str:
    """The message for an export whose rows have another number of cells than its
    header (in memory and streamed alike)."""
    return (_("%(name)s: the header has %(header)s columns but the rows have %(rows)s.")
            % {"name": path, "header": header, "rows": rows})


def _numbers_where_possible(col: Any) -> Any:
    """A column of number texts as numbers (whole numbers as integers when none is
    missing), else unchanged."""
    import pandas as pd

    try:
        num = pd.to_numeric(col)
    except (ValueError, TypeError):
        return col
    if num.notna().all() and (num % 1 == 0).all():
        return num.astype("int64")
    return num
