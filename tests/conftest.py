"""Hypothesis profiles: ``ci`` when the ``CI`` environment variable is set, else ``dev``.

Tests that set ``max_examples`` themselves keep their own; the others (the CI oracle's
random fault timelines) run 100 examples in CI and 20 on a developer's machine. CI's
examples are derandomized: the same 100 on every run, so a red build means the code
changed, not that a new example was drawn. ``HYPOTHESIS_PROFILE=explore`` draws 1,000 new
examples to hunt for violations (keep what it finds as an explicit example or scenario);
``HYPOTHESIS_PROFILE=ci`` (or ``dev``) chooses a profile explicitly.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
