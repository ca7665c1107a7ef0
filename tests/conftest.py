"""Hypothesis profiles for the differential suite.

Strategies and comparison helpers live in `helpers.py` (importable from every test file);
this file only sets how hard hypothesis searches:

- `default`: modest example counts so the whole suite stays within a few minutes on 2 cores;
- `ci` (chosen when the `CI` environment variable is set): the same, derandomized, with no
  example database, so a CI run is reproducible;
- `thorough`: many more examples, for a local bug hunt (`HYPOTHESIS_PROFILE=thorough`).
"""

import os

from hypothesis import HealthCheck, settings

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("default", max_examples=20, deadline=None, suppress_health_check=_RELAXED)
settings.register_profile(
    "ci", parent=settings.get_profile("default"), derandomize=True, database=None, print_blob=True
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=400)

settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)
