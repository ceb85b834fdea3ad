"""A starter map from a survey file's columns (``journeymap init``; docs/survey-exports.md,
"A starter map").

The columns are sorted into: the recommend question (by its name or question text in
English, Swedish, Danish, Finnish or Norwegian, and checked to hold whole numbers 0–10 after
the built-in reading of ``10 - Extremely likely``), rating columns (whole numbers on a small
scale, or words of a known answer scale, whose labels become ``values:``), a response id,
a date, an account, a contact role, comments, segments, and columns left out (personal data
such as e-mail, name and IP address, and the tools' bookkeeping).  The map written connects
every rating directly to the recommend question — a valid map whose fit runs — with YAML
comments saying what the facilitator adds: roles, edges between touchpoints, stages.
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..exceptions import DataValidationError
from ..i18n import gettext as _
from .exports import NOT_APPLICABLE, ExportLayout, leading_number

__all__ = ["RECOMMEND_WORDS", "SCALES", "StarterMap", "starter_map"]

#: Words that mark the recommend question, by language (a column name or question text
#: containing one, case-insensitive).
RECOMMEND_WORDS = {"en": ("recommend", "likelihood to recommend", "ltr", "nps"),
                   "sv": ("rekommendera",), "da": ("anbefale",), "nb": ("anbefale",),
                   "fi": ("suosittel",)}
#: Known answer scales given as words, lowest first, per language (read as 1, 2, …).
SCALES: dict[str, tuple[str, ...]] = {
    "satisfaction_en": ("Very dissatisfied", "Dissatisfied",
                        "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"),
    "satisfaction_sv": ("Mycket missnöjd", "Missnöjd", "Varken nöjd eller missnöjd", "Nöjd",
                        "Mycket nöjd"),
    "satisfaction_fi": ("Erittäin tyytymätön", "Tyytymätön", "Ei tyytyväinen eikä tyytymätön",
                        "Tyytyväinen", "Erittäin tyytyväinen"),
    "satisfaction_da": ("Meget utilfreds", "Utilfreds", "Hverken tilfreds eller utilfreds",
                        "Tilfreds", "Meget tilfreds"),
    "satisfaction_nb": ("Svært misfornøyd", "Misfornøyd", "Verken fornøyd eller misfornøyd",
                        "Fornøyd", "Svært fornøyd"),
    "agreement_en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                     "Strongly agree"),
    "agreement_sv": ("Instämmer inte alls", "Instämmer inte", "Varken eller", "Instämmer",
                     "Instämmer helt"),
}
_ID_WORDS = ("response id", "responseid", "respondent id", "response_id", "submission id",
             "id", "#", "token", "svars-id", "vastaustunnus", "svar-id")
_DATE_WORDS = ("date", "timestamp", "recorded", "submitted", "tidstämpel", "tidsstempel",
               "aikaleima", "datum", "dato", "päivämäärä", "completion time",
               "valmistumisaika", "submit date", "tidspunkt", "slutförandetid",
               "fuldførelsestidspunkt")
_ACCOUNT_WORDS = ("company", "account", "customer", "organisation", "organization",
                  "företag", "kund", "yritys", "asiakas", "virksomhed", "firma", "kunde",
                  "bedrift")
_ROLE_WORDS = ("contact role", "role", "roll", "rooli", "rolle", "befattning", "title")
_SEGMENT_WORDS = ("survey type", "survey_type", "region", "channel", "market", "country",
                  "segment", "customer type", "business unit", "kanal", "marknad", "land",
                  "kundtyp", "undersökningstyp", "alue", "kanava", "markkina", "maa",
                  "asiakastyyppi", "marked", "kundetype", "område")
#: The values of a survey-type column (docs/map-format.md, "Survey data").
_SURVEY_TYPES = ("relational", "transactional")
_CONSENT_WORDS = ("consent", "samtycke", "suostumus", "samtykke")
_COMMENT_WORDS = ("comment", "reason", "why", "kommentar", "varför", "skäl", "syy", "miksi",
                  "hvorfor", "årsag", "årsak", "open-ended")
_PERSONAL = ("email", "e-mail", "e-post", "sähköposti", "first name", "last name", "name",
             "namn", "nimi", "navn", "ip address", "ipaddress", "latitude", "longitude",
             "recipient", "phone", "telefon")
_BOOKKEEPING = ("status", "progress", "duration", "finished", "distributionchannel",
                "distribution channel", "userlanguage", "user language", "collector id",
                "custom data", "externalreference", "external data reference",
                "responseset", "network id", "start time", "start date", "startdate",
                "enddate", "end date", "aloitusaika", "_nps_group", "- group",
                "last modified time", "starttidspunkt", "tidspunkt for siste endring",
                "starttid", "senast ändrad", "viimeksi muokattu", "sidst ændret")


@dataclass(frozen=True)
class StarterMap:
    """The starter map's YAML text and what was recognised (column names by role)."""

    text: str
    outcome: str
    ratings: tuple[str, ...]
    found: dict[str, str] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()


