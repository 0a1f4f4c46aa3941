"""Render with Agg, and check that no plot leaves a figure registered with pyplot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib._pylab_helpers import Gcf


@pytest.fixture(autouse=True)
def _no_pyplot_figures() -> Iterator[None]:
    """Plots draw on a Figure of their own: pyplot's global figure list stays empty."""
    before = Gcf.get_num_fig_managers()
    yield
    assert Gcf.get_num_fig_managers() == before == 0


@pytest.fixture(scope="session")
def hostile_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run folder whose strings try to become markup (shared by the HTML tests)."""
    from tests.report.html_support import hostile_run_folder

    return hostile_run_folder(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny comparison folder: two patterns, two replications (shared by the HTML tests)."""
    from tests.report.html_support import compare_folder

    return compare_folder(tmp_path_factory.mktemp("compare"))
