"""Figures of the report: each drawn once, as PNG, for the page and for a file of its own.

A :class:`Chart` names a plot of :mod:`sim.report.plots` (``name`` is its file's stem,
``backlog`` for ``backlog.png``) and draws it on first use; :func:`figure` embeds it in
the page as a base64 ``data:`` URI, nothing to fetch, and ``o2csim report --figures DIR``
writes the same bytes to ``DIR/NAME.png``. A plot that cannot be drawn (a run with no
samples of a kind, say) becomes a visible note with the error instead of stopping the
whole report.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.html.markup import Markup, element

__all__ = ["DPI", "Chart", "figure", "png_bytes", "png_data_uri"]

DPI = 110
"""Resolution of the images: sharp on a projector, a few dozen kB each."""


def png_bytes(drawn: Figure) -> bytes:
    """The figure as a PNG file's bytes, at :data:`DPI`."""
    buffer = BytesIO()
    drawn.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_data_uri(drawn: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    return _data_uri(png_bytes(drawn))


@dataclass(frozen=True, eq=False)
class Chart:
    """One chart of a report: ``draw()`` plots it, ``name`` is its file's stem.

    ``alt`` is the image's text alternative and ``caption`` the text under it on the page.
    The chart is drawn when it is first needed and only once, so the page and the file
    ``o2csim report --figures`` writes hold the same PNG.
    """

    name: str
    draw: Callable[[], Axes]
    alt: str
    caption: object = None

    @cached_property
    def drawn(self) -> bytes | Exception:
        """The PNG's bytes, or the error that stopped the plot (never raised)."""
        try:
            drawn = self.draw().figure
            if not isinstance(drawn, Figure):
                raise TypeError("the plot drew on no figure")
            return png_bytes(drawn)
        except Exception as error:  # one plot that cannot be drawn must not lose the report
            return error

    @property
    def problem(self) -> str | None:
        """Why the chart could not be drawn (``None`` when it was)."""
        drawn = self.drawn
        return f"{type(drawn).__name__}: {drawn}" if isinstance(drawn, Exception) else None


def figure(chart: Chart) -> Markup:
    """``<figure>`` with the chart's PNG and caption, or a note saying why it is missing."""
    drawn = chart.drawn
    if isinstance(drawn, Exception):
        return element(
            "figure",
            element("p", f"{chart.alt}: not drawn ({chart.problem})", class_="note bad"),
        )
    return element(
        "figure",
        element("img", src=_data_uri(drawn), alt=chart.alt),
        element("figcaption", chart.caption) if chart.caption is not None else None,
    )
