"""Analyses of a fitted map: drivers, role influence and paths, what-if scenarios.

All are free functions of a :class:`~journeymap.engines.FitResult`; front ends call
them and only format what they return.
"""

from .drivers import drivers
from .roles import RoleInfluence, explain_role, role_influence
from .whatif import WhatIf, parse_shift, what_if

__all__ = ["RoleInfluence", "WhatIf", "drivers", "explain_role", "parse_shift",
           "role_influence", "what_if"]

# CX analyses: segments, trend and change, key drivers, follow-ups, value, power.
from .followups import Followups, followups
from .keydrivers import RelativeWeights, importance_performance, relative_weights
from .power import (
    PowerPlan,
    edge_power,
    edge_sample_size,
    inverse_square_root_n,
    nps_difference_sample_size,
    nps_sample_size,
    path_power,
    power_plan,
)
from .segments import (
    SegmentComparison,
    SegmentReport,
    compare_segments,
    nps_difference,
    segment_fits,
    transactional_nps,
)
from .trend import TrendReport, Waterfall, nps_trend, nps_waterfall
from .value import ValueAtStake, value_at_stake

__all__ += ["Followups", "PowerPlan", "RelativeWeights", "SegmentComparison", "SegmentReport",
            "TrendReport", "ValueAtStake", "Waterfall", "compare_segments", "edge_power",
            "edge_sample_size", "followups", "importance_performance",
            "inverse_square_root_n", "nps_difference", "nps_difference_sample_size",
            "nps_sample_size", "nps_trend", "nps_waterfall", "path_power", "power_plan",
            "relative_weights", "segment_fits", "transactional_nps", "value_at_stake"]

# Checking the map against the data: implications, beliefs, fit indices, suggestions.
from .check import CheckReport, check  # noqa: E402

__all__ += ["CheckReport", "check"]

# What customers said about a role's touchpoints: ratings, "not experienced", comments.
from .touchpoints import RoleTouchpoints, role_touchpoints  # noqa: E402

__all__ += ["RoleTouchpoints", "role_touchpoints"]
