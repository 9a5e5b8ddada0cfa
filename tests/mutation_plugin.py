"""pytest plugin for `make mutate`: breaks one derivative rule of the op table at start-up.

``AUTODIFF_MUTATION="<table>:<op>:<partial>:<how>"`` (table ``ops``, ``right`` or ``left``
for OPS, CONST_RIGHT_OPS, CONST_LEFT_OPS; how ``scale`` = ×1.001 or ``flip`` = ×−1).
Loaded with ``-p mutation_plugin`` by tests/mutate.py; never part of the normal run.

The rule is replaced *before* the rest of the package is imported (``autodiff.ops`` runs
first, then the package's ``__init__``), so anything the engine derives from the table at
import time — per-op plans, constant partials, generated code — sees the broken rule too.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from hypothesis import settings

FACTORS = {"scale": 1.001, "flip": -1.0}


def mutated(rule: Callable[..., Any], factor: float) -> Callable[..., Any]:
    """The rule with its result multiplied by factor (works on floats and on Values)."""
    def wrong(*args: Any) -> Any:
        return rule(*args) * factor
    return wrong


def apply(ops_module: Any, spec: str) -> None:
    """Replace one partial of one Op object (Op is frozen: set it on the object)."""
    table, name, index, how = spec.split(":")
    tables = {"ops": ops_module.OPS, "right": ops_module.CONST_RIGHT_OPS,
              "left": ops_module.CONST_LEFT_OPS}
    op = tables[table][name]
    partials = list(op.partials)
    partials[int(index)] = mutated(partials[int(index)], FACTORS[how])
    object.__setattr__(op, "partials", tuple(partials))


def import_mutated(spec: str) -> None:
    """Import autodiff with ``spec`` applied between ops.py and everything else."""
    if "autodiff" in sys.modules:
        raise RuntimeError("mutation_plugin must be loaded before autodiff is imported")
    package_spec = importlib.util.find_spec("autodiff")
    package = importlib.util.module_from_spec(package_spec)
    sys.modules["autodiff"] = package  # its __init__ has not run yet
    apply(importlib.import_module("autodiff.ops"), spec)
    package_spec.loader.exec_module(package)


if os.environ.get("AUTODIFF_MUTATION"):
    import_mutated(os.environ["AUTODIFF_MUTATION"])


def pytest_configure(config: Any) -> None:
    # Failing examples of a mutant must not land in the example database of normal runs.
    settings.register_profile("mutate", deadline=None, database=None, max_examples=50,
                              derandomize=True)
    settings.load_profile("mutate")
