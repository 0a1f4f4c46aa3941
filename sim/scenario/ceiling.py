"""The memory ceiling's default and the environment variable that sets it.

A module of its own, importing nothing, so that the command line can show the default in
its ``--help`` without loading the scenario model (:mod:`sim.scenario.budget` applies it).
"""

__all__ = ["DEFAULT_MAX_MEMORY_GIB", "MAX_MEMORY_ENV"]

DEFAULT_MAX_MEMORY_GIB = 8.0
"""Default memory ceiling: a third of the 24 GiB development machine, leaving room for
the operating system, an editor and a second run or test session beside it."""

MAX_MEMORY_ENV = "O2CSIM_MAX_MEMORY_GIB"
"""Environment variable that sets the memory ceiling when ``--max-memory-gib`` is not given."""
