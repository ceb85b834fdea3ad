"""B2B accounts: NPS per account, two headlines, contact roles and accounts at risk.

The rules are in docs/accounts.md.  In short:

* **Per account**: n always; the NPS with its adjusted-Wald interval
  (:func:`journeymap.nps.nps_score`) only when the account has at least
  ``min_responses`` answers, otherwise suppressed (``nps = None``) with its n.
* **Two headlines**: *respondent-weighted* is the ordinary NPS of every answer
  (a large account with many respondents counts more); *account-weighted* is the mean
  of the accounts' NPS, each account counting once, with a 95 % percentile interval
  from a bootstrap over accounts (accounts resampled with replacement).
* **Contact roles**: NPS per contact role over all accounts (suppressed below the
  minimum) and, inside each account, each role's n (its NPS only at the minimum).
* **At risk** (plain sentences, translated): a decision maker answered as a detractor
  (a single response, listed with its score but never as a figure about a group);
  an account NPS below ``threshold`` (only when the account NPS is shown); the latest
  quarter's NPS below the previous quarter's by more than their combined 95 % margin
  (both quarters at the minimum; only when the map names a date column).

Accounts are listed alphabetically or by risk, never ranked by score.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ..exceptions import JourneymapError
from ..i18n import gettext as _
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..nps import DETRACTOR_MAX, PROMOTER_MIN, Z95, NPSScore, nps_score
from ..outputs import csv_text, write_atomic
from ..responses import DataSource, SurveyRows, load_with_columns

if TYPE_CHECKING:
    from ..model import JourneyMap

__all__ = ["DECISION_MAKER_ROLES", "DEFAULT_BOOTSTRAP", "AccountNPS", "AccountsReport",
           "RiskReason", "RoleNPS", "account_analysis", "normalise_role"]

#: Contact-role texts (after :func:`normalise_role`) that count as a decision maker.
DECISION_MAKER_ROLES: tuple[str, ...] = (
    "decision maker", "decision-maker", "decisionmaker", "economic buyer",
    "beslutsfattare", "beslutningstager", "beslutningstaker", "päätöksentekijä")
#: Bootstrap replicates of the account-weighted interval.
DEFAULT_BOOTSTRAP = 2000

_SPACE = re.compile(r"\s+")


def normalise_role(text: Any) -> str | None:
    """A contact role as compared: trimmed, case-folded, inner spaces collapsed
    (``None`` for a blank cell)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    out = _SPACE.sub(" ", str(text)).strip().casefold()
    return out or None


@dataclass(frozen=True)
class RoleNPS:
    """NPS of one contact role (over all accounts or inside one account).

    ``nps`` is ``None`` (suppressed) below the minimum; ``n`` is always given.
    """

    role: str
    n: int
    nps: NPSScore | None

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "n": self.n, "suppressed": self.nps is None,
                "nps": None if self.nps is None else self.nps.to_dict()}


@dataclass(frozen=True)
class RiskReason:
    """Why an account is at risk: a code and the sentence in the language in force."""

    code: Literal["decision_maker_detractor", "below_threshold", "falling"]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True)