# The recommend question's label on maps and pages, in the five languages of the pages (as
# the bundled example gives it), so that a fresh map shows "Rekommendation" in Swedish
# rather than the node id "nps".
OUTCOME_LABEL = ('{en: "Likelihood to recommend", sv: "Rekommendation", da: "Anbefaling", '
                 'fi: "Suositteleminen", nb: "Anbefaling"}')


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _has(text: str, words: tuple[str, ...], *, whole: bool = False) -> bool:
    t = _norm(text)
    if whole:
        return t in words
    return any(w in t for w in words)


def _answers(col: pd.Series) -> pd.Series:
    """The non-blank answers as text, stripped."""
    text = col.dropna().astype(str).str.strip()
    return text[(text != "") & ~text.str.casefold().isin(NOT_APPLICABLE)
                & ~text.str.upper().isin(["NA", "N/A"])]


def _as_numbers(answers: pd.Series) -> pd.Series | None:
    """The answers as numbers (plain or leading numbers), or ``None`` when any is not."""
    out = []
    for a in answers.unique().tolist():
        try:
            out.append(float(a))
            continue
        except ValueError:
            pass
        lead = leading_number(a)
        if lead is None:
            return None
        out.append(float(lead))
    return pd.Series(out, dtype="float64")


def _scale_of(lo: float, hi: float) -> tuple[int, int] | None:
    """The usual scale that holds the observed answers (1–5, 1–7, 0–10, 1–10 …)."""
    for a, b in ((1, 5), (1, 7), (0, 10), (1, 10), (0, 5), (1, 3), (1, 4), (1, 6)):
        if a <= lo and hi <= b:
            return a, b
    return None


def _label_scale(answers: pd.Series) -> str | None:
    """The known word scale (:data:`SCALES`) holding every answer, if one does."""
    seen = {_norm(a) for a in answers.unique().tolist()}
    for name, words in SCALES.items():
        if seen <= {_norm(w) for w in words}:
            return name
    return None


