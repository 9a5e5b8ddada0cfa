"""pytest set-up: hypothesis profiles (`ci` has no deadline) and shared fixtures."""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# The generator of the engine's code lives outside the package, in tools/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

settings.register_profile("ci", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=50)
# make mutate: failing examples of a mutant must not land in the normal runs' database.
settings.register_profile("mutate", deadline=None, database=None, max_examples=50,
                          derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
