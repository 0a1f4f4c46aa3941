"""Progress: rich on a terminal, tqdm in a notebook kernel, nothing in a log."""

from __future__ import annotations

import io
import sys
import types

import pytest

from sim import progress
from sim.progress import display_mode, progress_bar, run_with_progress
from sim.scenario import Scenario


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_nothing() -> None:
    log = io.StringIO()
    assert display_mode(log) == "off"
    with progress_bar("x", 3, stream=log) as update:
        update(1)
        update(3)
    assert log.getvalue() == ""


def test_a_terminal_gets_a_rich_bar_that_goes_away() -> None:
    tty = Tty()
    assert display_mode(tty) == "terminal"
    assert display_mode(tty, enabled=False) == "off"  # --quiet
    with progress_bar("baseline", 4, stream=tty) as update:
        update(2)
    assert "baseline" in tty.getvalue()  # drawn while running (transient: erased at the end)


def test_a_notebook_kernel_gets_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert display_mode(io.StringIO()) == "notebook"
    seen: list[float] = []

    class Meter:
        def __init__(self, **kwargs: object) -> None:
            assert kwargs["total"] == 5 and kwargs["unit"] == "day"

        def update(self, step: float) -> None:
            seen.append(step)

        def close(self) -> None:
            seen.append(-1)

    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=Meter))
    with progress_bar("run", 5) as update:
        update(2)
        update(5)
    assert seen == [2, 3, -1]  # increments, then closed
    # outside a kernel (IPython imported in a plain shell) it is not a notebook
    monkeypatch.setitem(
        sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: types.SimpleNamespace())
    )
    assert progress._in_notebook() is False


def test_a_run_reports_simulated_days(monkeypatch: pytest.MonkeyPatch) -> None:
    days: list[float] = []

    def recording(*_args: object, **_kwargs: object):  # type: ignore[no-untyped-def]
        from contextlib import contextmanager

        @contextmanager
        def bar():  # type: ignore[no-untyped-def]
            yield days.append

        return bar()

    monkeypatch.setattr(progress, "progress_bar", recording)
    scenario = Scenario(
        name="tiny", demand_days=0.25, drain_days=1.75, demand={"orders_per_business_day": 40}
    )
    result = run_with_progress(scenario, seed=1)
    assert days == [1.0, 2.0] and result.metrics["volume"]["orders_accepted"] > 0