class AccountNPS:
    """One account: n, its NPS (``None`` below the minimum), roles and risk reasons."""

    account: str
    n: int
    nps: NPSScore | None
    roles: tuple[RoleNPS, ...]
    reasons: tuple[RiskReason, ...]
    value: float | None = None

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "n": self.n, "suppressed": self.nps is None,
                "nps": None if self.nps is None else self.nps.to_dict(),
                "value": self.value, "roles": [r.to_dict() for r in self.roles],
                "at_risk": self.at_risk, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class AccountsReport:
    """Everything :func:`account_analysis` finds.

    Attributes
    ----------
    respondent_weighted
        The ordinary NPS of every answer (adjusted-Wald interval).
    account_weighted
        Mean of the accounts' NPS, each account once; ``None`` below the minimum
        responses overall.
    account_weighted_ci
        Its 95 % bootstrap percentile interval over accounts (NaN with one account).
    """

    n: int
    n_accounts: int
    min_responses: int
    threshold: float
    respondent_weighted: NPSScore | None
    account_weighted: float | None
    account_weighted_ci: tuple[float, float] | None
    roles: tuple[RoleNPS, ...]
    accounts: tuple[AccountNPS, ...]
    has_roles: bool = False
    has_dates: bool = False
    notes: tuple[str, ...] = field(default=())
    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ("account", "n", "suppressed", "nps", "ci_low",
                                              "ci_high", "value", "at_risk", "reasons",
                                              "contact_roles")

    def to_dict(self) -> dict[str, Any]:
        rw = self.respondent_weighted
        return {
            "n": self.n, "n_accounts": self.n_accounts,
            "min_responses": self.min_responses, "threshold": self.threshold,
            "respondent_weighted": None if rw is None else rw.to_dict(),
            "account_weighted": (None if self.account_weighted is None else
                                 {"value": self.account_weighted,
                                  "ci": (None if self.account_weighted_ci is None
                                         else list(self.account_weighted_ci)),
                                  "n_accounts": self.n_accounts}),
            "roles": [r.to_dict() for r in self.roles],
            "accounts": [a.to_dict() for a in self.accounts],
            "at_risk": sum(a.at_risk for a in self.accounts),
            "notes": list(self.notes)}

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per account (in the report's order): n, NPS and interval (blank when
        suppressed), value, the reasons joined, and the n of each contact role."""
        out: list[dict[str, Any]] = []
        for a in self.accounts:
            out.append({
                "account": a.account, "n": a.n, "suppressed": a.nps is None,
                "nps": None if a.nps is None else a.nps.value,
                "ci_low": None if a.nps is None else a.nps.ci[0],
                "ci_high": None if a.nps is None else a.nps.ci[1],
                "value": a.value, "at_risk": a.at_risk,
                "reasons": " ".join(r.text for r in a.reasons),
                "contact_roles": "; ".join(f"{r.role}: {r.n}" for r in a.roles)})
        return out

    def to_csv_text(self) -> str:
        """The accounts as CSV text, safe to open in a spreadsheet
        (:func:`journeymap.outputs.csv_text`)."""
        return csv_text(self.csv_rows(), list(self.CSV_COLUMNS))

    def to_csv(self, path: str | Path) -> None:
        """Write :meth:`to_csv_text` to ``path`` (whole or not at all)."""
        write_atomic(path, self.to_csv_text())


def _score_or_none(ltr: np.ndarray[Any, Any], min_responses: int) -> NPSScore | None:
    return nps_score(ltr) if ltr.size >= min_responses else None


def _quarter(dates: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(dates, errors="coerce", format="ISO8601")
    return parsed.dt.to_period("Q").astype("string")


def account_analysis(journey_map: JourneyMap, data: DataSource | SurveyRows, *,
                     min_responses: int = DEFAULT_MIN_RESPONSES, threshold: float = 0.0,
                     decision_roles: Sequence[str] = DECISION_MAKER_ROLES,
                     order: Literal["name", "risk"] = "name",
                     n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                     survey_type: str | None = None) -> AccountsReport:
    """NPS per account, both headlines, contact roles and accounts at risk.

    Parameters
    ----------
    journey_map
        A map whose ``accounts:`` names at least the account column.
    data
        The survey answers.
    min_responses
        Minimum answers behind any figure about a group (an account, a role, a role
        inside an account, a quarter of an account).
    threshold
        An account whose shown NPS is below this is at risk.
    decision_roles
        Contact-role texts counting as a decision maker (compared after
        :func:`normalise_role`).
    order
        ``"name"`` (alphabetical) or ``"risk"`` (accounts at risk first, by the number
        of reasons, then alphabetical).
    n_boot, seed
        Bootstrap replicates and seed of the account-weighted interval.

    Raises
    ------
    JourneymapError
        The map names no account column, or ``order`` is unknown.
    DataValidationError
        The data lack a named column.
    """
    check_min_responses(min_responses)
    cols = journey_map.accounts
    if cols is None:
        raise JourneymapError(
            "the map names no account column; add e.g. 'accounts: {column: account, "
            "role: contact_role}' to the map (docs/map-format.md, \"Accounts\").")
    if order not in ("name", "risk"):
        raise JourneymapError(f"unknown order '{order}'; use 'name' or 'risk'.")
    if n_boot < 1:
        raise JourneymapError("n_boot must be at least 1.")
    rows = load_with_columns(data, journey_map, list(cols.columns), survey_type=survey_type,
                             what="the accounts analysis")
    ltr = np.asarray(rows.data.ltr, dtype=np.float64)
    extra = rows.extra
    acc_raw = extra[cols.column]
    keep = acc_raw.notna() & (acc_raw.astype("string").str.strip() != "")
    keep_np = keep.to_numpy(dtype=bool)
    account = acc_raw.astype("string").str.strip().to_numpy(dtype=object)[keep_np]
    ltr = ltr[keep_np]
    role = (np.array([normalise_role(v) for v in extra[cols.role].to_numpy(dtype=object)],
                     dtype=object)[keep_np] if cols.role is not None else None)
    quarter = (_quarter(extra[cols.date]).to_numpy(dtype=object)[keep_np]
               if cols.date is not None else None)
    value = (pd.to_numeric(extra[cols.value], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)[keep_np] if cols.value is not None else None)
    deciders = {normalise_role(r) for r in decision_roles}
    notes: list[str] = []
    if int((~keep_np).sum()):
        notes.append(_("{n} answers name no account and count in no account figure.")
                     .format(n=int((~keep_np).sum())))

    names = sorted(set(account.tolist()), key=lambda s: (s.casefold(), s))
    per: list[AccountNPS] = []
    account_values: list[float] = []
    for name in names:
        mask = account == name
        x = ltr[mask]
        score = _score_or_none(x, min_responses)
        account_values.append(100.0 * (np.count_nonzero(x >= PROMOTER_MIN)
                                       - np.count_nonzero(x <= DETRACTOR_MAX)) / x.size)
        roles: list[RoleNPS] = []
        reasons: list[RiskReason] = []
        if role is not None:
            r_here = role[mask]
            for rname in sorted({r for r in r_here.tolist() if r is not None}):
                rx = x[r_here == rname]
                roles.append(RoleNPS(rname, int(rx.size), _score_or_none(rx, min_responses)))
            dm = np.array([r in deciders for r in r_here.tolist()], dtype=bool)
            low = sorted(int(v) for v in x[dm] if v <= DETRACTOR_MAX)
            # one reason per account, however many decision makers answered 0–6 (every
            # language of the pages has one plural form for n ≥ 2)
            if len(low) == 1:
                reasons.append(RiskReason("decision_maker_detractor", _(
                    "A decision maker answered {score} (a detractor).").format(score=low[0])))
            elif low:
                reasons.append(RiskReason("decision_maker_detractor", _(
                    "{n} decision makers answered {scores} (detractors).").format(
                        n=len(low), scores=", ".join(str(v) for v in low))))
        if score is not None and score.value < threshold:
            reasons.append(RiskReason("below_threshold", _(
                "The account's NPS is {nps:.0f} (n = {n}), below {threshold:g}.").format(
                    nps=score.value, n=score.n, threshold=threshold)))
        if quarter is not None:
            q_here = quarter[mask]
            qs = sorted({q for q in q_here.tolist() if q is not None and not pd.isna(q)})
            if len(qs) >= 2:
                a = nps_score(x[q_here == qs[-2]])
                b = nps_score(x[q_here == qs[-1]])
                if min(a.n, b.n) >= min_responses:
                    margin = Z95 * math.hypot(a.se, b.se)
                    if a.value - b.value > margin:
                        reasons.append(RiskReason("falling", _(
                            "The account's NPS fell from {before:.0f} in {q1} to {after:.0f} "
                            "in {q2}, more than the ±{margin:.0f} that chance could "
                            "explain.").format(before=a.value, after=b.value, q1=qs[-2],
                                               q2=qs[-1], margin=margin)))
        v = None
        if value is not None:
            vals = value[mask]
            vals = vals[~np.isnan(vals)]
            v = float(vals.max()) if vals.size else None
        per.append(AccountNPS(name, int(x.size), score, tuple(roles), tuple(reasons), v))

    if order == "risk":
        per.sort(key=lambda a: (-len(a.reasons), a.account.casefold(), a.account))

    overall_roles: list[RoleNPS] = []
    if role is not None:
        for rname in sorted({r for r in role.tolist() if r is not None}):
            rx = ltr[role == rname]
            overall_roles.append(RoleNPS(rname, int(rx.size), _score_or_none(rx, min_responses)))

    enough = ltr.size >= min_responses
    rw = nps_score(ltr) if enough else None
    aw: float | None = None
    aw_ci: tuple[float, float] | None = None
    if enough and names:
        vals = np.asarray(account_values, dtype=np.float64)
        aw = float(vals.mean())
        if vals.size >= 2:
            rng = np.random.default_rng(seed)
            draws = rng.integers(0, vals.size, size=(n_boot, vals.size))
            means = vals[draws].mean(axis=1)
            lo, hi = np.quantile(means, [0.025, 0.975])
            aw_ci = (float(lo), float(hi))
        else:
            aw_ci = (math.nan, math.nan)
    return AccountsReport(
        n=int(ltr.size), n_accounts=len(names), min_responses=min_responses,
        threshold=threshold, respondent_weighted=rw, account_weighted=aw,
        account_weighted_ci=aw_ci, roles=tuple(overall_roles), accounts=tuple(per),
        has_roles=role is not None, has_dates=quarter is not None, notes=tuple(notes))