def _slug(text: str, taken: set[str]) -> str:
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).casefold())
    skip = {"how", "were", "you", "with", "the", "was", "your", "hur", "var", "du", "med",
            "kuinka", "olit", "hvor", "de", "der", "oli", "olet", "satisfied",
            "nöjd", "tyytyväinen", "tilfreds", "fornøyd", "did", "are", "is", "of", "a"}
    keep = [w for w in words if w not in skip] or words or ["q"]
    base = "_".join(keep)[:40].strip("_") or "q"
    if not (base[0].isalpha() or base[0] == "_"):
        base = "q_" + base
    out, k = base, 2
    while out.casefold() in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out.casefold())
    return out


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def starter_map(frame: pd.DataFrame, *, name: str = "the data") -> StarterMap:
    """The starter map of a survey read by :func:`journeymap.data.read_table`.

    Raises
    ------
    DataValidationError
        When no column is the recommend question answered 0–10 (naming the candidates and
        what they hold), or the data have no rows.
    """
    if frame.shape[0] == 0:
        raise DataValidationError(_("%(name)s: there are no responses (no data rows).")
                                  % {"name": name})
    layout = frame.attrs.get("journeymap_export")
    asked = layout.questions if isinstance(layout, ExportLayout) else {}
    columns = [str(c) for c in frame.columns]

    def text_of(col: str) -> str:
        return asked.get(col, col)

    found: dict[str, str] = {}
    left_out: list[str] = []
    ratings: list[tuple[str, tuple[int, int], str | None]] = []
    candidates: list[str] = []
    outcome: str | None = None
    for col in columns:
        both = f"{col} {text_of(col)}"
        if _has(both, _BOOKKEEPING) or _has(col, _PERSONAL, whole=True) or _has(
                text_of(col), _PERSONAL, whole=True) or _has(col, ("ipaddress", "ip address",
                                                                   "email address")):
            left_out.append(col)
            continue
        answers = _answers(frame[col])
        recommend = any(_has(both, words) for words in RECOMMEND_WORDS.values())
        nums = _as_numbers(answers) if len(answers) else None
        if recommend:
            candidates.append(col)
            if outcome is None and nums is not None and len(nums) and bool(
                    ((nums >= 0) & (nums <= 10) & (nums % 1 == 0)).all()):
                outcome = col
                continue
        if "response_id" not in found and (_has(col, _ID_WORDS, whole=True)
                                           or _has(text_of(col), _ID_WORDS, whole=True)) \
                and answers.is_unique:
            found["response_id"] = col
            continue
        if "date" not in found and _has(both, _DATE_WORDS):
            found["date"] = col
            continue
        if "consent" not in found and _has(both, _CONSENT_WORDS):
            found["consent"] = col
            continue
        if "account" not in found and _has(both, _ACCOUNT_WORDS):
            found["account"] = col
            continue
        if "contact_role" not in found and _has(both, _ROLE_WORDS):
            found["contact_role"] = col
            continue
        kinds = set(answers.str.casefold().unique().tolist())
        if "survey_type" not in found and len(answers) and kinds <= set(_SURVEY_TYPES):
            found["survey_type"] = col
            if len(kinds) > 1:
                found["survey_type:mixed"] = col
            continue
        if nums is None and _has(both, _SEGMENT_WORDS) and 2 <= answers.nunique() <= 50:
            found.setdefault("segment", col)
            found[f"segment:{col}"] = col
            continue
        if nums is not None and len(nums) >= 2:
            scale = _scale_of(float(nums.min()), float(nums.max()))
            if scale is not None and bool((nums % 1 == 0).all()):
                ratings.append((col, scale, None))
                continue
        labels = _label_scale(answers) if len(answers) else None
        if labels is not None:
            ratings.append((col, (1, len(SCALES[labels])), labels))
            continue
        distinct = answers.nunique()
        if "comment" not in found and (_has(both, _COMMENT_WORDS)
                                       or distinct > max(12, len(answers) // 2)):
            found["comment"] = col
            continue
        if 2 <= distinct <= 12:
            found.setdefault("segment", col)
            found[f"segment:{col}"] = col
            continue
        left_out.append(col)
    if outcome is None:
        if candidates:
            said = _("the columns that look like it (%(columns)s) do not hold whole numbers "
                     "0–10") % {"columns": ", ".join(repr(c) for c in candidates[:5])}
        else:
            said = _("no column's name or question mentions recommending")
        raise DataValidationError(
            _("%(name)s: no recommend question (0–10) found: %(said)s. The map needs the 'How "
              "likely is it that you would recommend …' question answered 0–10; write the map "
              "by hand (docs/map-format.md) or name the column 'ltr'.")
            % {"name": name, "said": said})
    if "date" in found and not _iso_dates(frame[found["date"]]):
        found["date:not-iso"] = found["date"]
    return StarterMap(_yaml(outcome, ratings, found, text_of, name),
                      outcome, tuple(c for c, _, _ in ratings), found, tuple(left_out))


def _iso_dates(col: pd.Series) -> bool:
    """True when every filled cell is a date the library reads (ISO, 2026-03-01)."""
    from ..data import _dates

    try:
        _dates(pd.DataFrame({"d": col}), "d")
    except DataValidationError:
        return False
    return True


def _comment(text: str, indent: str = "") -> list[str]:
    """``text`` as YAML comment lines of at most 92 characters."""
    return textwrap.wrap(text, width=92, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ", break_long_words=False,
                         break_on_hyphens=False)


def _yaml(outcome: str, ratings: list[tuple[str, tuple[int, int], str | None]],
          found: dict[str, str], text_of: Any, name: str) -> str:
    """The map's YAML: comments in the language in force (``journeymap init --lang``),
    keys, ids and the data's own texts as they are."""
    taken: set[str] = {"nps"}
    sets = sorted({s for _, _, s in ratings if s is not None})
    file = Path(name).name
    lines = _comment(_("A starter map written by 'journeymap init' from %(file)s. It is valid "
                       "as it stands: every rating is connected directly to the recommend "
                       "question. Before you trust a fit, in a workshop with the people who "
                       "do the work:") % {"file": file})
    for todo in (_("TODO: add the roles (kind: role) who act on each touchpoint, with edges "
                   "role → touchpoint, e.g. '- [installer, installation]'."),
                 _("TODO: add the edges between touchpoints and factors that the team "
                   "believes (e.g. '- [delivery, installation]'), and remove a direct edge to "
                   "nps where a touchpoint acts only through others."),
                 _("TODO: decide each node's kind (touchpoint: a moment the customer rates; "
                   "factor: a perception), and give it a stage and a short label.")):
        lines += [f"#  - {line}" if i == 0 else f"#    {line}"
                  for i, line in enumerate(textwrap.wrap(todo, width=86,
                                                         break_long_words=False,
                                                         break_on_hyphens=False))]
    lines += _comment(_("See docs/map-format.md and docs/cx-guide.md."))
    title = _("Starter map from %(file)s") % {"file": file}
    lines += ["schema_version: 1", f"name: {_quote(title)}", "outcome: nps"]
    if sets:
        lines.append("value_sets:")
        for s in sets:
            table = ", ".join(f"{_quote(w)}: {i}" for i, w in enumerate(SCALES[s], 1))
            lines.append(f"  {s}: {{{table}}}")
    date = found.get("date") if "date:not-iso" not in found else None
    if "account" in found:
        lines += _comment(_("The B2B account of each response (docs/map-format.md, "
                            "'Accounts')."))
        lines += ["accounts:", f"  column: {_quote(found['account'])}"]
        if "contact_role" in found:
            lines.append(f"  role: {_quote(found['contact_role'])}")
        if date is not None:
            lines.append(f"  date: {_quote(date)}")
    if "comment" in found and "consent" in found:
        lines += ["comments:", f"  column: {_quote(found['comment'])}",
                  f"  consent: {_quote(found['consent'])}"]
        if date is not None:
            lines.append(f"  date: {_quote(date)}")
    elif "comment" in found:
        lines += _comment(_("TODO: the comments are in column %(column)s; journeymap shows a "
                            "comment only with the respondent's consent, so add a consent "
                            "column to the survey, then:") % {"column": _quote(found["comment"])})
        lines.append(f"# comments: {{column: {_quote(found['comment'])}, "
                     "consent: CONSENT_COLUMN"
                     + (f", date: {_quote(date)}" if date is not None else "") + "}")
    lines += _notes(found, date)
    lines.append("nodes:")
    q = text_of(outcome)
    lines.append(f"  - id: nps\n    kind: outcome\n    column: {_quote(outcome)}")
    lines.append(f"    label: {OUTCOME_LABEL}")
    if q != outcome:
        lines.append(f"    question: {_quote(q[:500])}")
    ids = []
    for col, (lo, hi), labels in ratings:
        text = text_of(col)
        node_id = _slug(text if text != col or len(col) > 20 else col, taken)
        ids.append(node_id)
        lines += [f"  - id: {_quote(node_id)}", "    kind: touchpoint",
                  f"    label: {_quote(text[:200])}", f"    column: {_quote(col)}",
                  f"    scale: [{lo}, {hi}]"]
        if text != col:
            lines.append(f"    question: {_quote(text[:500])}")
        if labels is not None:
            lines.append(f"    values: {labels}")
    lines.append("edges:")
    if not ids:
        lines.append("  []  # TODO: " + _("no rating column was found; add touchpoints and "
                                          "edges"))
    for node_id in ids:
        lines.append(f"  - [{_quote(node_id)}, nps]")
    return "\n".join(lines) + "\n"


def _notes(found: dict[str, str], date: str | None) -> list[str]:
    """Comments on the columns the map format has no key for: the response id, a date
    with no block to hold it, the survey type and the segments (docs/survey-exports.md,
    "A starter map")."""
    lines: list[str] = []
    if "response_id" in found:
        lines += _comment(_(
            "The response id column is %(column)s (the map has no key for it). Follow-up "
            "cases and appended responses are matched by response id: give --id-column "
            "%(column)s to journeymap followups, and ?id_column=%(query)s to POST "
            "/v1/datasets/{id}/responses.") % {"column": _quote(found["response_id"]),
                                               "query": quote(found["response_id"])})
    if "date:not-iso" in found:
        lines += _comment(_(
            "The response date column is %(column)s, but its dates are not ISO dates "
            "(2026-03-01). Save them as year-month-day, then add the column as 'date' of "
            "'accounts' or 'comments': trends and fit --window read it.")
            % {"column": _quote(found["date"])})
    elif date is not None and "account" not in found and "consent" not in found:
        lines += _comment(_(
            "The response date column is %(column)s: give --date-column %(column)s to "
            "journeymap trend and fit --window, or add it as 'date' of 'accounts' or "
            "'comments' when you add one of them.") % {"column": _quote(date)})
    if "survey_type:mixed" in found:
        col = found["survey_type"]
        if col == "survey_type":
            lines += _comment(_(
                "Column 'survey_type' holds relational and transactional answers; journeymap "
                "never pools them: choose one with --survey-type relational or --survey-type "
                "transactional."))
        else:
            lines += _comment(_(
                "Column %(column)s holds relational and transactional answers. journeymap "
                "reads the survey type from a column named survey_type and never pools the "
                "two: rename the column to survey_type, then choose one with --survey-type "
                "relational or --survey-type transactional.") % {"column": _quote(col)})
    segments = [c for k, c in found.items() if k.startswith("segment:")]
    if segments:
        lines += _comment(_(
            "Columns that may split the responses into segments: %(columns)s. Compare them "
            "with journeymap segments MAP DATA --by COLUMN (the map has no key for them).")
            % {"columns": ", ".join(_quote(c) for c in segments)})
    return lines
