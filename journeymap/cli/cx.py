"""Segment and period commands: ``segments``, ``compare``, ``transactional``, ``trend`` and
``waterfall``.

Formatting only: every number comes from :mod:`journeymap.analysis`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from ..formatting import ci, fixed, signed
from ._console import errors, esc, print_warnings, stdout, write_json
from ._options import (
    MIN_RESPONSES,
    ByOpt,
    DataArg,
    DateOpt,
    JsonOpt,
    MapArg,
    MinOpt,
    PeriodOpt,
    SurveyTypeOpt,
)
from ._run import load_map
from ._tables import nps_cell

if TYPE_CHECKING:
    from rich.console import Console

    from ..analysis.segments import SegmentReport

__all__ = ["compare_cmd", "segments_cmd", "transactional_cmd", "trend_cmd", "waterfall_cmd"]


# --------------------------------------------------------------------- segments
def _print_segments(console: Console, report: SegmentReport) -> None:
    from rich.table import Table

    table = Table(title=f"NPS by {esc(report.column)} (minimum {report.min_responses} "
                  "responses per figure)", title_justify="left")
    table.add_column("Segment")
    table.add_column("n", justify="right")
    table.add_column("NPS (95 %)", justify="right", no_wrap=True)
    notes = any(s.note for s in report.segments)
    if notes:
        table.add_column("Note", overflow="fold")
    for s in report.segments:
        cells = [esc(s.value), f"{s.n:,}",
                 nps_cell(math.nan if s.nps is None else s.nps.value,
                           None if s.nps is None else s.nps.ci, s.n, s.suppressed)]
        table.add_row(*cells, *([esc(s.note or "")] if notes else []))
    console.print(table)
    fitted = [s for s in report.segments if s.result is not None]
    if not fitted:
        return
    m = report.journey_map
    drivers = Table(title="What moves NPS in each segment (NPS points, one scale point better)",
                    title_justify="left")
    drivers.add_column("Node", overflow="fold")
    for s in fitted:
        drivers.add_column(esc(s.value), justify="right", no_wrap=True)
    effects = {s.value: {e.node: e for e in s.result.node_effects}
               for s in fitted if s.result is not None}
    for node in m.measured_nodes:
        if node.id == m.outcome:
            continue
        drivers.add_row(esc(node.display),
                        *[signed(effects[s.value][node.id].nps_points)
                          if node.id in effects[s.value] else "–" for s in fitted])
    console.print(drivers)


def segments_cmd(map_file: MapArg, data_file: DataArg, by: ByOpt,
                 json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                 min_responses: MinOpt = MIN_RESPONSES) -> None:
    """The map fitted per segment; small segments are shown as suppressed with their n."""
    with errors():
        from ..analysis.segments import segment_fits

        report = segment_fits(load_map(map_file), data_file, by, survey_type=survey_type,
                              min_responses=min_responses)
        if json_out:
            write_json(report.to_dict())
            return
        console = stdout()
        _print_segments(console, report)
        print_warnings(console, report.warnings)


def compare_cmd(map_file: MapArg, data_file: DataArg,
                a: Annotated[str, typer.Argument(help="First segment value.",
                                                 show_default=False)],
                b: Annotated[str, typer.Argument(help="Second segment value.",
                                                 show_default=False)],
                by: ByOpt, json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Compare two segments: NPS difference with its interval, and which drivers differ."""
    with errors():
        from rich.table import Table

        from ..analysis.segments import compare_segments, segment_fits

        report = segment_fits(load_map(map_file), data_file, by, survey_type=survey_type,
                              min_responses=min_responses)
        comp = compare_segments(report, a, b)
        if json_out:
            write_json(comp.to_dict())
            return
        console = stdout()
        for s in (comp.a, comp.b):
            console.print(f"{esc(s.value)}: NPS "
                          + nps_cell(math.nan if s.nps is None else s.nps.value,
                                      None if s.nps is None else s.nps.ci, s.n, s.suppressed)
                          + f" from {s.n:,} responses")
        if comp.difference is not None:
            d = comp.difference
            console.print(f"[bold]Difference {esc(comp.a.value)} − {esc(comp.b.value)}: "
                          f"{signed(d.value)} NPS points[/] (95 %: {ci(d.ci)})")
        if comp.note:
            console.print(esc(comp.note), soft_wrap=True)
        if len(comp.drivers):
            table = Table(title="Drivers (LTR points per scale point; roles: influence)",
                          title_justify="left")
            table.add_column("Node or role", overflow="fold")
            for col in (esc(comp.a.value), esc(comp.b.value), "difference (95 %)",
                        "differs"):
                table.add_column(col, justify="right", no_wrap=True)
            for row in comp.drivers.to_dict(orient="records"):
                label = row["label"] + (" (role)" if row["kind"] == "role" else "")
                table.add_row(esc(label), signed(row["a"], 2), signed(row["b"], 2),
                              f"{signed(row['difference'], 2)} "
                              f"({ci((row['ci_low'], row['ci_high']), 2)})",
                              "yes" if row["differs"] else "no")
            console.print(table)


