"""``demo``: fit the bundled example and write its map, data, result, drawings and card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import RenderError
from ..outputs import write_atomic
from ._console import errors, esc, print_warnings, stdout
from ._run import load_map
from ._tables import print_drivers, print_nps, print_roles

__all__ = ["demo"]


def demo(out: Annotated[Path, typer.Option(
        "--out", help="Folder for the example map, data and result.")] = Path("journeymap-demo"),
         ) -> None:
    """Fit the bundled B2B kitchen-equipment example and show drivers and roles."""
    with errors():
        from ..analysis import explain_role
        from ..datasets import write_example
        from ..engines import fit
        from ..render import role_card, write

        out.mkdir(parents=True, exist_ok=True)
        map_path, data_path = write_example(out)
        result = fit(load_map(map_path), data_path)
        result.to_json(out / "result.json")
        console = stdout()
        console.print(f"Example journey: {esc(result.journey_map.name)}")
        console.print(f"Map {esc(map_path)}, data {esc(data_path)}")
        print_nps(console, result)
        print_drivers(console, result)
        print_roles(console, result)
        for rec in sorted(result.role_effects, key=lambda r: (
                result.journey_map.node(r.role).display.casefold(), r.role)):
            console.print(f"\n[bold]{esc(result.journey_map.node(rec.role).display)}[/]")
            console.print(esc(explain_role(result, rec.role)), soft_wrap=True)
        print_warnings(console, result.warnings)
        console.print(f"\nResult JSON written to {esc(out / 'result.json')}.")
        top = max(result.role_effects, key=lambda r: abs(r.nps_points)).role
        try:
            written = [write(out / "map.svg", result.journey_map, result),
                       write(out / "map.png", result.journey_map, result),
                       write(out / f"map_{top}.svg", result.journey_map, result, role=top)]
            card_path = out / f"card_{top}.html"
            write_atomic(card_path, role_card(result, top))
            written.append(card_path)
        except RenderError as exc:
            console.print(f"[yellow]warning:[/] {esc(exc)}", soft_wrap=True)
        else:
            console.print("Rendered map and the role card of "
                          f"{esc(result.journey_map.node(top).display)}:")
            for path in written:
                console.print(f"  {esc(path)}")
