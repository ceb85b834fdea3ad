"""Commands that say what to do: ``keydrivers``, ``followups``, ``cases``, ``accounts``,
``pipeline``, ``value`` and ``power``.

Formatting only: every number comes from :mod:`journeymap.analysis`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import JourneymapError
from ..formatting import ci as ci_text
from ..formatting import fixed, money, signed
from ..outputs import refuse_inputs
from ._console import errors, esc, stderr, stdout, write_json, write_text
from ._options import (
    MIN_RESPONSES,
    DataArg,
    JsonOpt,
    LowOpt,
    MapArg,
    MinOpt,
    SurveyTypeOpt,
)
from ._run import load_map

__all__ = ["accounts_cmd", "cases_cmd", "followups_cmd", "keydrivers_cmd", "pipeline_cmd",
           "power_cmd", "value_cmd"]


# ------------------------------------------------------------------ key drivers
def keydrivers_cmd(map_file: MapArg, data_file: DataArg,
                   predictors: Annotated[str, typer.Option(
                       "--predictors", help="all (every measured node) or parents (the "
                       "outcome's parents in the map).")] = "all",
                   json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                   min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Key-driver baseline: relative weights and importance–performance beside the map."""
    with errors():
        from rich.table import Table

        from ..analysis.keydrivers import (
            ASSOCIATION_NOTE,
            CAUSAL_NOTE,
            importance_performance,
            relative_weights,
        )
        from ..engines import fit
        from ..jsonsafe import to_jsonable

        m = load_map(map_file)
        result = fit(m, data_file, survey_type=survey_type, min_responses=min_responses)
        data = result.fitted_model().data
        assert data is not None
        weights = relative_weights(m, data, predictors=predictors,
                                   min_responses=min_responses)
        ipa = importance_performance(result, weights=weights)
        if json_out:
            write_json(to_jsonable({
                "relative_weights": weights.to_dict(),
                "importance_performance": {
                    "note": CAUSAL_NOTE, "association_note": ASSOCIATION_NOTE,
                    **{k: ipa.attrs[k] for k in ("importance_cut", "performance_cut")},
                    "nodes": ipa.to_dict(orient="records")}}))
            return
        console = stdout()
        table = Table(title=f"Relative weights (Johnson 2000) — associations, R² = "
                      f"{weights.r_squared:.3f} on {weights.n:,} complete responses",
                      title_justify="left")
        table.add_column("Node", overflow="fold")
        for col in ("weight", "% of R²", "correlation"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in weights.table.to_dict(orient="records"):
            table.add_row(esc(row["label"]), fixed(row["weight"], 3),
                          f"{100 * row['share']:.1f} %", signed(row["correlation"], 2))
        console.print(table)
        console.print(esc(ASSOCIATION_NOTE), soft_wrap=True)
        ipa_table = Table(title="Importance–performance", title_justify="left")
        ipa_table.add_column("Node", overflow="fold")
        for col in ("causal effect (map)", "relative weight", "mean", "% of scale",
                    "below top", "quadrant"):
            ipa_table.add_column(col, justify="right", no_wrap=True)
        for row in ipa.to_dict(orient="records"):
            ipa_table.add_row(esc(row["label"]), signed(row["causal_total"], 2),
                              fixed(row["relative_weight"], 3), fixed(row["mean"]),
                              f"{row['performance']:.0f} %", f"{100 * row['headroom']:.0f} %",
                              row["quadrant"])
        console.print(ipa_table)
        console.print(esc(CAUSAL_NOTE + " Quadrants split the causal effect at "
                           f"{ipa.attrs['importance_cut']:.2f} and the % of scale at "
                           f"{ipa.attrs['performance_cut']:.0f} % (medians)."), soft_wrap=True)


# -------------------------------------------------------------------- followups
def followups_cmd(role: Annotated[str, typer.Argument(help="Role id, e.g. billing.",
                                                      show_default=False)],
                  map_file: MapArg, data_file: DataArg,
                  consent_column: Annotated[str, typer.Option(
                      "--consent-column", help="Column saying the customer may be contacted "
                      "(1/0, yes/no).")] = "contact_ok",
                  no_consent_column: Annotated[bool, typer.Option(
                      "--no-consent-column", help="There is no consent column (consent was "
                      "collected another way); list every matching detractor.")] = False,
                  id_column: Annotated[str, typer.Option(
                      "--id-column", help="Response id column.")] = "response_id",
                  low: LowOpt = 2,
                  revenue_column: Annotated[str | None, typer.Option(
                      "--revenue-column", help="Revenue per customer: most valuable "
                      "first.")] = None,
                  output: Annotated[Path | None, typer.Option(
                      "-o", "--output", help="Write the CSV to this file (default: "
                      "stdout).")] = None,
                  json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None) -> None:
    """Detractors to call back about the touchpoints a role acts on (CSV)."""
    with errors():
        from ..analysis.followups import followups

        refuse_inputs(output, map_file, data_file)
        f = followups(load_map(map_file), data_file, role,
                      consent_column=None if no_consent_column else consent_column,
                      id_column=id_column, low_points=low, value_column=revenue_column,
                      survey_type=survey_type)
        summary = (f"{len(f.rows):,} detractors to call back for {f.label}: "
                   f"{f.n_low:,} of {f.n_detractors:,} detractors rated one of its "
                   f"touchpoints in the bottom {f.low_points} points"
                   + (f"; {f.n_no_consent:,} left out without consent to contact"
                      if f.consent_column is not None else "") + ".")
        if json_out:
            write_json(f.to_dict())
            return
        if output is not None:
            f.to_csv(output)
            console = stdout()
            console.print(esc(summary), soft_wrap=True)
            console.print(f"List written to {esc(output)}.")
            for note in f.notes:
                console.print(esc(note), soft_wrap=True)
            return
        write_text(f.to_csv_text())
        err = stderr()
        err.print(esc(summary), soft_wrap=True)
        for note in f.notes:
            err.print(esc(note), soft_wrap=True)


# ------------------------------------------------------------------------ cases
def _sla_hours(texts: list[str]) -> dict[str, object]:
    """``REASON=HOURS`` options as a mapping (the library checks reasons and hours)."""
    out: dict[str, object] = {}
    for text in texts:
        reason, sep, hours = text.partition("=")
        if not sep or not reason.strip():
            raise JourneymapError(f"--sla-hours '{text}': write REASON=HOURS, e.g. "
                                  "detractor=24.")
        try:
            out[reason.strip()] = float(hours)
        except ValueError:
            out[reason.strip()] = hours.strip()  # the library names it
    return out


def _opened_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise JourneymapError(f"--opened-at '{text}' is not a date and time; write it in "
                              "ISO 8601, e.g. 2026-03-02T09:00:00+00:00.") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def cases_cmd(map_file: MapArg, data_file: DataArg,
              output: Annotated[Path | None, typer.Option(
                  "-o", "--output", help="Write the cases CSV to this file (default: "
                  "stdout, the summary on stderr).")] = None,
              sla_hours: Annotated[list[str] | None, typer.Option(
                  "--sla-hours", help="Hours until due for a reason, e.g. detractor=24 "
                  "(repeat; reasons: detractor, valuable_low, bottom_rating).",
                  show_default=False)] = None,
              opened_at: Annotated[str | None, typer.Option(
                  "--opened-at", help="When the cases open, ISO 8601 (default: now; no "
                  "time zone: UTC).", show_default=False)] = None,
              id_column: Annotated[str, typer.Option(
                  "--id-column", help="Response id column.")] = "response_id",
              consent_column: Annotated[str, typer.Option(
                  "--consent-column", help="Column saying the customer may be contacted "
                  "(absent: nobody is known to agree).")] = "contact_ok",
              value_column: Annotated[str | None, typer.Option(
                  "--value-column", help="Column of the account's value (e.g. revenue): "
                  "turns the valuable-account rule on.")] = None,
              value_threshold: Annotated[float, typer.Option(
                  "--value-threshold", help="A value at least this is a valuable "
                  "account.")] = 0.0,
              value_max_ltr: Annotated[int, typer.Option(
                  "--value-max-ltr", help="A valuable account's case opens at this score "
                  "or lower.")] = 8,
              survey_type: SurveyTypeOpt = None,
              lang: Annotated[str | None, typer.Option(
                  "--lang", help="Language of the roles' labels in the summary: en, sv, "
                  "da, fi or nb (default: the map's own labels).",
                  show_default=False)] = None) -> None:
    """Follow-up cases as the CRM CSV of the service, with a summary per role.

    Rules: docs/closing-the-loop.md; the columns are those of /v1/cases/csv.
    """
    with errors():
        from rich.table import Table

        from ..cases import REASONS, CaseRules, cases_csv, make_cases, rules_for_columns
        from ..data import read_table
        from ..i18n import check_language, use_language
        from ..outputs import write_atomic

        lang = None if lang is None else check_language(lang)
        refuse_inputs(output, map_file, data_file)
        when = _opened_at(opened_at)
        rules = CaseRules(id_column=id_column, consent_column=consent_column,
                          value_column=value_column, value_threshold=value_threshold,
                          value_max_ltr=value_max_ltr,
                          sla_hours=_sla_hours(sla_hours or []))  # type: ignore[arg-type]
        m = load_map(map_file)
        fitted = rules_for_columns(rules, [str(c) for c in read_table(data_file).columns],
                                   str(data_file))
        if fitted.rules is None:
            raise JourneymapError(fitted.notes[0])
        found = make_cases(m, data_file, rules=fitted.rules, opened_at=when,
                           survey_type=survey_type)
        found.sort(key=lambda c: (c.due_at, c.response_id))  # as GET /v1/cases/csv
        text = cases_csv(c.record() for c in found)
        table = Table(title=f"{len(found):,} follow-up cases, per role (opened "
                      f"{when.isoformat(timespec='minutes')})", title_justify="left")
        with use_language(lang):  # each role by its map label (the ids stay in the CSV)
            labels = {c.role: m.node(c.role).display for c in found if c.role is not None}
        table.add_column("Role", overflow="fold")
        table.add_column("cases", justify="right")
        for reason in REASONS:
            table.add_column(reason, justify="right")
        table.add_column("may be contacted", justify="right")
        table.add_column("first due (UTC)", no_wrap=True)
        roles = sorted(labels, key=lambda r: (labels[r].casefold(), r))
        for role in [*roles, None]:
            mine = [c for c in found if c.role == role]
            if not mine:
                continue
            table.add_row(esc(labels[role] if role is not None else "unassigned"),
                          f"{len(mine):,}",
                          *[f"{sum(r in c.reasons for c in mine):,}" for r in REASONS],
                          f"{sum(c.contact_ok for c in mine):,}",
                          min(c.due_at for c in mine).astimezone(UTC).strftime(
                              "%Y-%m-%d %H:%M"))
        if output is not None:
            write_atomic(output, text)
            console = stdout()
        else:
            write_text(text)
            console = stderr()
        console.print(table)
        for note in fitted.notes:
            console.print(esc(note), soft_wrap=True)
        if output is not None:
            console.print(f"Cases written to {esc(output)}.")


# --------------------------------------------------------------------- accounts
def accounts_cmd(map_file: MapArg, data_file: DataArg,
                 threshold: Annotated[float, typer.Option(
                     "--threshold", help="An account whose shown NPS is below this is at "
                     "risk.")] = 0.0,
                 order: Annotated[str, typer.Option(
                     "--order", help="name (alphabetical) or risk (most reasons "
                     "first).")] = "name",
                 decision_role: Annotated[list[str] | None, typer.Option(
                     "--decision-role", help="A contact-role text that counts as a decision "
                     "maker (repeat; default: docs/accounts.md).",
                     show_default=False)] = None,
                 output: Annotated[Path | None, typer.Option(
                     "-o", "--output", help="Write the accounts as CSV to this "
                     "file.")] = None,
                 json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                 min_responses: MinOpt = MIN_RESPONSES) -> None:
    """B2B accounts: NPS per account, both headlines and the accounts at risk.

    Accounts with fewer answers than the minimum are suppressed; each at risk says why.
    """
    with errors():
        from rich.table import Table

        from ..analysis.accounts import DECISION_MAKER_ROLES, account_analysis

        if order not in ("name", "risk"):
            raise JourneymapError(f"--order is '{order}'; use name or risk.")
        refuse_inputs(output, map_file, data_file)
        rep = account_analysis(
            load_map(map_file), data_file, min_responses=min_responses, threshold=threshold,
            decision_roles=tuple(decision_role) if decision_role else DECISION_MAKER_ROLES,
            order="risk" if order == "risk" else "name", survey_type=survey_type)
        if json_out:
            write_json(rep.to_dict())
            return
        if output is not None:
            rep.to_csv(output)
        console = stdout()
        rw = rep.respondent_weighted
        if rw is None or rep.account_weighted is None:
            console.print(f"Headlines suppressed: {rep.n:,} answers, fewer than the minimum "
                          f"{rep.min_responses}.")
        else:
            ci = rep.account_weighted_ci or (float("nan"), float("nan"))
            console.print(f"Respondent-weighted NPS (every answer counts once): "
                          f"{signed(rw.value, 1)} (95 % {ci_text(rw.ci, 1)}), n = {rw.n:,}.",
                          soft_wrap=True)
            console.print(f"Account-weighted NPS (every account counts once): "
                          f"{signed(rep.account_weighted, 1)} (95 % bootstrap over accounts "
                          f"{ci_text(ci, 1)}), {rep.n_accounts:,} "
                          "accounts.", soft_wrap=True)
        table = Table(title=f"Accounts ({'by risk' if order == 'risk' else 'alphabetical'}; "
                      f"NPS shown from {rep.min_responses} answers)", title_justify="left")
        table.add_column("Account", overflow="fold")
        table.add_column("n", justify="right")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        table.add_column("Contact roles (n)", overflow="fold")
        table.add_column("At risk because", overflow="fold")
        for a in rep.accounts:
            nps = ("suppressed" if a.nps is None else
                   f"{signed(a.nps.value, 0)} ({ci_text(a.nps.ci, 0)})")
            table.add_row(esc(a.account), f"{a.n:,}", nps,
                          esc("; ".join(f"{r.role}: {r.n}" for r in a.roles)),
                          esc(" ".join(r.text for r in a.reasons)))
        console.print(table)
        if rep.roles:
            roles = Table(title="NPS per contact role, all accounts", title_justify="left")
            roles.add_column("Contact role", overflow="fold")
            roles.add_column("n", justify="right")
            roles.add_column("NPS (95 %)", justify="right", no_wrap=True)
            for r in rep.roles:
                roles.add_row(esc(r.role), f"{r.n:,}", "suppressed" if r.nps is None else
                              f"{signed(r.nps.value, 0)} ({ci_text(r.nps.ci, 0)})")
            console.print(roles)
        for note in rep.notes:
            console.print(esc(note), soft_wrap=True)
        if output is not None:
            console.print(f"Accounts written to {esc(output)}.")


# --------------------------------------------------------------------- pipeline
def pipeline_cmd(map_file: MapArg, data_file: DataArg,
                 opportunities: Annotated[Path, typer.Argument(
                     help="Opportunities file (account, opportunity, stage, amount, "
                     "probability).", show_default=False)],
                 min_probability: Annotated[float, typer.Option(
                     "--min-probability", help="Forecast probability (0-1) from which an "
                     "opportunity with a detractor decision maker is listed.")] = 0.5,
                 json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                 min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Pipeline: NPS by stage and likely deals whose decision maker is a detractor."""
    with errors():
        from rich.table import Table

        from ..analysis.pipeline import pipeline_analysis

        rep = pipeline_analysis(load_map(map_file), data_file, opportunities,
                                min_probability=min_probability,
                                min_responses=min_responses, survey_type=survey_type)
        if json_out:
            write_json(rep.to_dict())
            return
        console = stdout()
        table = Table(title=f"NPS by pipeline stage (shown from {rep.min_responses} answers)",
                      title_justify="left")
        table.add_column("Stage", overflow="fold")
        table.add_column("n", justify="right")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        for stage, n, v in rep.stages:
            table.add_row(esc(stage), f"{n:,}", "suppressed" if v is None else
                          f"{signed(v.value, 0)} ({ci_text(v.ci, 0)})")
        console.print(table)
        act = Table(title=f"Act on: probability at least {rep.min_probability:g} and a "
                    "decision maker is a detractor", title_justify="left")
        for col in ("Opportunity", "Account", "Stage"):
            act.add_column(col, overflow="fold")
        for col in ("Amount", "Probability", "Decision maker answered"):
            act.add_column(col, justify="right")
        for r in rep.act_on:
            act.add_row(esc(r["opportunity"]), esc(r["account"]), esc(r["stage"]),
                        money(r["amount"]), f"{r['probability']:.0%}",
                        ", ".join(map(str, r["decision_maker_scores"])))
        console.print(act)
        if rep.no_responses:
            console.print(f"{len(rep.no_responses):,} opportunities have no survey answers: "
                          f"{esc(', '.join(rep.no_responses[:20]))}.", soft_wrap=True)


# ------------------------------------------------------------------------ value
def value_cmd(map_file: MapArg, data_file: DataArg,
              revenue_column: Annotated[str | None, typer.Option(
                  "--revenue-column", help="Column with revenue per customer.")] = None,
              revenue: Annotated[float | None, typer.Option(
                  "--revenue", help="One revenue per customer for everyone.")] = None,
              move: Annotated[float, typer.Option(
                  "--move", help="Percent of the customers moved up one class.")] = 10.0,
              promoter_multiplier: Annotated[float | None, typer.Option(
                  "--promoter-multiplier", help="A promoter's value relative to a passive "
                  "(default 1.2).", show_default=False)] = None,
              detractor_multiplier: Annotated[float | None, typer.Option(
                  "--detractor-multiplier", help="A detractor's value relative to a passive "
                  "(default 0.8).", show_default=False)] = None,
              customers: Annotated[int | None, typer.Option(
                  "--customers", help="Customers the respondents stand for (scales the "
                  "values).")] = None,
              low: LowOpt = 2, json_out: JsonOpt = False,
              survey_type: SurveyTypeOpt = None) -> None:
    """Value at stake: what moving some detractors to passives is worth, per role."""
    with errors():
        from rich.table import Table

        from ..analysis.value import SCENARIO_NOTE, value_at_stake

        v = value_at_stake(load_map(map_file), data_file, revenue_column=revenue_column,
                           revenue=revenue, move=move / 100.0,
                           promoter_multiplier=promoter_multiplier,
                           detractor_multiplier=detractor_multiplier, customers=customers,
                           low_points=low, survey_type=survey_type)
        if json_out:
            write_json(v.to_dict())
            return
        console = stdout()
        pct = f"{100 * v.move:g} %"
        base = (f"{v.customers:,} customers" if v.customers is not None
                else f"the {v.n:,} surveyed customers")
        console.print(f"[bold]Value at stake[/] (revenue: {esc(v.revenue)}; a promoter is worth "
                      f"{v.promoter_multiplier:g} ×, a detractor {v.detractor_multiplier:g} × a "
                      f"passive; values for {base}).")
        table = Table(title="Company", title_justify="left")
        table.add_column("Scenario")
        for col in ("customers moved", "value", "NPS points"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in v.company.to_dict(orient="records"):
            table.add_row(f"{pct} of {row['scenario']}", f"{row['moved']:,.1f}",
                          money(row["value"]), signed(row["nps_points"]))
        console.print(table)
        roles = Table(title=f"Per role: moving {pct} of the detractors who rated its "
                      "touchpoints low to passives", title_justify="left")
        roles.add_column("Role")
        roles.add_column("Touchpoints", overflow="fold")
        for col in ("detractors low", "value", "NPS points"):
            roles.add_column(col, justify="right", no_wrap=True)
        for row in v.roles.to_dict(orient="records"):
            roles.add_row(esc(row["label"]), esc(row["nodes"]), f"{row['detractors_low']:,}",
                          money(row["value"]), signed(row["nps_points"], 2))
        console.print(roles)
        for a in v.assumptions:
            console.print(f"Assumed: {esc(a)}.", soft_wrap=True)
        console.print(esc(SCENARIO_NOTE), soft_wrap=True)


# ------------------------------------------------------------------------ power
def power_cmd(map_file: Annotated[Path | None, typer.Argument(
                  help="Journey map (optional: per-edge and per-path sample sizes).",
                  show_default=False)] = None,
              data_file: Annotated[Path | None, typer.Argument(
                  help="Survey data (with MAP).", show_default=False)] = None,
              margin: Annotated[float, typer.Option(
                  "--margin", help="NPS interval half-width to plan for (NPS points).")] = 5.0,
              promoters: Annotated[float | None, typer.Option(
                  "--promoters", help="Expected promoter share (default 0.4, or the data's).",
                  show_default=False)] = None,
              detractors: Annotated[float | None, typer.Option(
                  "--detractors", help="Expected detractor share (default 0.2, or the "
                  "data's).", show_default=False)] = None,
              difference: Annotated[float, typer.Option(
                  "--difference", help="NPS difference between two groups to detect.")] = 10.0,
              power: Annotated[float, typer.Option("--power", help="Power.")] = 0.8,
              alpha: Annotated[float, typer.Option(
                  "--alpha", help="Significance level (two-sided).")] = 0.05,
              json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
              min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Power planner: responses for an NPS margin, a two-group comparison, each path."""
    with errors():
        from rich.table import Table

        from ..analysis.power import power_plan

        result = None
        if map_file is not None:
            if data_file is None:
                raise JourneymapError("per-path sample sizes need both MAP and DATA.")
            from ..engines import fit

            result = fit(load_map(map_file), data_file, survey_type=survey_type,
                         min_responses=min_responses)
        plan = power_plan(margin=margin, promoters=promoters, detractors=detractors,
                          difference=difference, power=power, alpha=alpha, result=result)
        if json_out:
            write_json(plan.to_dict())
            return
        console = stdout()
        mix = (f"promoters {100 * plan.promoters:.0f} %, detractors "
               f"{100 * plan.detractors:.0f} %" + (" (from the data)" if plan.shares_from_data
                                                  else ""))
        console.print(f"NPS within ±{plan.margin:g} points ({100 * plan.confidence:g} %): "
                      f"[bold]{plan.n_margin:,}[/] responses ({mix}).")
        console.print(f"Two groups {plan.difference:g} NPS points apart, power "
                      f"{100 * plan.power:g} %, α = {plan.alpha:g}: [bold]"
                      f"{plan.n_per_group:,}[/] responses per group.")
        if plan.paths is not None and len(plan.paths):
            table = Table(title="Per path (inverse square root method, Kock & Hadaya 2018: "
                          "n = (2.486 / weakest standardized link)²)", title_justify="left")
            table.add_column("Path", overflow="fold")
            for col in ("weakest link", "std. β", "n needed", "n now"):
                table.add_column(col, justify="right", no_wrap=True)
            m = result.journey_map if result is not None else None
            for row in plan.paths.to_dict(orient="records"):
                link = (f"{m.node(row['weakest_from']).display} → "
                        f"{m.node(row['weakest_to']).display}") if m is not None else ""
                need = "–" if row["n_min"] is None else f"{int(row['n_min']):,}"
                table.add_row(esc(row["route"]), esc(link),
                              signed(row["weakest_standardized"], 3), need,
                              f"{row['n']:,}" + ("" if row["enough"] else " (too few)"))
            console.print(table)
        if plan.edges is not None and len(plan.edges) and result is not None:
            m = result.journey_map
            edges = Table(title=f"Per edge: responses to detect its own size (power "
                          f"{100 * plan.power:g} %, α = {plan.alpha:g}, two-sided)",
                          title_justify="left")
            edges.add_column("Edge", overflow="fold")
            for col in ("estimate", "n needed", "n now"):
                edges.add_column(col, justify="right", no_wrap=True)
            for row in plan.edges.to_dict(orient="records"):
                need = "–" if row["n_needed"] is None else f"{int(row['n_needed']):,}"
                edges.add_row(esc(f"{m.node(row['from']).display} → "
                                   f"{m.node(row['to']).display}"),
                              signed(row["estimate"], 3), need,
                              f"{row['n']:,}" + ("" if row["enough"] else " (too few)"))
            console.print(edges)
