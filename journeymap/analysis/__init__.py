"""Analyses of a fitted map: drivers, role influence and paths, what-if scenarios.

All are free functions of a :class:`~journeymap.engines.FitResult`; front ends call
them and only format what they return.
"""

from .drivers import drivers
from .roles import RoleInfluence, explain_role, role_influence
from .whatif import WhatIf, parse_shift, what_if

__all__ = ["RoleInfluence", "WhatIf", "drivers", "explain_role", "parse_shift",
           "role_influence", "what_if"]
