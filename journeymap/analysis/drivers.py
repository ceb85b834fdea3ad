"""Driver table: every measured node's effect on LTR and on NPS."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..engines import FitResult

__all__ = ["drivers"]


def drivers(result: FitResult) -> pd.DataFrame:
    """Every measured node's direct, indirect and total effect, sorted by NPS points.

    Columns: ``node``, ``label``, ``kind``, ``stage``, ``direct``, ``indirect``,
    ``total`` (LTR points per scale point of the node), ``total_ci_low/high`` (95 %),
    ``nps_points`` (NPS points when everyone below the top moves up one scale point,
    docs/method.md, "NPS points") with ``nps_points_ci_low/high``, ``mean`` (the node's
    average score), ``n`` (respondents who rated it; NaN for results of engines that do not
    report them), ``thin_share`` and ``not_estimable`` (bayesnet: docs/method.md, "9.8 Sparse
    data"; a not-estimable node's numbers are NaN and it sorts last), and
    ``direct_ci_low/high``, ``indirect_ci_low/high`` (95 %; NaN in results written before
    they existed).
    """
    m = result.journey_map
    df = result.effects.copy()
    df.insert(1, "label", [m.node(n).display for n in df["node"]])
    df.insert(2, "kind", [m.node(n).kind for n in df["node"]])
    df.insert(3, "stage", [m.node(n).stage for n in df["node"]])
    df["mean"] = df["mean"].astype(float)
    df["n"] = df["n"].astype(float)
    order = np.argsort(-np.abs(df["nps_points"].to_numpy(dtype=float)), kind="stable")
    return df.iloc[order].reset_index(drop=True)
