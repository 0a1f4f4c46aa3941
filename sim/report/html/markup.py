"""HTML built by functions that escape every string they are given.

:class:`Markup` is HTML already built (by these functions); any other value given to
:func:`element` as a child or attribute value is turned into text and escaped with
:func:`html.escape`, so a scenario name, a fault target, a history status or an error
message can never become markup. Only this module makes :class:`Markup` out of literal
text (:func:`raw`), and only for constant strings of the report's own.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Markup",
    "element",
    "escape",
    "join",
    "raw",
    "table",
    "text_or_dash",
]


class Markup(str):
    """A string of HTML that is already safe: it is inserted as it is, never escaped again."""

    __slots__ = ()


def raw(constant: str) -> Markup:
    """A constant string of the report's own (a style sheet, an entity) taken as markup."""
    return Markup(constant)


def escape(value: object) -> Markup:
    """``value`` as text, with ``& < > " '`` escaped (markup is kept as it is)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def _content(children: Iterable[object]) -> Iterable[str]:
    for child in children:
        if child is None:
            continue
        if isinstance(child, str | int | float):
            yield escape(child)
        elif isinstance(child, Iterable):
            yield from _content(child)
        else:
            yield escape(child)


def join(*children: object) -> Markup:
    """The children side by side, each escaped unless it is markup."""
    return Markup("".join(_content(children)))


_VOID = frozenset({"br", "hr", "img", "meta", "link", "col"})


def element(tag: str, *children: object, **attributes: object) -> Markup:
    """``<tag attributes>children</tag>``; attribute names ending in ``_`` lose it (``class_``).

    ``True`` writes a bare attribute, ``False`` and ``None`` leave it out; every other value
    is escaped for a double-quoted attribute.
    """
    words = [tag]
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        words.append(key if value is True else f'{key}="{escape(value)}"')
    opening = f"<{' '.join(words)}>"
    if tag in _VOID:
        return Markup(opening)
    return Markup(f"{opening}{join(*children)}</{tag}>")


def text_or_dash(value: object) -> object:
    """``-`` for a missing value, else the value (escaped later, by the element it goes in)."""
    return "-" if value is None or value == "" else value


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    caption: object = None,
    numeric: Iterable[int] = (),
    row_classes: Mapping[int, str] | None = None,
    class_: str = "data",
) -> Markup:
    """A table: a header row, one row per sequence of cells; ``numeric`` columns right-aligned.

    ``row_classes`` gives a CSS class to some rows, by their position.
    """
    right = set(numeric)
    head = element(
        "thead",
        element(
            "tr",
            (
                element("th", cell, scope="col", class_="num" if i in right else None)
                for i, cell in enumerate(header)
            ),
        ),
    )
    body = element(
        "tbody",
        (
            element(
                "tr",
                (
                    element("td", text_or_dash(cell), class_="num" if i in right else None)
                    for i, cell in enumerate(row)
                ),
                class_=(row_classes or {}).get(position),
            )
            for position, row in enumerate(rows)
        ),
    )
    return element(
        "table",
        element("caption", caption) if caption is not None else None,
        head,
        body,
        class_=class_,
    )
