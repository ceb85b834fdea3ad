"""Simulated survey data with a known truth, and the bundled example journey.

>>> from journeymap.datasets import example_data, example_map
>>> sim = example_data(n=100)
>>> len(sim.data), example_map().outcome
(100, 'nps')
"""

from .simulate import (
    EXAMPLE_MISSING,
    Simulation,
    example_data,
    example_map,
    simulate,
    write_example,
)

__all__ = [
    "EXAMPLE_MISSING",
    "Simulation",
    "example_data",
    "example_map",
    "simulate",
    "write_example",
]
