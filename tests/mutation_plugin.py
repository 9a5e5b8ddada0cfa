"""pytest plugin for `make mutate`: breaks one derivative rule of the op table at start-up.

``AUTODIFF_MUTATION="<table>:<op>:<partial>:<how>"`` (table ``ops``, ``right`` or ``left``
for OPS, CONST_RIGHT_OPS, CONST_LEFT_OPS; how ``scale`` = ×1.001 or ``flip`` = ×−1).
Loaded with ``-p mutation_plugin`` by tests/mutate.py; never part of the normal run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import settings

FACTORS = {"scale": 1.001, "flip": -1.0}


def mutated(rule: Callable[..., Any], factor: float) -> Callable[..., Any]:
    """The rule with its result multiplied by factor (works on floats and on Values)."""
    def wrong(*args: Any) -> Any:
        return rule(*args) * factor
    return wrong


def apply(spec: str) -> None:
    """Replace one partial of one Op object in place (Op is frozen: set it on the object)."""
    from autodiff.ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, OPS

    table, name, index, how = spec.split(":")
    op = {"ops": OPS, "right": CONST_RIGHT_OPS, "left": CONST_LEFT_OPS}[table][name]
    partials = list(op.partials)
    partials[int(index)] = mutated(partials[int(index)], FACTORS[how])
    object.__setattr__(op, "partials", tuple(partials))


def pytest_configure(config: Any) -> None:
    spec = os.environ.get("AUTODIFF_MUTATION", "")
    # Failing examples of a mutant must not land in the example database of normal runs.
    settings.register_profile("mutate", deadline=None, database=None, max_examples=50,
                              derandomize=True)
    settings.load_profile("mutate")
    if spec:
        apply(spec)
