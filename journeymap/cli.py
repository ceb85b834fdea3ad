"""The ``journeymap`` command line: validate, fit, drivers, influence, what-if, demo.

Formatting only: every number comes from the library's analyses.  Exit codes:
0 ok, 2 bad input (one clear message on stderr, no traceback), 1 internal error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from .engines import FitResult
    from .model import JourneyMap

app = typer.Typer(
    name="journeymap", add_completion=False, pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Draw the customer journey as a cause-and-effect map, fit it to survey data, and "
         "show each role its direct and indirect influence on NPS.")

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1

MapArg = Annotated[Path, typer.Argument(help="Journey map file (YAML or JSON).",
                                        show_default=False)]
DataArg = Annotated[Path, typer.Argument(help="Survey data (CSV, Parquet or Excel).",
                                         show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]
SurveyTypeOpt = Annotated[str | None, typer.Option(
    "--survey-type", help="relational or transactional (required when the data hold both).")]
MinOpt = Annotated[int, typer.Option(
    "--min-responses", help="Fewest responses for any figure (never below 10).")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Engine name.")]


def _stdout() -> Console:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # files and pipes get room for the tables
        console = Console(highlight=False, width=160)
    return console


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _esc(text: object) -> str:
    """User text (labels, paths, messages) made safe for rich markup: ``[a, b]`` stays."""
    from rich.markup import escape

    return escape(str(text))


@contextmanager
def _errors() -> Iterator[None]:
    """Turn library errors into one message and exit code 2; anything else into 1."""
    from .exceptions import JourneymapError

    try:
        yield
    except typer.Exit:
        raise
    except JourneymapError as exc:
        _stderr().print(f"[bold red]error:[/] {_esc(exc)}", markup=True, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as exc:  # a file or folder the user named cannot be read or written
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        _stderr().print(f"[bold red]error:[/] {_esc(what)}.", markup=True, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # an internal error: say so, without a traceback
        _stderr().print(f"internal error ({type(exc).__name__}: {exc}). This is a bug in "
                        "journeymap; please report it with the command you ran.",
                        markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERNAL) from None


def _load_map(path: Path) -> JourneyMap:
    from .model import JourneyMap

    return JourneyMap.from_yaml(path)


CHUNK_ROWS = 50_000  # journeymap.sources.DEFAULT_CHUNK_ROWS, without importing pandas here


def _fit(map_path: Path, data_path: Path | None, survey_type: str | None, min_responses: int,
         engine: str, *, stream: bool | None = False, chunk_rows: int = CHUNK_ROWS,
         sql: str | None = None, quiet: bool = False, bootstrap: int = 0) -> FitResult:
    """Fit in memory, or chunk by chunk (``--stream``, ``--sql``, or files over 256 MB)."""
    from .engines import fit

    m = _load_map(map_path)
    big = data_path is not None and data_path.exists() and \
        data_path.stat().st_size > STREAM_ABOVE_BYTES and \
        data_path.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq")
    if stream or sql is not None or (stream is None and big):
        if engine != "linear":
            from .exceptions import JourneymapError

            raise JourneymapError(f"streaming fits use the linear engine, not '{engine}'.")
        from .sources import fit_stream

        with _progress(quiet) as progress:
            return fit_stream(m, data_path, survey_type=survey_type, chunk_rows=chunk_rows,
                              progress=progress, query=sql, min_responses=min_responses,
                              **({"bootstrap": bootstrap} if bootstrap else {}))
    if data_path is None:
        from .exceptions import JourneymapError

        raise JourneymapError("give a data file (or a DuckDB query with --sql).")
    return fit(m, data_path, engine=engine, survey_type=survey_type,
               min_responses=min_responses, **({"bootstrap": bootstrap} if bootstrap else {}))


STREAM_ABOVE_BYTES = 256 * 2**20


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """A Rich progress bar on stderr (rows read, rate, time left) when it is a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("reading responses"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("read", total=None, rate="")
        import time

        start = time.perf_counter()

        def update(rows: int, total: int | None) -> None:
            rate = rows / max(time.perf_counter() - start, 1e-9)
            bar.update(task, completed=rows, total=total, rate=f"{rate:,.0f} rows/s")

        yield update


def _signed(x: Any, digits: int = 1) -> str:
    if x is None or x != x:
        return "–"
    return f"{x:+.{digits}f}".replace("-", "−")


def _ci(ci: Any, digits: int = 1) -> str:
    if ci is None:
        return ""
    return f"{_signed(ci[0], digits)} to {_signed(ci[1], digits)}"


def _write_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


# --------------------------------------------------------------------- printers
def _print_nps(console: Console, result: FitResult) -> None:
    s = result.nps
    console.print(f"[bold]NPS {_signed(s.value)}[/] (95 %: {_ci(s.ci)}) from {s.n:,} responses: "
                  f"{s.promoters:,} promoters, {s.passives:,} passives, {s.detractors:,} "
                  "detractors.")


def _print_drivers(console: Console, result: FitResult) -> None:
    from rich.table import Table

    from .analysis import drivers

    df = drivers(result)
    table = Table(title="What moves the recommend score (one scale point better for everyone "
                  "below the top)", title_justify="left")
    table.add_column("Node", overflow="fold")
    per_point = "LTR per point" if result.engine == "linear" else "NPS pts per state"
    for col in ("NPS points (95 %)", per_point, "direct", "indirect", "mean", "n"):
        table.add_column(col, justify="right", no_wrap=True)
    for row in df.to_dict(orient="records"):
        mean, n = float(row["mean"]), float(row["n"])
        table.add_row(_esc(row["label"]),
                      f"{_signed(row['nps_points'])} ({_signed(row['nps_points_ci_low'])} to "
                      f"{_signed(row['nps_points_ci_high'])})",
                      _signed(row["total"], 2), _signed(row["direct"], 2),
                      _signed(row["indirect"], 2), "–" if mean != mean else f"{mean:.2f}",
                      "–" if n != n else f"{int(n):,}")
    console.print(table)


def _print_roles(console: Console, result: FitResult) -> None:
    from rich.table import Table

    m = result.journey_map
    table = Table(title="Each role's influence (one point better on everything it acts on)",
                  title_justify="left")
    table.add_column("Role")
    for col in ("NPS points (95 %)",
                "LTR points" if result.engine == "linear" else "effect (NPS pts)", "direct"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Biggest route", overflow="fold")
    records = sorted(result.role_records, key=lambda r: -abs(r["nps_points"]))
    for rec in records:
        top = rec["paths"][0] if rec["paths"] else None
        route = " → ".join(m.node(n).display for n in top["nodes"]) if top else "no path to NPS"
        route = _esc(route)
        share = rec["direct"] / rec["influence"] if rec["influence"] else float("nan")
        table.add_row(_esc(m.node(rec["role"]).display),
                      f"{_signed(rec['nps_points'])} ({_ci(rec['nps_points_ci'])})",
                      _signed(rec["influence"], 2),
                      "–" if share != share else f"{share:.0%}", route)
    console.print(table)


def _print_warnings(console: Console, result: FitResult) -> None:
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {_esc(w)}", soft_wrap=True)


def _print_influence(console: Console, result: FitResult, role: str) -> None:
    from rich.table import Table

    from .analysis import explain_role, role_influence

    inf = role_influence(result, role)
    console.print(f"[bold]{_esc(inf.label)}[/]")
    console.print(_esc(explain_role(result, role)), soft_wrap=True)
    table = Table(title="Every route to NPS", title_justify="left")
    table.add_column("Route", overflow="fold")
    table.add_column("NPS points", justify="right", no_wrap=True)
    table.add_column("LTR points", justify="right", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    for row in inf.paths.to_dict(orient="records"):
        table.add_row(_esc(row["route"]), _signed(row["nps_points"]), _signed(row["effect"], 3),
                      "direct" if row["direct"] else "indirect")
    console.print(table)


# --------------------------------------------------------------------- commands
@app.command()
def validate(map_file: MapArg) -> None:
    """Check a map file and list its problems with the line to fix."""
    with _errors():
        m = _load_map(map_file)
        console = _stdout()
        kinds = {k: sum(1 for n in m.nodes if n.kind == k)
                 for k in ("role", "touchpoint", "factor", "outcome")}
        parts = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in kinds.items())
        console.print(f"[green]ok[/] {_esc(map_file)}: {len(m.nodes)} nodes ({parts}), "
                      f"{len(m.edges)} edges.")
        for w in m.warnings:
            console.print(f"[yellow]warning:[/] {_esc(w)}", soft_wrap=True)


@app.command("fit")
def fit_cmd(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
            output: Annotated[Path | None, typer.Option(
                "-o", "--output", help="Also write the result JSON to this file.")] = None,
            survey_type: SurveyTypeOpt = None, min_responses: MinOpt = 30,
            engine: EngineOpt = "linear",
            stream: Annotated[bool | None, typer.Option(
                "--stream/--in-memory", help="Read the data in chunks (flat memory; default: "
                "only for CSV/Parquet files over 256 MB).", show_default=False)] = None,
            chunk_rows: Annotated[int, typer.Option(
                "--chunk-rows", help="Rows per chunk when streaming.", min=1000)] = CHUNK_ROWS,
            sql: Annotated[str | None, typer.Option(
                "--sql", help="DuckDB query giving one row per response; DATA is then a DuckDB "
                "database file or ':memory:'.")] = None,
            bootstrap: Annotated[int, typer.Option(
                "--bootstrap", help="Bootstrap replicates for the intervals of totals and role "
                "influence (0: delta method).", min=0)] = 0) -> None:
    """Fit the map to survey data: NPS, drivers, and each role's influence."""
    with _errors():
        result = _fit(map_file, data_file, survey_type, min_responses, engine,
                      stream=stream, chunk_rows=chunk_rows, sql=sql, quiet=json_out,
                      bootstrap=bootstrap)
        if output is not None:
            result.to_json(output)
        if json_out:
            _write_json(result.to_dict())
            return
        console = _stdout()
        _print_nps(console, result)
        _print_drivers(console, result)
        _print_roles(console, result)
        _print_warnings(console, result)
        if output is not None:
            console.print(f"Result written to {_esc(output)}.")


@app.command()
def drivers(map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
            survey_type: SurveyTypeOpt = None, min_responses: MinOpt = 30,
            engine: EngineOpt = "linear") -> None:
    """Every node's effect on the recommend score and on NPS, largest first."""
    with _errors():
        from .analysis import drivers as drivers_table

        result = _fit(map_file, data_file, survey_type, min_responses, engine)
        if json_out:
            from .jsonsafe import to_jsonable

            # Full double precision (DESIGN §6); DataFrame.to_json would round to 15 places.
            _write_json(to_jsonable(drivers_table(result).to_dict(orient="records")))
            return
        console = _stdout()
        _print_nps(console, result)
        _print_drivers(console, result)
        _print_warnings(console, result)


@app.command()
def influence(role: Annotated[str, typer.Argument(help="Role id, e.g. installer.")],
              map_file: MapArg, data_file: DataArg, json_out: JsonOpt = False,
              survey_type: SurveyTypeOpt = None, min_responses: MinOpt = 30,
              engine: EngineOpt = "linear") -> None:
    """My influence: a role's routes to NPS, in NPS points, in plain words."""
    with _errors():
        from .analysis import role_influence

        result = _fit(map_file, data_file, survey_type, min_responses, engine)
        if json_out:
            rec = role_influence(result, role).to_dict()
            _write_json(rec)
            return
        _print_influence(_stdout(), result, role)


@app.command("what-if")
def what_if_cmd(map_file: MapArg, data_file: DataArg,
                shift: Annotated[list[str], typer.Option(
                    "--shift", help="node=+1 (repeatable): move a node or role by this many "
                    "scale points.")],
                json_out: JsonOpt = False, survey_type: SurveyTypeOpt = None,
                min_responses: MinOpt = 30, engine: EngineOpt = "linear") -> None:
    """Predict mean LTR and NPS if some touchpoints (or roles) did better."""
    with _errors():
        from .analysis import parse_shift, what_if

        shifts = dict(parse_shift(s) for s in shift)
        m = _load_map(map_file)
        for node in shifts:
            m.node(node)  # unknown ids fail before any data are read
        result = _fit(map_file, data_file, survey_type, min_responses, engine)
        w = what_if(result, shifts)
        if json_out:
            _write_json(w.to_dict())
            return
        console = _stdout()
        moved = _esc(", ".join(f"{m.node(k).display} {_signed(v, 2)}"
                               for k, v in shifts.items()))
        console.print(f"If {moved}:")
        console.print(f"  NPS {_signed(w.nps)} → [bold]{_signed(w.predicted_nps)}[/] "
                      f"(change {_signed(w.change)}, 95 %: {_ci(w.change_ci)}; predicted NPS "
                      f"95 %: {_ci(w.predicted_nps_ci)})")
        console.print(f"  mean recommend score {w.mean_ltr:.2f} → {w.predicted_mean_ltr:.2f} "
                      f"(n = {w.n:,})")


@app.command()
def demo(out: Annotated[Path, typer.Option(
        "--out", help="Folder for the example map, data and result.")] = Path("journeymap-demo"),
         ) -> None:
    """Fit the bundled B2B kitchen-equipment example and show drivers and roles."""
    with _errors():
        from .datasets import write_example
        from .engines import fit
        from .exceptions import RenderError

        out.mkdir(parents=True, exist_ok=True)
        map_path, data_path = write_example(out)
        result = fit(_load_map(map_path), data_path)
        result.to_json(out / "result.json")
        console = _stdout()
        console.print(f"Example journey: {_esc(result.journey_map.name)}")
        console.print(f"Map {_esc(map_path)}, data {_esc(data_path)}")
        _print_nps(console, result)
        _print_drivers(console, result)
        _print_roles(console, result)
        from .analysis import explain_role

        for rec in sorted(result.role_records, key=lambda r: -abs(r["nps_points"])):
            console.print(f"\n[bold]{_esc(result.journey_map.node(rec['role']).display)}[/]")
            console.print(_esc(explain_role(result, rec["role"])), soft_wrap=True)
        _print_warnings(console, result)
        console.print(f"\nResult JSON written to {_esc(out / 'result.json')}.")
        from .render import role_card, write

        top = max(result.role_records, key=lambda r: abs(r["nps_points"]))["role"]
        try:
            written = [write(out / "map.svg", result.journey_map, result),
                       write(out / "map.png", result.journey_map, result),
                       write(out / f"map_{top}.svg", result.journey_map, result, role=top)]
            card_path = out / f"card_{top}.html"
            card_path.write_text(role_card(result, top), encoding="utf-8")
            written.append(card_path)
        except RenderError as exc:
            console.print(f"[yellow]warning:[/] {_esc(exc)}", soft_wrap=True)
        else:
            console.print("Rendered map and the role card of "
                          f"{_esc(result.journey_map.node(top).display)}:")
            for path in written:
                console.print(f"  {_esc(path)}")


# ------------------------------------------------------------ maps, cards, exports
def _result_for(map_file: Path, data_file: Path | None, result_file: Path | None,
                survey_type: str | None, min_responses: int, engine: str
                ) -> tuple[JourneyMap, FitResult | None]:
    """The map and, when data or a saved result are given, its fit (never both)."""
    from .exceptions import JourneymapError

    m = _load_map(map_file)
    if data_file is not None and result_file is not None:
        raise JourneymapError("give survey data or --result, not both.")
    if result_file is not None:
        from .results import read_result

        return m, read_result(result_file, m)
    if data_file is not None:
        return m, _fit(map_file, data_file, survey_type, min_responses, engine, quiet=True)
    return m, None


OptDataArg = Annotated[Path | None, typer.Argument(
    help="Survey data (CSV, Parquet or Excel); leave out to draw the structure only.",
    show_default=False)]
ResultOpt = Annotated[Path | None, typer.Option(
    "--result", help="A saved result (journeymap fit … -o result.json) instead of data.")]


@app.command("render")
def render_cmd(map_file: MapArg, data_file: OptDataArg = None,
               output: Annotated[Path, typer.Option(
                   "-o", "--output", help="map.svg, map.png, map.pdf or map.dot.")] = Path(
                       "map.svg"),
               result_file: ResultOpt = None,
               role: Annotated[str | None, typer.Option(
                   "--role", help="Highlight this role's routes to NPS.")] = None,
               lanes: Annotated[str, typer.Option(
                   "--lanes", help="Swimlanes by 'kind' (roles → touchpoints → factors → NPS) "
                   "or by journey 'stage'.")] = "kind",
               survey_type: SurveyTypeOpt = None, min_responses: MinOpt = 30,
               engine: EngineOpt = "linear") -> None:
    """Draw the journey map (with effects when data or a result are given)."""
    with _errors():
        from .render import write

        m, result = _result_for(map_file, data_file, result_file, survey_type, min_responses,
                                engine)
        path = write(output, m, result, role=role, lanes=lanes, min_responses=min_responses)
        _stdout().print(f"Map written to {_esc(path)}.")


@app.command()
def card(role: Annotated[str, typer.Argument(help="Role id, e.g. installer.")],
         map_file: MapArg, data_file: OptDataArg = None,
         output: Annotated[Path, typer.Option(
             "-o", "--output", help="card.html (self-contained page) or card.md.")] = Path(
                 "card.html"),
         result_file: ResultOpt = None, survey_type: SurveyTypeOpt = None,
         min_responses: MinOpt = 30, engine: EngineOpt = "linear") -> None:
    """The "my influence" card of a role: its routes to NPS in plain words."""
    with _errors():
        from .exceptions import JourneymapError
        from .render import role_card, write

        m, result = _result_for(map_file, data_file, result_file, survey_type, min_responses,
                                engine)
        if result is None:
            raise JourneymapError("a card needs survey data or --result with a saved fit.")
        suffix = output.suffix.lower()
        if suffix not in (".html", ".htm", ".md"):
            raise JourneymapError(f"cannot tell the card format of '{output}'; use .html or "
                                  ".md.")
        if suffix == ".md":
            image = output.with_suffix(".svg")
            text = role_card(result, role, format="md", min_responses=min_responses,
                             image=image.name)
            write(image, m, result, role=role, min_responses=min_responses)
        else:
            text = role_card(result, role, format="html", min_responses=min_responses)
        output.write_text(text, encoding="utf-8")
        _stdout().print(f"Card written to {_esc(output)}.")


@app.command()
def export(map_file: MapArg,
           fmt: Annotated[str, typer.Option(
               "--format", "-f", help="lavaan, dagitty, dot or json.")] = "lavaan",
           output: Annotated[Path | None, typer.Option(
               "-o", "--output", help="Write to this file instead of stdout.")] = None) -> None:
    """Export the map for other tools: lavaan/semopy, DAGitty, DOT, JSON."""
    with _errors():
        from .render.export import export as export_map

        text = export_map(_load_map(map_file), fmt)
        if output is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            output.write_text(text, encoding="utf-8")
            _stdout().print(f"Export written to {_esc(output)}.")


def _load_plugins() -> None:
    """Commands of installed add-ons (entry-point group ``journeymap.cli``), e.g. the
    HTTP service's ``serve`` and ``admin``.  The library never imports them by name."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="journeymap.cli"):
        try:
            register = ep.load()
        except ImportError:  # the add-on's optional dependencies are not installed
            continue
        register(app)


from ._cli_cx import register as _register_cx  # noqa: E402

_register_cx(app)
from ._cli_check import register as _register_check  # noqa: E402

_register_check(app)
_load_plugins()


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
