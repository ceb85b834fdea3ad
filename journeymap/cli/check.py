"""The ``journeymap check MAP DATA`` command: the map's testable implications, belief vs
evidence, global fit indices and suggested edges, in plain words.

Formatting only: every number comes from :func:`journeymap.analysis.check.check`.  The
report is a report: the command exits 0 even when the data disagree with the map, and 2
on bad input (one line on stderr).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from ..formatting import ci, signed
from ._console import errors, esc, print_warnings, stdout, write_json
from ._options import (
    MIN_RESPONSES,
    BinsOpt,
    DataArg,
    DrawsOpt,
    EssOpt,
    LtrStatesOpt,
    MapArg,
    MinOpt,
    SurveyTypeOpt,
)
from ._run import bayes_options, load_map
from ._tables import print_alphas

if TYPE_CHECKING:
    from rich.console import Console

    from ..analysis.check import CheckReport

__all__ = ["check_cmd"]

SHOWN_AGREEMENTS = 10


def _print_implications(console: Console, report: CheckReport) -> None:
    imps = report.implications
    tested = imps[imps["verdict"] != "untested"]
    console.print(f"\n[bold]What the map implies[/] ({len(imps)} independences among the "
                  f"measured nodes; {len(tested)} tested, Holm-adjusted, α = {report.alpha:g})")
    ordered = imps.assign(_p=imps["p"].fillna(2.0)).sort_values("_p", kind="stable")
    bad = ordered[ordered["verdict"] == "disagree"]
    rest = ordered[ordered["verdict"] != "disagree"]
    for text in bad["text"]:
        console.print(f"  [red]✗[/] {esc(text)}", soft_wrap=True)
    for text in rest["text"].head(SHOWN_AGREEMENTS):
        console.print(f"  ✓ {esc(text)}", soft_wrap=True)
    if len(rest) > SHOWN_AGREEMENTS:
        console.print(f"  … and {len(rest) - SHOWN_AGREEMENTS} more with no evidence against "
                      "them (all of them with --json).")
    m = report.journey_map
    for row in report.untestable.to_dict(orient="records"):
        roles = ", ".join(m.node(r).display for r in row["roles"]) or "an unmeasured node"
        console.print(f"  – {esc(m.node(row['x']).display)} and "
                      f"{esc(m.node(row['y']).display)}: not testable, {esc(roles)} acts on "
                      "both (a common cause without data).", soft_wrap=True)


def _print_beliefs(console: Console, report: CheckReport) -> None:
    from rich.table import Table

    m = report.journey_map
    console.print()
    table = Table(title="Belief vs evidence (the workshop's expected sign against the "
                  "estimate)", title_justify="left")
    table.add_column("Edge", overflow="fold")
    table.add_column("expected", justify="center", no_wrap=True)
    table.add_column("estimate (95 %)", justify="right", no_wrap=True)
    table.add_column("data", no_wrap=True)
    for row in report.beliefs.to_dict(orient="records"):
        table.add_row(esc(f"{m.node(row['from']).display} → {m.node(row['to']).display}"),
                      row["expected"] or "–",
                      f"{signed(row['estimate'], 2)} ({ci((row['ci_low'], row['ci_high']), 2)})",
                      {"agree": "agree", "contradict": "[red]contradict[/]",
                       "unclear": "unclear", "no belief": "–",
                       "not estimable": "not estimable"}[row["verdict"]])
    console.print(table)
    for text in report.beliefs.loc[report.beliefs["verdict"] == "contradict", "text"]:
        console.print(f"  [red]✗[/] {esc(text)}", soft_wrap=True)


def _print_fit(console: Console, report: CheckReport) -> None:
    from rich.table import Table

    from ..analysis.check import CUTOFFS
    fi = report.fit_indices
    if not fi.get("available"):
        console.print(f"\nNo global fit indices: {esc(fi.get('reason', ''))}", soft_wrap=True)
        return
    console.print()
    table = Table(title=f"Global fit ({fi['n']:,} responses that answered every measured "
                  "node)", title_justify="left")
    for col in ("index", "value", "conventional cut-off", "reading"):
        table.add_column(col, no_wrap=True)
    names = {"cfi": "CFI", "rmsea": "RMSEA", "srmr": "SRMR"}
    missing = fi.get("missing", {})
    for key, (op, cut) in CUTOFFS.items():
        value = fi[key]
        ok = value >= cut if op == "≥" else value <= cut
        reading = (esc(missing[key]) if key in missing else
                   "within" if ok else "[yellow]outside[/]")
        table.add_row(names[key], "–" if not math.isfinite(value) else f"{value:.3f}",
                      f"{op} {cut:g}", reading)
    console.print(table)
    p = fi["p_value"]
    console.print(f"χ² = {fi['chi2']:.1f} on {fi['df']} df (p = "
                  f"{'–' if not math.isfinite(p) else f'{p:.3g}'}). The cut-offs are "
                  "conventions (Hu & Bentler 1999), not tests.", soft_wrap=True)
    if fi.get("note"):
        console.print(f"Note: {esc(fi['note'])}", soft_wrap=True)


def _print_suggestions(console: Console, report: CheckReport) -> None:
    if report.search.get("method") is None:
        return
    sugg = report.suggestions
    console.print(f"\n[bold]Suggestions[/] (structure search '{report.search['method']}' in "
                  "the journey's order; nothing is changed in the map)")
    if not len(sugg):
        console.print("  None: the search suggests no change to the map.")
        return
    for row in sugg.to_dict(orient="records"):
        where = "add to the edges:" if row["action"] == "add" else "remove from the edges:"
        console.print(f"  • {esc(row['text'])}", soft_wrap=True)
        console.print(f"      {where} {esc(row['yaml'])}", soft_wrap=True)


def check_cmd(map_file: MapArg, data_file: DataArg,
              engine: Annotated[str, typer.Option(
                  "--engine", help="linear (partial correlations, fit indices) or bayesnet "
                  "(G-tests).")] = "linear",
              alpha: Annotated[float, typer.Option(
                  "--alpha", help="Level of the Holm-adjusted 'disagree' verdict.")] = 0.05,
              json_out: Annotated[bool, typer.Option(
                  "--json", help="Print JSON on stdout instead of text.")] = False,
              no_suggest: Annotated[bool, typer.Option(
                  "--no-suggest", help="Skip the structure search.")] = False,
              search: Annotated[str, typer.Option(
                  "--search", help="greedy (BIC steps in the journey's order) or pgmpy "
                  "(HillClimbSearch on complete responses).")] = "greedy",
              bins: BinsOpt = None,
              survey_type: SurveyTypeOpt = None,
              min_responses: MinOpt = MIN_RESPONSES, ess: EssOpt = None,
              ltr_states: LtrStatesOpt = None, draws: DrawsOpt = None) -> None:
    """Check the map against the data: implied independences, beliefs, fit, suggestions."""
    with errors():
        from ..analysis.check import check

        m = load_map(map_file)
        options: dict[str, object] = {"min_responses": min_responses,
                                      **bayes_options(engine, bins, ess, ltr_states, draws)}
        report = check(m, data_file, engine=engine, alpha=alpha, suggest=not no_suggest,
                       search=search, survey_type=survey_type, **options)
        if json_out:
            write_json(report.to_dict())
            return
        console = stdout()
        console.print(f"Checking {esc(m.name or map_file)} against {report.n_responses:,} "
                      f"responses ({report.engine} engine: {esc(report.method)}).",
                      soft_wrap=True)
        console.print(esc(report.summary[0]), soft_wrap=True)
        _print_implications(console, report)
        _print_beliefs(console, report)
        _print_fit(console, report)
        print_alphas(console, report.journey_map, report.alphas)
        _print_suggestions(console, report)
        print_warnings(console, report.warnings)

