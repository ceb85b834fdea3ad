"""``fit``, ``drivers``, ``influence`` and ``what-if``: a map fitted to survey data.

Formatting only: every number comes from the library's analyses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..exceptions import JourneymapError
from ..formatting import ci, signed
from ..limits import MAX_CHUNK_ROWS
from ..outputs import refuse_inputs
from ._console import errors, esc, print_warnings, stdout, write_json
from ._options import (
    MIN_RESPONSES,
    BinsOpt,
    BootstrapOpt,
    DataArg,
    DrawsOpt,
    EngineOpt,
    EssOpt,
    JsonOpt,
    LangOpt,
    LtrStatesOpt,
    MapArg,
    MinOpt,
    RoleArg,
    SeedOpt,
    SeOpt,
    SurveyTypeOpt,
)
from ._run import CHUNK_ROWS, DateWindow, bayes_options, fit_map, load_map
from ._tables import (
    print_alphas,
    print_drivers,
    print_engine,
    print_influence,
    print_intervals,
    print_nps,
    print_roles,
)

if TYPE_CHECKING:
    from ..analysis.trend import Window

__all__ = ["drivers", "fit_cmd", "influence", "what_if_cmd", "window_line"]


def window_line(w: Window) -> str:
    """One line saying which responses a window fit read (to reproduce it: the dates)."""
    rule = f"{w.rule}, " if w.rule else ""
    first = w.start.isoformat() if w.start else "the first date"
    last = w.end.isoformat() if w.end else "the last date"
    return (f"Responses dated {first} to {last} ({rule}column {esc(w.date_column)}): "
            f"{w.n_rows:,} rows.")


def fit_cmd(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
            output: Annotated[Path | None, typer.Option(
                "-o", "--output", help="Also write the result JSON to this file.")] = None,
            survey_type: SurveyTypeOpt = None, min_responses: MinOpt = MIN_RESPONSES,
            engine: EngineOpt = "linear",
            stream: Annotated[bool | None, typer.Option(
                "--stream/--in-memory", help="Read the data in chunks (flat memory; default: "
                "only for CSV/Parquet files over 256 MB).", show_default=False)] = None,
            chunk_rows: Annotated[int, typer.Option(
                "--chunk-rows", help="Rows per chunk when streaming.", min=1000,
                max=MAX_CHUNK_ROWS)] = CHUNK_ROWS,
            sql: Annotated[str | None, typer.Option(
                "--sql", help="DuckDB query giving one row per response; DATA is then a DuckDB "
                "database file or ':memory:'.")] = None,
            bootstrap: BootstrapOpt = 0, seed: SeedOpt = 0, se: SeOpt = None,
            bins: BinsOpt = None, ess: EssOpt = None, ltr_states: LtrStatesOpt = None,
            draws: DrawsOpt = None,
            from_: Annotated[str | None, typer.Option(
                "--from", help="Fit only responses dated from this day (2026-02-01).",
                show_default=False)] = None,
            to: Annotated[str | None, typer.Option(
                "--to", help="Fit only responses dated up to this day (included).",
                show_default=False)] = None,
            window: Annotated[str | None, typer.Option(
                "--window", help="Fit only the last-N-days or last-N-months up to the newest "
                "response date (last-90-days).", show_default=False)] = None,
            date_column: Annotated[str | None, typer.Option(
                "--date-column", help="Column with the response date for --from/--to/--window "
                "(default: the map's date column).", show_default=False)] = None) -> None:
    """Fit the map to survey data: NPS, drivers, and each role's influence."""
    with errors():
        refuse_inputs(output, map_file, data_file)
        dates = DateWindow(from_, to, window, date_column)
        if date_column is not None and not dates:
            raise JourneymapError("--date-column names the column of --from, --to or "
                                  "--window; give one of them.")
        used: list[Window] = []
        result = fit_map(map_file, data_file, survey_type, min_responses, engine,
                         stream=stream, chunk_rows=chunk_rows, sql=sql, quiet=json_out,
                         bootstrap=bootstrap, se=se, seed=seed,
                         engine_options=bayes_options(engine, bins, ess, ltr_states, draws),
                         window=dates, on_window=used.append)
        if output is not None:
            result.to_json(output)
        if json_out:
            write_json(result.to_dict())
            return
        console = stdout()
        for w in used:
            console.print(window_line(w))
        print_nps(console, result)
        print_engine(console, result)
        print_drivers(console, result)
        print_roles(console, result)
        print_alphas(console, result.journey_map, result.alphas)
        print_intervals(console, result)
        print_warnings(console, result.warnings)
        if output is not None:
            console.print(f"Result written to {esc(output)}.")


