"""A pytest plugin: keep failure scenarios as ordinary tests, gated like ``o2csim check``.

Installed with o2csim and registered through the ``pytest11`` entry point, so any project
that has o2csim installed can write::

    import pytest

    @pytest.mark.o2csim(
        "scenarios/release_gate.yaml",
        overrides=["demand.orders_per_business_day=300"],
        thresholds=["dead_letters == 0"],
    )
    def test_release_gate(o2csim_check):
        o2csim_check.assert_ok()   # every invariant holds and every gate passes

The marker attaches a scenario (a path, relative to the test file or the rootdir) and,
optionally, ``overrides`` (``--set`` strings), a ``pattern``, extra ``slas``
(``{metric: {percentile, max_s}}``) and ``thresholds`` lines, ``seed`` and
``replications``. Fixtures:

* ``o2csim_check``: the :class:`sim.oracle.CheckReport` of the marked scenario (invariants
  and gates, across replications when there are two or more), with ``assert_ok()``;
* ``o2csim_result``: the :class:`sim.run.RunResult` of one run of the marked scenario;
* ``o2csim_run``: a function ``run(scenario, *overrides, seed=None)`` returning a
  ``RunResult``, for tests that build their own worlds.

Options: ``--o2csim-seed S`` (the seed, or study seed, of every marked scenario) and
``--o2csim-replications N`` (replications for ``o2csim_check`` where the marker gives none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sim.oracle import CheckReport
    from sim.run import RunResult
    from sim.scenario import Scenario

__all__ = [
    "MarkedScenario",
    "o2csim_check",
    "o2csim_result",
    "o2csim_run",
    "pytest_addoption",
    "pytest_configure",
]

MARKER = "o2csim"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--o2csim-seed`` and ``--o2csim-replications``."""
    group = parser.getgroup("o2csim", "o2csim scenario tests")
    group.addoption(
        "--o2csim-seed",
        type=int,
        default=None,
        help="seed (or study seed) of every o2csim-marked scenario (default: the scenario's)",
    )
    group.addoption(
        "--o2csim-replications",
        type=int,
        default=None,
        help="replications for o2csim_check where the marker gives none (default 1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario, overrides=(), pattern=None, slas=None, thresholds=(), seed=None, "
        "replications=None): the o2csim scenario a test checks, and its SLA gates",
    )


@dataclass(frozen=True)
class MarkedScenario:
    """What an ``o2csim`` marker asks for."""

    path: Path
    overrides: tuple[str, ...] = ()
    pattern: str | None = None
    slas: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    thresholds: tuple[str, ...] = ()
    seed: int | None = None
    replications: int | None = None

    def load(self) -> Scenario:
        """The scenario with the overrides, pattern, SLAs and thresholds applied."""
        from sim.scenario import load_scenario

        given = list(self.overrides)
        if self.pattern:
            given.append(f"integration.pattern={self.pattern}")
        scenario = load_scenario(self.path, given)
        update: dict[str, Any] = {}
        if self.slas:
            update["slas"] = {**scenario.model_dump()["slas"], **self.slas}
        if self.thresholds:
            update["thresholds"] = (*scenario.thresholds, *self.thresholds)
        if not update:
            return scenario
        return type(scenario).model_validate({**scenario.model_dump(), **update})


def _marked(request: pytest.FixtureRequest) -> MarkedScenario:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: {request.fixturename} needs @pytest.mark.{MARKER}(scenario)"
        )
    if not marker.args and "scenario" not in marker.kwargs:
        raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.{MARKER} needs a scenario")
    given = Path(marker.args[0] if marker.args else marker.kwargs["scenario"])
    candidates = (
        [given]
        if given.is_absolute()
        else [
            Path(request.node.path).parent / given,
            Path(request.config.rootpath) / given,
        ]
    )
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: scenario {given} not found next to the test or in the rootdir"
        )
    option_seed = request.config.getoption("--o2csim-seed")
    return MarkedScenario(
        path=path,
        overrides=tuple(marker.kwargs.get("overrides", ())),
        pattern=marker.kwargs.get("pattern"),
        slas=dict(marker.kwargs.get("slas") or {}),
        thresholds=tuple(marker.kwargs.get("thresholds", ())),
        seed=option_seed if option_seed is not None else marker.kwargs.get("seed"),
        replications=marker.kwargs.get("replications")
        or request.config.getoption("--o2csim-replications"),
    )


@pytest.fixture
def o2csim_check(request: pytest.FixtureRequest) -> CheckReport:
    """The check of the marked scenario; ``report.assert_ok()`` fails the test with why."""
    from sim.cli_check import reproduce_command
    from sim.oracle import check_scenario

    marked = _marked(request)
    scenario = marked.load()
    replications = marked.replications or 1
    report = check_scenario(scenario, marked.seed, replications, source=str(marked.path))
    seed = scenario.seed if marked.seed is None else marked.seed
    given = [
        *marked.overrides,
        *([f"integration.pattern={marked.pattern}"] if marked.pattern else []),
    ]
    report.reproduce = reproduce_command(str(marked.path), seed, given, replications)
    if marked.slas or marked.thresholds:
        report.reproduce += "  (plus the marker's slas/thresholds)"
    return report


@pytest.fixture
def o2csim_result(request: pytest.FixtureRequest) -> RunResult:
    """One run of the marked scenario (the marker's or the option's seed)."""
    from sim.run import execute

    marked = _marked(request)
    return execute(marked.load(), marked.seed)


@pytest.fixture
def o2csim_run(request: pytest.FixtureRequest) -> Callable[..., RunResult]:
    """``run(scenario, *overrides, seed=None)``: a run of any scenario file."""
    from sim.run import execute
    from sim.scenario import load_scenario

    option_seed = request.config.getoption("--o2csim-seed")

    def run(scenario: str | Path, *overrides: str, seed: int | None = None) -> RunResult:
        chosen = seed if seed is not None else option_seed
        return execute(load_scenario(scenario, list(overrides)), chosen)

    return run