def transactional_cmd(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
                      min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Transactional NPS per touchpoint (only the customers who had that contact)."""
    with errors():
        from rich.table import Table

        from ..analysis.segments import transactional_nps
        from ..jsonsafe import to_jsonable

        df = transactional_nps(load_map(map_file), data_file, min_responses=min_responses)
        if json_out:
            write_json(to_jsonable(df.to_dict(orient="records")))
            return
        console = stdout()
        table = Table(title="Transactional NPS per touchpoint — not the company's NPS",
                      title_justify="left")
        table.add_column("Touchpoint", overflow="fold")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        table.add_column("Speaks for", overflow="fold")
        for row in df.to_dict(orient="records"):
            table.add_row(esc(row["label"]),
                          nps_cell(row["nps"], (row["ci_low"], row["ci_high"]), row["n"],
                                    row["suppressed"]),
                          esc(row["label_note"]))
        console.print(table)


# ------------------------------------------------------------------------ trend
def trend_cmd(map_file: MapArg, data_file: DataArg, period: PeriodOpt = "month",
              date_column: DateOpt = "date", json_out: JsonOpt = False,
              survey_type: SurveyTypeOpt = None, min_responses: MinOpt = MIN_RESPONSES) -> None:
    """NPS per month or quarter with 95 % intervals."""
    with errors():
        from rich.table import Table

        from ..analysis.trend import nps_trend

        report = nps_trend(load_map(map_file), data_file, period=period,
                           date_column=date_column, survey_type=survey_type,
                           min_responses=min_responses)
        if json_out:
            write_json(report.to_dict())
            return
        console = stdout()
        table = Table(title=f"NPS per {period}", title_justify="left")
        table.add_column("Period")
        table.add_column("n", justify="right")
        table.add_column("NPS (95 %)", justify="right", no_wrap=True)
        for row in report.table.to_dict(orient="records"):
            table.add_row(row["period"], f"{row['n']:,}",
                          nps_cell(row["nps"], (row["ci_low"], row["ci_high"]), row["n"],
                                    row["suppressed"]))
        console.print(table)
        print_warnings(console, report.warnings)


def waterfall_cmd(map_file: MapArg, data_file: DataArg,
                  from_period: Annotated[str, typer.Argument(
                      metavar="FROM", help="Earlier period (2026-01 or 2026-Q1).",
                      show_default=False)],
                  to_period: Annotated[str, typer.Argument(
                      metavar="TO", help="Later period.", show_default=False)],
                  period: PeriodOpt = "month", date_column: DateOpt = "date",
                  json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                  min_responses: MinOpt = MIN_RESPONSES) -> None:
    """Split the NPS change between two periods into drivers and an unexplained rest."""
    with errors():
        from rich.table import Table

        from ..analysis.trend import nps_waterfall

        w = nps_waterfall(load_map(map_file), data_file, from_period, to_period,
                          period=period, date_column=date_column, survey_type=survey_type,
                          min_responses=min_responses)
        if json_out:
            write_json(w.to_dict())
            return
        console = stdout()
        console.print(f"NPS {w.from_period} {signed(w.nps_from.value)} ({ci(w.nps_from.ci)}, "
                      f"n = {w.nps_from.n:,}) → {w.to_period} {signed(w.nps_to.value)} "
                      f"({ci(w.nps_to.ci)}, n = {w.nps_to.n:,}): [bold]change "
                      f"{signed(w.change)}[/] NPS points (95 %: {ci(w.change_ci)}).")
        if w.change_ci[0] <= 0 <= w.change_ci[1]:
            console.print("The interval of the change contains 0: it may be noise, and so "
                          "may the bars that split it.")
        table = Table(title="Where the change came from (effects fitted on both periods)",
                      title_justify="left")
        table.add_column("Node", overflow="fold")
        for col in ("mean from → to", "own change", "LTR per point", "NPS points"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in w.bars.to_dict(orient="records"):
            table.add_row(esc(row["label"]),
                          f"{fixed(row['mean_from'])} → {fixed(row['mean_to'])}",
                          signed(row["own_change"], 3), signed(row["total"], 2),
                          signed(row["nps_points"], 2))
        table.add_row("Unexplained rest", "", "", "", signed(w.unexplained, 2))
        table.add_row("[bold]Observed change[/]", "", "", "", signed(w.change, 2))
        console.print(table)
        print_warnings(console, w.warnings)
