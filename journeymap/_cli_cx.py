"""CX commands of the ``journeymap`` CLI: segments, compare, trend, waterfall, keydrivers,
transactional, followups, value and power.

Formatting only: every number comes from :mod:`journeymap.analysis`.  The shared helpers
(``_errors`` for exit codes, ``_stdout``, ``_write_json``, ``_signed``, ``_ci``, ``_esc``)
are imported from :mod:`journeymap.cli` inside the commands, which
:func:`register` adds to the Typer app.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from .analysis.segments import SegmentReport
    from .model import JourneyMap

__all__ = ["register"]

# The shared argument types of the main CLI (defined before this module is imported).
from .cli import DataArg, JsonOpt, MapArg, MinOpt, SurveyTypeOpt

ByOpt = Annotated[str, typer.Option("--by", help="Segment column (customer type, market, "
                                    "channel …).", show_default=False)]
PeriodOpt = Annotated[str, typer.Option("--period", help="month or quarter.")]
DateOpt = Annotated[str, typer.Option("--date-column", help="Column with the response date.")]
LowOpt = Annotated[int, typer.Option(
    "--low", help="Bottom points of a scale that count as a low rating.", min=1)]


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{digits}f}"


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _load_map(path: Path) -> JourneyMap:
    from .model import JourneyMap

    return JourneyMap.from_yaml(path)


def _nps_cell(value: float, ci: Any, n: int, suppressed: bool) -> str:
    from .cli import _ci, _signed

    if suppressed:
        return f"suppressed (n = {n:,})"
    return f"{_signed(value)} ({_ci(ci)})"


def _warnings(console: Console, warnings: Any) -> None:
    from .cli import _esc

    for w in warnings:
        console.print(f"[yellow]warning:[/] {_esc(w)}", soft_wrap=True)


# --------------------------------------------------------------------- segments
def _print_segments(console: Console, report: SegmentReport) -> None:
    from rich.table import Table

    from .cli import _esc, _signed

    table = Table(title=f"NPS by {_esc(report.column)} (minimum {report.min_responses} "
                  "responses per figure)", title_justify="left")
    table.add_column("Segment")
    table.add_column("n", justify="right")
    table.add_column("NPS (95 %)", justify="right", no_wrap=True)
    notes = any(s.note for s in report.segments)
    if notes:
        table.add_column("Note", overflow="fold")
    for s in report.segments:
        cells = [_esc(s.value), f"{s.n:,}",
                 _nps_cell(math.nan if s.nps is None else s.nps.value,
                           None if s.nps is None else s.nps.ci, s.n, s.suppressed)]
        table.add_row(*cells, *([_esc(s.note or "")] if notes else []))
    console.print(table)
    fitted = [s for s in report.segments if s.result is not None]
    if not fitted:
        return
    m = report.journey_map
    drivers = Table(title="What moves NPS in each segment (NPS points, one scale point better)",
                    title_justify="left")
    drivers.add_column("Node", overflow="fold")
    for s in fitted:
        drivers.add_column(_esc(s.value), justify="right", no_wrap=True)
    effects = {s.value: {e["node"]: e for e in s.result.effect_records}
               for s in fitted if s.result is not None}
    for node in m.measured_nodes:
        if node.id == m.outcome:
            continue
        drivers.add_row(_esc(node.display),
                        *[_signed(effects[s.value][node.id]["nps_points"])
                          if node.id in effects[s.value] else "–" for s in fitted])
    console.print(drivers)


def segments_cmd(map_file: MapArg, data_file: DataArg, by: ByOpt,
                 json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                 min_responses: MinOpt = 30) -> None:
    """The map fitted per segment; small segments are shown as suppressed with their n."""
    from .cli import _errors, _stdout, _write_json

    with _errors():
        from .analysis.segments import segment_fits

        report = segment_fits(_load_map(map_file), data_file, by, survey_type=survey_type,
                              min_responses=min_responses)
        if json_out:
            _write_json(report.to_dict())
            return
        console = _stdout()
        _print_segments(console, report)
        _warnings(console, report.warnings)


def compare_cmd(map_file: MapArg, data_file: DataArg,
                a: Annotated[str, typer.Argument(help="First segment value.",
                                                 show_default=False)],
                b: Annotated[str, typer.Argument(help="Second segment value.",
                                                 show_default=False)],
                by: ByOpt, json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                min_responses: MinOpt = 30) -> None:
    """Compare two segments: NPS difference with its interval, and which drivers differ."""
    from .cli import _ci, _errors, _esc, _signed, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.segments import compare_segments, segment_fits

        report = segment_fits(_load_map(map_file), data_file, by, survey_type=survey_type,
                              min_responses=min_responses)
        comp = compare_segments(report, a, b)
        if json_out:
            _write_json(comp.to_dict())
            return
        console = _stdout()
        for s in (comp.a, comp.b):
            console.print(f"{_esc(s.value)}: NPS "
                          + _nps_cell(math.nan if s.nps is None else s.nps.value,
                                      None if s.nps is None else s.nps.ci, s.n, s.suppressed)
                          + f" from {s.n:,} responses")
        if comp.difference is not None:
            d = comp.difference
            console.print(f"[bold]Difference {_esc(comp.a.value)} − {_esc(comp.b.value)}: "
                          f"{_signed(d.value)} NPS points[/] (95 %: {_ci(d.ci)})")
        if comp.note:
            console.print(_esc(comp.note), soft_wrap=True)
        if len(comp.drivers):
            table = Table(title="Drivers (LTR points per scale point; roles: influence)",
                          title_justify="left")
            table.add_column("Node or role", overflow="fold")
            for col in (_esc(comp.a.value), _esc(comp.b.value), "difference (95 %)",
                        "differs"):
                table.add_column(col, justify="right", no_wrap=True)
            for row in comp.drivers.to_dict(orient="records"):
                label = row["label"] + (" (role)" if row["kind"] == "role" else "")
                table.add_row(_esc(label), _signed(row["a"], 2), _signed(row["b"], 2),
                              f"{_signed(row['difference'], 2)} "
                              f"({_ci((row['ci_low'], row['ci_high']), 2)})",
                              "yes" if row["differs"] else "no")
            console.print(table)


def transactional_cmd(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
                      min_responses: MinOpt = 30) -> None:
    """Transactional NPS per touchpoint (only the customers who had that contact)."""
    from .cli import _errors, _esc, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.segments import transactional_nps
        from .jsonsafe import to_jsonable

        df = transactional_nps(_load_map(map_file), data_file, min_responses=min_responses)
        if json_out:
            _write_json(to_jsonable(df.to_dict(orient="records")))
            return
        console = _stdout()
        table = Table(title="Transactional NPS per touchpoint — not the company's NPS",
                      title_justify="left")
        table.add_column("Touchpoint", overflow="fold")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        table.add_column("Speaks for", overflow="fold")
        for row in df.to_dict(orient="records"):
            table.add_row(_esc(row["label"]),
                          _nps_cell(row["nps"], (row["ci_low"], row["ci_high"]), row["n"],
                                    row["suppressed"]),
                          _esc(row["label_note"]))
        console.print(table)


# ------------------------------------------------------------------------ trend
def trend_cmd(map_file: MapArg, data_file: DataArg, period: PeriodOpt = "month",
              date_column: DateOpt = "date", json_out: JsonOpt = False,
              survey_type: SurveyTypeOpt = None, min_responses: MinOpt = 30) -> None:
    """NPS per month or quarter with 95 % intervals."""
    from .cli import _errors, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.trend import nps_trend

        report = nps_trend(_load_map(map_file), data_file, period=period,
                           date_column=date_column, survey_type=survey_type,
                           min_responses=min_responses)
        if json_out:
            _write_json(report.to_dict())
            return
        console = _stdout()
        table = Table(title=f"NPS per {period}", title_justify="left")
        table.add_column("Period")
        table.add_column("n", justify="right")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        for row in report.table.to_dict(orient="records"):
            table.add_row(row["period"], f"{row['n']:,}",
                          _nps_cell(row["nps"], (row["ci_low"], row["ci_high"]), row["n"],
                                    row["suppressed"]))
        console.print(table)
        _warnings(console, report.warnings)


def waterfall_cmd(map_file: MapArg, data_file: DataArg,
                  from_period: Annotated[str, typer.Argument(
                      metavar="FROM", help="Earlier period (2026-01 or 2026-Q1).",
                      show_default=False)],
                  to_period: Annotated[str, typer.Argument(
                      metavar="TO", help="Later period.", show_default=False)],
                  period: PeriodOpt = "month", date_column: DateOpt = "date",
                  json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                  min_responses: MinOpt = 30) -> None:
    """Split the NPS change between two periods into drivers and an unexplained rest."""
    from .cli import _ci, _errors, _esc, _signed, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.trend import nps_waterfall

        w = nps_waterfall(_load_map(map_file), data_file, from_period, to_period,
                          period=period, date_column=date_column, survey_type=survey_type,
                          min_responses=min_responses)
        if json_out:
            _write_json(w.to_dict())
            return
        console = _stdout()
        console.print(f"NPS {w.from_period} {_signed(w.nps_from.value)} ({_ci(w.nps_from.ci)}, "
                      f"n = {w.nps_from.n:,}) → {w.to_period} {_signed(w.nps_to.value)} "
                      f"({_ci(w.nps_to.ci)}, n = {w.nps_to.n:,}): [bold]change "
                      f"{_signed(w.change)}[/] NPS points (95 %: {_ci(w.change_ci)}).")
        if w.change_ci[0] <= 0 <= w.change_ci[1]:
            console.print("The interval of the change contains 0: it may be noise, and so "
                          "may the bars that split it.")
        table = Table(title="Where the change came from (effects fitted on both periods)",
                      title_justify="left")
        table.add_column("Node", overflow="fold")
        for col in ("mean from → to", "own change", "LTR per point", "NPS points"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in w.bars.to_dict(orient="records"):
            table.add_row(_esc(row["label"]),
                          f"{_fmt(row['mean_from'])} → {_fmt(row['mean_to'])}",
                          _signed(row["own_change"], 3), _signed(row["total"], 2),
                          _signed(row["nps_points"], 2))
        table.add_row("Unexplained rest", "", "", "", _signed(w.unexplained, 2))
        table.add_row("[bold]Observed change[/]", "", "", "", _signed(w.change, 2))
        console.print(table)
        _warnings(console, w.warnings)


# ------------------------------------------------------------------ key drivers
def keydrivers_cmd(map_file: MapArg, data_file: DataArg,
                   predictors: Annotated[str, typer.Option(
                       "--predictors", help="all (every measured node) or parents (the "
                       "outcome's parents in the map).")] = "all",
                   json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                   min_responses: MinOpt = 30) -> None:
    """Key-driver baseline: relative weights and importance–performance beside the map."""
    from .cli import _errors, _esc, _signed, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.keydrivers import (
            ASSOCIATION_NOTE,
            CAUSAL_NOTE,
            importance_performance,
            relative_weights,
        )
        from .engines import fit
        from .jsonsafe import to_jsonable

        m = _load_map(map_file)
        result = fit(m, data_file, survey_type=survey_type, min_responses=min_responses)
        assert result.data is not None
        weights = relative_weights(m, result.data, predictors=predictors,
                                   min_responses=min_responses)
        ipa = importance_performance(result, weights=weights)
        if json_out:
            _write_json(to_jsonable({"relative_weights": weights.to_dict(),
                                "importance_performance": {
                                    "note": CAUSAL_NOTE, "association_note": ASSOCIATION_NOTE,
                                    **{k: ipa.attrs[k] for k in ("importance_cut",
                                                                 "performance_cut")},
                                    "nodes": ipa.to_dict(orient="records")}}))
            return
        console = _stdout()
        table = Table(title=f"Relative weights (Johnson 2000) — associations, R² = "
                      f"{weights.r_squared:.3f} on {weights.n:,} complete responses",
                      title_justify="left")
        table.add_column("Node", overflow="fold")
        for col in ("weight", "% of R²", "correlation"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in weights.table.to_dict(orient="records"):
            table.add_row(_esc(row["label"]), _fmt(row["weight"], 3),
                          f"{100 * row['share']:.1f} %", _signed(row["correlation"], 2))
        console.print(table)
        console.print(_esc(ASSOCIATION_NOTE), soft_wrap=True)
        ipa_table = Table(title="Importance–performance", title_justify="left")
        ipa_table.add_column("Node", overflow="fold")
        for col in ("causal effect (map)", "relative weight", "mean", "% of scale",
                    "below top", "quadrant"):
            ipa_table.add_column(col, justify="right", no_wrap=True)
        for row in ipa.to_dict(orient="records"):
            ipa_table.add_row(_esc(row["label"]), _signed(row["causal_total"], 2),
                              _fmt(row["relative_weight"], 3), _fmt(row["mean"]),
                              f"{row['performance']:.0f} %", f"{100 * row['headroom']:.0f} %",
                              row["quadrant"])
        console.print(ipa_table)
        console.print(_esc(CAUSAL_NOTE + " Quadrants split the causal effect at "
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
    from .cli import _errors, _esc, _stdout, _write_json

    with _errors():
        from rich.console import Console

        from .analysis.followups import followups

        f = followups(_load_map(map_file), data_file, role,
                      consent_column=None if no_consent_column else consent_column,
                      id_column=id_column, low_points=low, value_column=revenue_column,
                      survey_type=survey_type)
        summary = (f"{len(f.rows):,} detractors to call back for {f.label}: "
                   f"{f.n_low:,} of {f.n_detractors:,} detractors rated one of its "
                   f"touchpoints in the bottom {f.low_points} points"
                   + (f"; {f.n_no_consent:,} left out without consent to contact"
                      if f.consent_column is not None else "") + ".")
        if json_out:
            _write_json(f.to_dict())
            return
        if output is not None:
            f.to_csv(output)
            console = _stdout()
            console.print(_esc(summary), soft_wrap=True)
            console.print(f"List written to {_esc(output)}.")
            for note in f.notes:
                console.print(_esc(note), soft_wrap=True)
            return
        sys.stdout.write(f.rows.to_csv(index=False, lineterminator="\n"))
        err = Console(stderr=True, highlight=False)
        err.print(_esc(summary), soft_wrap=True)
        for note in f.notes:
            err.print(_esc(note), soft_wrap=True)


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
    from .cli import _errors, _esc, _signed, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.value import SCENARIO_NOTE, value_at_stake

        v = value_at_stake(_load_map(map_file), data_file, revenue_column=revenue_column,
                           revenue=revenue, move=move / 100.0,
                           promoter_multiplier=promoter_multiplier,
                           detractor_multiplier=detractor_multiplier, customers=customers,
                           low_points=low, survey_type=survey_type)
        if json_out:
            _write_json(v.to_dict())
            return
        console = _stdout()
        pct = f"{100 * v.move:g} %"
        base = (f"{v.customers:,} customers" if v.customers is not None
                else f"the {v.n:,} surveyed customers")
        console.print(f"[bold]Value at stake[/] (revenue: {_esc(v.revenue)}; a promoter is worth "
                      f"{v.promoter_multiplier:g} ×, a detractor {v.detractor_multiplier:g} × a "
                      f"passive; values for {base}).")
        table = Table(title="Company", title_justify="left")
        table.add_column("Scenario")
        for col in ("customers moved", "value", "NPS points"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in v.company.to_dict(orient="records"):
            table.add_row(f"{pct} of {row['scenario']}", f"{row['moved']:,.1f}",
                          _money(row["value"]), _signed(row["nps_points"]))
        console.print(table)
        roles = Table(title=f"Per role: moving {pct} of the detractors who rated its "
                      "touchpoints low to passives", title_justify="left")
        roles.add_column("Role")
        roles.add_column("Touchpoints", overflow="fold")
        for col in ("detractors low", "value", "NPS points"):
            roles.add_column(col, justify="right", no_wrap=True)
        for row in v.roles.to_dict(orient="records"):
            roles.add_row(_esc(row["label"]), _esc(row["nodes"]), f"{row['detractors_low']:,}",
                          _money(row["value"]), _signed(row["nps_points"], 2))
        console.print(roles)
        for a in v.assumptions:
            console.print(f"Assumed: {_esc(a)}.", soft_wrap=True)
        console.print(_esc(SCENARIO_NOTE), soft_wrap=True)


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
              min_responses: MinOpt = 30) -> None:
    """Power planner: responses for an NPS margin, a two-group comparison, each path."""
    from .cli import _errors, _esc, _signed, _stdout, _write_json

    with _errors():
        from rich.table import Table

        from .analysis.power import power_plan
        from .exceptions import JourneymapError

        result = None
        if map_file is not None:
            if data_file is None:
                raise JourneymapError("per-path sample sizes need both MAP and DATA.")
            from .engines import fit

            result = fit(_load_map(map_file), data_file, survey_type=survey_type,
                         min_responses=min_responses)
        plan = power_plan(margin=margin, promoters=promoters, detractors=detractors,
                          difference=difference, power=power, alpha=alpha, result=result)
        if json_out:
            _write_json(plan.to_dict())
            return
        console = _stdout()
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
                table.add_row(_esc(row["route"]), _esc(link),
                              _signed(row["weakest_standardized"], 3), need,
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
                edges.add_row(_esc(f"{m.node(row['from']).display} → "
                                   f"{m.node(row['to']).display}"),
                              _signed(row["estimate"], 3), need,
                              f"{row['n']:,}" + ("" if row["enough"] else " (too few)"))
            console.print(edges)


def register(app: typer.Typer) -> None:
    """Add the CX commands to the ``journeymap`` Typer app."""
    app.command("segments")(segments_cmd)
    app.command("compare")(compare_cmd)
    app.command("transactional")(transactional_cmd)
    app.command("trend")(trend_cmd)
    app.command("waterfall")(waterfall_cmd)
    app.command("keydrivers")(keydrivers_cmd)
    app.command("followups")(followups_cmd)
    app.command("value")(value_cmd)
    app.command("power")(power_cmd)
