"""Progress of long runs and studies: rich in a terminal, tqdm in a notebook, silent otherwise.

:func:`progress_bar` yields an ``update(completed)`` callback for a task of ``total`` units
(simulated days of one run, or runs of a study). Where it draws depends on where it runs:

* in a Jupyter kernel, a ``tqdm.auto`` bar (a widget when ipywidgets is there, text if not);
* on a terminal (the stream is a TTY), a rich bar on that stream, gone when done;
* anywhere else (CI logs, pipes, files), nothing at all, so logs stay clean.

:func:`run_with_progress`, :func:`compare_with_progress` and :func:`sweep_with_progress` are
the notebook entry points: ``execute``, ``compare`` and ``sweep`` with a bar in simulated days
or runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sim.compare import CompareResult, SweepResult
    from sim.run import RunResult
    from sim.scenario import Scenario

__all__ = [
    "Mode",
    "compare_with_progress",
    "display_mode",
    "progress_bar",
    "run_with_progress",
    "sweep_with_progress",
]

Mode = Literal["notebook", "terminal", "off"]
"""Where a progress bar draws."""


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel attached)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    get = getattr(shell, "get_ipython", None)
    ipython = get() if get is not None else None
    return ipython is not None and getattr(ipython, "kernel", None) is not None


def display_mode(stream: IO[str] | None = None, enabled: bool | None = None) -> Mode:
    """Where a bar should draw: ``enabled=False`` forces off; else notebook, TTY, or off."""
    if enabled is False:
        return "off"
    if _in_notebook():
        return "notebook"
    target = sys.stderr if stream is None else stream
    isatty = getattr(target, "isatty", None)
    if enabled or (isatty is not None and isatty()):
        return "terminal"
    return "off"


@contextmanager
def progress_bar(
    description: str,
    total: float,
    unit: str = "day",
    enabled: bool | None = None,
    stream: IO[str] | None = None,
) -> Iterator[Callable[[float], None]]:
    """A bar for ``total`` units; the callback takes the units completed so far."""
    mode = display_mode(stream, enabled)
    if mode == "off":
        yield lambda _completed: None
    elif mode == "notebook":
        from tqdm.auto import tqdm

        meter = tqdm(total=total, desc=description, unit=unit, leave=True)
        shown = 0.0

        def advance(completed: float) -> None:
            nonlocal shown
            meter.update(completed - shown)
            shown = completed

        try:
            yield advance
        finally:
            meter.close()
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=stream or sys.stderr, force_terminal=True if enabled else None)
        with Progress(
            TextColumn("simulating {task.description}"),
            BarColumn(),
            TextColumn(f"{unit} {{task.completed:.0f}}/{{task.total:.0f}}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=total)

            def show(completed: float) -> None:
                bar.update(task, completed=completed)

            yield show


def run_with_progress(
    scenario: Scenario, seed: int | None = None, enabled: bool | None = None, **options: Any
) -> RunResult:
    """:func:`sim.run.execute` with a bar in simulated days (``options`` passed on)."""
    from sim.engine.calendar import DAY
    from sim.run import execute

    days = scenario.demand_days + scenario.drain_days
    with progress_bar(scenario.name, days, "day", enabled) as update:
        return execute(scenario, seed, lambda now, _h: update(now / DAY), **options)


def compare_with_progress(
    scenario: Scenario,
    patterns: list[str] | None = None,
    replications: int = 5,
    enabled: bool | None = None,
    **options: Any,
) -> CompareResult:
    """:func:`sim.compare.compare` with a bar in runs (``options`` passed on)."""
    from sim.compare import compare
    from sim.compare.study import resolve_patterns

    runs = replications * len(resolve_patterns(patterns))
    with progress_bar(scenario.name, runs, "run", enabled) as update:
        return compare(
            scenario,
            patterns,
            replications,
            progress=lambda done, _total: update(done),
            **options,
        )


def sweep_with_progress(
    levels: Mapping[str, Scenario],
    replications: int = 5,
    enabled: bool | None = None,
    **options: Any,
) -> SweepResult:
    """:func:`sim.compare.sweep` with a bar in runs (``options`` passed on)."""
    from sim.compare import sweep

    runs = replications * len(levels)
    name = next(iter(levels.values())).name if levels else "sweep"
    with progress_bar(f"{name} sweep", runs, "run", enabled) as update:
        return sweep(levels, replications, progress=lambda done, _total: update(done), **options)
