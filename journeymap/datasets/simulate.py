"""Simulated survey data with a known truth, for tests, demos and coverage studies.

:func:`simulate` plants a linear structural model on the measured nodes of a journey
map and draws survey responses from it, so that every fitted number can be compared
with the value that generated the data. :func:`example_data` does this for the bundled
B2B kitchen-equipment map (:func:`example_map`), which ships inside the package.

The model, for each measured node ``j`` in topological order (units: ``j``'s scale points)::

    latent_j = c_j + Σ_p b_pj · u_p + e_j,    e_j ~ Normal(0, σ_j)

where ``p`` runs over ``j``'s measured parents and ``u_p`` is the value of ``p`` that
children see: the observed (rounded, clipped) rating, the mean of its answered items
for a composite, or the latent value when the respondent did not experience ``p``.
Because children depend on what is observed, OLS of an observed child on its observed
parents recovers ``b_pj`` exactly, up to the child's own rounding and clipping.
Unmeasured roles carry no data; their part of each node is in ``c_j`` and ``e_j``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..exceptions import UnknownNodeError
from ..model import JourneyMap, Node
from ..outputs import write_atomic

__all__ = [
    "EXAMPLE_MISSING",
    "Simulation",
    "example_data",
    "example_map",
    "simulate",
    "write_example",
]

Array = NDArray[np.float64]

_BASE_RANGE = 4.0  # a 1–5 scale; every default below is in points of such a scale
_ROOT_SD = 0.9  # sd of a node without measured parents
_NOISE_SD = 0.6  # structural noise sd of a node with measured parents
_ITEM_SD = 0.5  # extra noise of each item of a composite around the node's latent value
_OUTCOME_NOISE_SD = 1.4  # LTR points
_TARGET_SHARE = 0.7  # mean of a non-outcome node: low + 0.7 · (high − low)
# Latent LTR mean. Clipping at 10 brings the observed mean to about 7.9 and the NPS to
# about +20 (with symmetric noise an observed mean of 7.6 would give an NPS of only ≈ +8).
_OUTCOME_MEAN = 8.2
_COEF_RANGE = (0.15, 0.45)  # |b| in units of child range / parent range
_SEGMENTS = ("restaurant", "canteen", "hotel")
_SEGMENT_P = (0.5, 0.3, 0.2)
_FIRST_DAY = dt.date(2026, 1, 1)
_N_DAYS = (dt.date(2026, 6, 30) - _FIRST_DAY).days + 1

EXAMPLE_MISSING: dict[str, float] = {
    "installation": 0.35, "support": 0.55, "website": 0.25, "invoice": 0.10,
}
"""Share of respondents who did not experience each node of the example map (others 0)."""


@dataclass(frozen=True)
class Simulation:
    """Simulated responses and the truth that generated them.

    Attributes
    ----------
    data
        One row per response: ``response_id`` (1..n), ``date`` (ISO, 2026-01-01 to
        2026-06-30), ``customer_type`` (restaurant 0.5, canteen 0.3, hotel 0.2),
        ``survey_type`` (``"relational"``) and every data column of the map, in map order.
    truth
        ``coefficients`` ("src->dst" → b, child points per parent point, for every edge
        between measured nodes); ``intercepts`` (node → c, for a root node its mean);
        ``noise_sd`` (node → σ; for a root node the sd of its distribution);
        ``item_noise_sd`` (composite node → sd of each item around the latent value);
        ``total_effects`` (measured node → T, LTR points per node point, the outcome's
        own T = 1) and ``role_influence`` (unmeasured role → Σ_j share_j · T_j).
    """

    data: pd.DataFrame
    truth: dict[str, Any]


def _key(source: str, target: str) -> str:
    return f"{source}->{target}"


def _range(node: Node) -> float:
    assert node.scale is not None
    return node.scale[1] - node.scale[0]


def _discretize(x: Array, node: Node) -> Array:
    """Round to whole points and clip to the scale."""
    assert node.scale is not None
    return np.clip(np.rint(x), math.ceil(node.scale[0]), math.floor(node.scale[1]))


def _column(values: Array, absent: NDArray[np.bool_], integer: bool,
            maybe_missing: bool) -> pd.Series[Any]:
    """A data column: NaN / pd.NA where not experienced; int64 or Int64 when ``integer``."""
    out = np.where(absent, np.nan, values)
    if not integer:
        return pd.Series(out, dtype="float64")
    if maybe_missing:
        return pd.Series(pd.arrays.IntegerArray(values.astype(np.int64), absent.copy()))
    return pd.Series(values.astype(np.int64))


def _check_ids(m: JourneyMap, ids: Mapping[str, float], what: str) -> None:
    for node_id in ids:
        node = m.node_index.get(node_id)
        if node is None or not node.measured:
            known = ", ".join(n.id for n in m.measured_nodes)
            raise UnknownNodeError(f"{what} names '{node_id}', which is not a measured node of "
                                   f"the map; use one of {known}.")


def simulate(journey_map: JourneyMap, n: int, seed: int, *,
             coefficients: Mapping[str, float] | None = None,
             missing: Mapping[str, float] | None = None,
             discrete: bool = True,
             noise: Mapping[str, float] | None = None) -> Simulation:
    """Draw ``n`` survey responses from a linear model planted on ``journey_map``.

    Parameters
    ----------
    journey_map
        The map; its measured nodes become data columns (``column`` or ``items``).
    n
        Number of responses (rows), at least 1.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same data.
        Coefficients are drawn first, so they do not depend on ``n``.
    coefficients
        Planted ``b`` by ``"src->dst"`` (child points per parent point); edges not named
        get the default: ``|b| ~ Uniform(0.15, 0.45) · range_child / range_parent``,
        negative when the edge's ``expected`` is ``"-"``.
    missing
        Node id → probability that a respondent did not experience it (all its columns
        blank, independently of everything else: MCAR). Default none; never the outcome.
    discrete
        True: ratings rounded and clipped to their scale, stored as integers. False:
        continuous latent values (items = latent + item noise), for coverage studies.
    noise
        Node id → sd σ_j overriding the default: 0.6 points per 4 scale points of range
        (0.9 for a node without measured parents), 1.4 LTR points for the outcome.

    Returns
    -------
    Simulation
        The responses and the planted truth.
    """
    m = journey_map
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}.")
    missing = dict(missing or {})
    _check_ids(m, missing, "missing")
    _check_ids(m, noise or {}, "noise")
    for node_id, prob in missing.items():
        if node_id == m.outcome:
            raise ValueError(f"the outcome '{m.outcome}' cannot be missing in a simulation.")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"missing['{node_id}'] must be a probability in [0, 1]; got {prob}.")
    idx = m.node_index
    rng = np.random.default_rng(seed)
    measured = [i for i in m.topological_order if idx[i].measured]
    parents = {j: [p for p in m.parents(j) if idx[p].measured] for j in measured}

    coefs: dict[str, float] = {}
    for e in m.edges:
        if idx[e.source].measured and idx[e.target].measured:
            size = rng.uniform(*_COEF_RANGE) * _range(idx[e.target]) / _range(idx[e.source])
            coefs[_key(e.source, e.target)] = -size if e.expected == "-" else size
    for k, b in (coefficients or {}).items():
        if k not in coefs:
            raise UnknownNodeError(f"coefficients names '{k}', which is not an edge between "
                                   f"measured nodes; use one of {', '.join(coefs)}.")
        coefs[k] = float(b)

    intercepts: dict[str, float] = {}
    sds: dict[str, float] = {}
    item_sds: dict[str, float] = {}
    means: dict[str, float] = {}
    for j in measured:
        node = idx[j]
        assert node.scale is not None
        unit = _range(node) / _BASE_RANGE
        means[j] = (_OUTCOME_MEAN if j == m.outcome
                    else node.scale[0] + _TARGET_SHARE * _range(node))
        intercepts[j] = means[j] - sum(coefs[_key(p, j)] * means[p] for p in parents[j])
        sds[j] = (_OUTCOME_NOISE_SD if j == m.outcome
                  else (_NOISE_SD if parents[j] else _ROOT_SD) * unit)
        if node.items:
            item_sds[j] = _ITEM_SD * unit
    sds.update({k: float(v) for k, v in (noise or {}).items()})

    days = np.sort(rng.integers(0, _N_DAYS, size=n))
    frame: dict[str, Any] = {
        "response_id": np.arange(1, n + 1, dtype=np.int64),
        "date": [(_FIRST_DAY + dt.timedelta(days=int(d))).isoformat() for d in days],
        "customer_type": rng.choice(_SEGMENTS, size=n, p=_SEGMENT_P),
        "survey_type": ["relational"] * n,
    }
    used: dict[str, Array] = {}
    columns: dict[str, pd.Series[Any]] = {}
    for j in measured:
        node = idx[j]
        latent = intercepts[j] + rng.normal(0.0, sds[j], size=n)
        for p in parents[j]:
            latent = latent + coefs[_key(p, j)] * used[p]
        absent = rng.random(n) < missing.get(j, 0.0)
        maybe = missing.get(j, 0.0) > 0.0
        if node.items:
            items = [latent + rng.normal(0.0, item_sds[j], size=n) for _ in node.items]
            if discrete:
                items = [_discretize(x, node) for x in items]
            for name, x in zip(node.items, items, strict=True):
                columns[name] = _column(x, absent, discrete, maybe)
            observed = np.mean(items, axis=0)
        else:
            observed = _discretize(latent, node) if discrete else latent
            assert node.column is not None
            columns[node.column] = _column(observed, absent, discrete, maybe)
        used[j] = np.where(absent, latent, observed)
    for node in m.measured_nodes:
        for c in node.columns:
            frame[c] = columns[c]
    data = pd.DataFrame(frame)

    total = _total_effects(m, measured, coefs)
    truth: dict[str, Any] = {
        "coefficients": coefs, "intercepts": intercepts, "noise_sd": sds,
        "item_noise_sd": item_sds, "total_effects": total,
        "role_influence": _role_influence(m, total),
    }
    return Simulation(data=data, truth=truth)


def _total_effects(m: JourneyMap, measured: list[str],
                   coefs: Mapping[str, float]) -> dict[str, float]:
    """T = column ``outcome`` of ``(I − A)^-1``, with ``A[i, j] = b_ij`` (sum over paths)."""
    pos = {j: i for i, j in enumerate(measured)}
    A = np.zeros((len(measured), len(measured)))
    for k, b in coefs.items():
        src, dst = k.split("->")
        A[pos[src], pos[dst]] = b
    total = np.linalg.inv(np.eye(len(measured)) - A)[:, pos[m.outcome]]
    return {j: float(total[pos[j]]) for j in measured}


def _role_influence(m: JourneyMap, total: Mapping[str, float]) -> dict[str, float]:
    """Influence of each unmeasured role: ``Σ_j share_j · T_j`` (a role's T = its influence)."""
    out: dict[str, float] = {}
    for r in reversed(m.topological_order):
        node = m.node_index[r]
        if node.kind == "role" and not node.measured:
            out[r] = float(sum(s * (total[j] if j in total else out[j])
                               for j, s in m.role_shares(r).items()))
    return {r.id: out[r.id] for r in m.roles if r.id in out}


def _data_text(name: str) -> str:
    return resources.files("journeymap.datasets").joinpath("data", name).read_text("utf-8")


def example_map() -> JourneyMap:
    """The bundled B2B kitchen-equipment journey map (``kitchen_b2b.yaml``)."""
    return JourneyMap.from_text(_data_text("kitchen_b2b.yaml"), source="kitchen_b2b.yaml")


def example_data(n: int = 3000, seed: int = 2026) -> Simulation:
    """Simulated responses for :func:`example_map`, with :data:`EXAMPLE_MISSING` blanks."""
    return simulate(example_map(), n, seed, missing=EXAMPLE_MISSING)


def write_example(directory: str | Path) -> tuple[Path, Path]:
    """Write ``kitchen_b2b.yaml`` and ``kitchen_b2b.csv`` (from :func:`example_data`).

    Blank cells mean "not experienced"; integers are written without ``.0``.

    Returns
    -------
    tuple of Path
        The map file and the data file.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    yaml_path, csv_path = out / "kitchen_b2b.yaml", out / "kitchen_b2b.csv"
    write_atomic(yaml_path, _data_text("kitchen_b2b.yaml"))
    # Survey data written as data (pandas), not through csv_text: the example's cells
    # are numbers and plain ids, and neutralising text would change what is read back.
    write_atomic(csv_path, example_data().data.to_csv(index=False, lineterminator="\n"))
    return yaml_path, csv_path
