"""Figures embedded in the page: PNG images as base64 ``data:`` URIs, nothing to fetch.

:func:`figure` calls a plot function and embeds what it drew; a plot that cannot be drawn
(a run with no samples of a kind, say) becomes a visible note with the error instead of
stopping the whole report.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.html.markup import Markup, element

__all__ = ["DPI", "figure", "png_data_uri"]

DPI = 110
"""Resolution of the embedded images: sharp on a projector, a few dozen kB each."""


def png_data_uri(drawn: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buffer = BytesIO()
    drawn.savefig(buffer, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(draw: Callable[[], Axes], alt: str, caption: object = None) -> Markup:
    """``<figure>`` with the PNG of what ``draw()`` drew, or a note saying why it could not."""
    try:
        drawn = draw().figure
        if not isinstance(drawn, Figure):
            raise TypeError("the plot drew on no figure")
        uri = png_data_uri(drawn)
    except Exception as error:  # one plot that cannot be drawn must not lose the report
        return element(
            "figure",
            element("p", f"{alt}: not drawn ({type(error).__name__}: {error})", class_="note bad"),
        )
    return element(
        "figure",
        element("img", src=uri, alt=alt),
        element("figcaption", caption) if caption is not None else None,
    )
