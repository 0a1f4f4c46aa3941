"""A user's pattern that fails while an environment variable says so (an interrupted task).

``tests.compare.flaky_patterns:FlakyHybrid`` is the hybrid pattern; with
``O2CSIM_TEST_FLAKY=1`` in the worker's environment it raises as it is built, as a task
whose machine went away would. Sweeps run with and without it show that failed tasks are
reported with their seeds and that a re-run runs only them.
"""

from __future__ import annotations

import os
from typing import ClassVar

from sim.integration.patterns import HybridPattern, PatternContext

FLAKY_ENV = "O2CSIM_TEST_FLAKY"


class FlakyHybrid(HybridPattern):
    """The hybrid pattern, unless :data:`FLAKY_ENV` is set: then it raises."""

    name: ClassVar[str] = "hybrid_flaky"

    def __init__(self, context: PatternContext) -> None:
        if os.environ.get(FLAKY_ENV):
            raise RuntimeError("the flaky pattern failed on purpose")
        super().__init__(context)
