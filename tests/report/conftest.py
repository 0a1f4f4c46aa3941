"""Render with Agg, and check that no plot leaves a figure registered with pyplot."""

from __future__ import annotations

from collections.abc import Iterator

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