def drivers(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
            survey_type: SurveyTypeOpt = None, min_responses: MinOpt = MIN_RESPONSES,
            engine: EngineOpt = "linear", bins: BinsOpt = None, ess: EssOpt = None,
            ltr_states: LtrStatesOpt = None, draws: DrawsOpt = None, se: SeOpt = None,
            bootstrap: BootstrapOpt = 0, seed: SeedOpt = 0) -> None:
    """Every node's effect on the recommend score and on NPS, largest first."""
    with errors():
        from ..analysis import drivers as drivers_table

        result = fit_map(map_file, data_file, survey_type, min_responses, engine,
                         engine_options=bayes_options(engine, bins, ess, ltr_states, draws),
                         se=se, bootstrap=bootstrap, seed=seed)
        if json_out:
            from ..jsonsafe import to_jsonable

            # Full double precision (docs/result-schema.md); DataFrame.to_json would round
            # to 15 places.
            write_json(to_jsonable(drivers_table(result).to_dict(orient="records")))
            return
        console = stdout()
        print_nps(console, result)
        print_drivers(console, result)
        print_intervals(console, result)
        print_warnings(console, result.warnings)


def influence(role: RoleArg, map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
              survey_type: SurveyTypeOpt = None, min_responses: MinOpt = MIN_RESPONSES,
              engine: EngineOpt = "linear", lang: LangOpt = None, bins: BinsOpt = None,
              ess: EssOpt = None, ltr_states: LtrStatesOpt = None,
              draws: DrawsOpt = None, se: SeOpt = None, bootstrap: BootstrapOpt = 0,
              seed: SeedOpt = 0) -> None:
    """My influence: a role's routes to NPS, in NPS points, in plain words."""
    with errors():
        from ..analysis import role_influence
        from ..i18n import check_language, use_language

        lang = None if lang is None else check_language(lang)

        result = fit_map(map_file, data_file, survey_type, min_responses, engine,
                         engine_options=bayes_options(engine, bins, ess, ltr_states, draws),
                         se=se, bootstrap=bootstrap, seed=seed)
        if json_out:
            write_json(role_influence(result, role).to_dict())
            return
        with use_language(lang):
            print_influence(stdout(), result, role)


def what_if_cmd(map_file: MapArg, data_file: DataArg,
                shift: Annotated[list[str], typer.Option(
                    "--shift", help="node=+1 (repeatable): move a node or role by this many "
                    "scale points.")],
                json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                min_responses: MinOpt = MIN_RESPONSES, engine: EngineOpt = "linear",
                bins: BinsOpt = None, ess: EssOpt = None, ltr_states: LtrStatesOpt = None,
                draws: DrawsOpt = None, se: SeOpt = None, bootstrap: BootstrapOpt = 0,
                seed: SeedOpt = 0) -> None:
    """Predict mean LTR and NPS if some touchpoints (or roles) did better."""
    with errors():
        from ..analysis import parse_shift, what_if

        shifts = dict(parse_shift(s) for s in shift)
        m = load_map(map_file)
        for node in shifts:
            m.node(node)  # unknown ids fail before any data are read
        result = fit_map(map_file, data_file, survey_type, min_responses, engine,
                         engine_options=bayes_options(engine, bins, ess, ltr_states, draws),
                         se=se, bootstrap=bootstrap, seed=seed)
        w = what_if(result, shifts)
        if json_out:
            write_json(w.to_dict())
            return
        console = stdout()
        moved = esc(", ".join(f"{m.node(k).display} {signed(v, 2)}"
                              for k, v in shifts.items()))
        console.print(f"If {moved}:")
        console.print(f"  NPS would go from {signed(w.nps)} to [bold]"
                      f"{signed(w.predicted_nps)}[/] (95 %: {ci(w.predicted_nps_ci)}): "
                      f"change {signed(w.change)} NPS points (95 %: {ci(w.change_ci)})")
        console.print(f"  mean recommend score {w.mean_ltr:.2f} → {w.predicted_mean_ltr:.2f} "
                      f"(n = {w.n:,})")
        for warning in w.warnings:
            console.print(f"  warning: {esc(warning)}", soft_wrap=True)
