"""Tiny runs for the plot tests, and readers of what a plot drew."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, StepPatch

from sim.run import RunResult, execute
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

TINY = [
    "demand_days=0.5",
    "drain_days=2",
    "demand.orders_per_business_day=200",
    "demand.local_time=false",
    "demand.channel_profiles={}",
]
"""Half a day of demand at 200 orders a day, two days to drain: about 70 orders, 60 h.

Hours are read in UTC with one profile for every channel (in the regions' local time the
first half of a UTC Monday is the night, with half the orders)."""


def tiny_run(name: str) -> RunResult:
    """One shipped scenario shrunk to :data:`TINY`."""
    return execute(load_scenario(SCENARIOS / f"{name}.yaml", TINY))


def render(ax: Axes) -> bytes:
    """The Axes' figure as PNG bytes (a plot that cannot be drawn fails here)."""
    buffer = BytesIO()
    ax.figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


def by_gid(ax: Axes, gid: str) -> list[Artist]:
    """Every artist on ``ax`` with this ``gid``."""
    return [a for a in ax.get_children() if a.get_gid() == gid]


def one(ax: Axes, gid: str) -> Artist:
    found = by_gid(ax, gid)
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def line_xy(ax: Axes, gid: str) -> tuple[np.ndarray, np.ndarray]:
    line = one(ax, gid)
    assert isinstance(line, Line2D)
    return np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)


def stairs(ax: Axes, gid: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, edges) of a ``stairs`` artist."""
    patch = one(ax, gid)
    assert isinstance(patch, StepPatch)
    values, edges, _ = patch.get_data()
    return np.asarray(values, dtype=float), np.asarray(edges, dtype=float)


def spans(ax: Axes) -> list[tuple[str, float, float]]:
    """(gid, start, end) of every shaded fault window, sorted."""
    found = []
    for artist in ax.get_children():
        gid = artist.get_gid() or ""
        if gid.startswith("window:"):
            assert isinstance(artist, Rectangle)
            found.append((gid, artist.get_x(), artist.get_x() + artist.get_width()))
    return sorted(found, key=lambda s: (s[1], s[0]))


def step_at(x: np.ndarray, y: np.ndarray, t: float) -> float:
    """The value of a ``where="post"`` step line at ``t``."""
    return float(y[int(np.searchsorted(x, t, side="right")) - 1])
