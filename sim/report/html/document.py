"""The page around the sections: one self-contained HTML document.

Everything the page needs is inside it: the style sheet is inline, images are ``data:``
URIs, and there is no script. A Content-Security-Policy forbids fetching anything else
(``default-src 'none'``), so the page shows the same offline, from a mail attachment or on
a review board's laptop, and a browser refuses to load or run anything a string might try
to smuggle in (every string is escaped as well, :mod:`sim.report.html.markup`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

from sim.report.html.markup import Markup, element, escape, join, raw

if TYPE_CHECKING:
    from sim.report.html.images import Chart

__all__ = ["CSP", "Section", "badge", "definitions", "details", "note", "page"]

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
"""The page's Content-Security-Policy: inline styles and ``data:`` images, nothing else."""

_STYLE = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --pass: #17663a;
  --pass-bg: #e3f4e9; --fail: #a11d2b; --fail-bg: #fbe5e7; --warn-bg: #fff4d6; --accent: #2f5d9e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.45 system-ui,
  -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: #1f2a3d; color: #fff; padding: 22px 32px 16px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 600; }
header.top p { margin: 2px 0; color: #cfd6e4; }
nav { border-bottom: 1px solid var(--line); padding: 8px 32px; background: #f6f7f9;
  font-size: 14px; position: sticky; top: 0; z-index: 1; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; }
main { max-width: 1180px; padding: 8px 32px 40px; }
section { margin-top: 28px; }
h2 { font-size: 21px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { font-size: 16px; margin: 8px 0 12px; }
.note { color: var(--muted); font-size: 13.5px; margin: 4px 0 10px; }
.note.bad { color: var(--fail); }
table.data { border-collapse: collapse; margin: 6px 0 14px; font-size: 13.5px; min-width: 40%; }
table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 10px 4px 0;
  text-align: left; vertical-align: top; }
table.data th { border-bottom: 2px solid var(--ink); font-weight: 600; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr.diff td { color: var(--muted); font-size: 12.5px; }
table.data tr.failed td { background: var(--fail-bg); }
table.witness { font-size: 12.5px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px;
  margin: 8px 0 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { background: #f6f7f9; border: 1px solid var(--line); padding: 10px; overflow: auto;
  max-height: 480px; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 3px; padding: 0 7px; font-weight: 600;
  font-size: 12.5px; letter-spacing: .02em; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.none { color: var(--muted); background: #eef0f3; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0 6px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card .value { font-size: 20px; font-weight: 600; }
.card.fail { border-color: var(--fail); background: var(--fail-bg); }
.card.pass { border-color: #9fd3b2; background: var(--pass-bg); }
.warning { background: var(--warn-bg); border-left: 4px solid #d9a400; padding: 6px 12px; }
figure { margin: 10px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 960px; }
details { margin: 6px 0 14px; }
details summary { cursor: pointer; color: var(--accent); }
footer { color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line);
  margin-top: 36px; padding: 10px 32px 24px; }
@media print {
  nav { display: none; }
  header.top { background: none; color: var(--ink); padding: 0 0 8px; }
  header.top p { color: var(--muted); }
  main { max-width: none; padding: 0; }
  section { break-inside: auto; }
  figure, table.data { break-inside: avoid; }
  details > *:not(summary) { display: block; }
}
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="$csp">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="$generator">
<link rel="icon" href="data:,">
<title>$title</title>
<style>$style</style>
</head>
<body>
<header class="top">$header</header>
<nav>$nav</nav>
<main>
$sections
</main>
<footer>$footer</footer>
</body>
</html>
""")


@dataclass(frozen=True)
class Section:
    """One part of the report: an anchor ``id``, a heading and its content.

    ``charts`` are the charts the body embeds, in its order: ``o2csim report --figures``
    writes each as a file.
    """

    id: str
    title: str
    body: Markup
    charts: tuple[Chart, ...] = ()

    def html(self) -> Markup:
        return element("section", element("h2", self.title), self.body, id=self.id)


def page(
    title: str,
    header_lines: Sequence[object],
    sections: Sequence[Section],
    footer: object,
    generator: str,
) -> str:
    """The whole document: head (style, policy), header, section links, sections, footer."""
    header = join(element("h1", title), (element("p", line) for line in header_lines))
    nav = join(element("a", s.title, href=f"#{s.id}") for s in sections)
    return _PAGE.substitute(
        csp=escape(CSP),
        generator=escape(generator),
        title=escape(title),
        style=raw(_STYLE),
        header=header,
        nav=nav,
        sections="\n".join(s.html() for s in sections),
        footer=escape(footer) if not isinstance(footer, Markup) else footer,
    )


def badge(passed: bool | None, yes: str = "pass", no: str = "FAIL") -> Markup:
    """A coloured verdict: pass, FAIL, or a grey dash when there is none."""
    if passed is None:
        return element("span", "-", class_="badge none")
    return element("span", yes if passed else no, class_="badge pass" if passed else "badge fail")


def definitions(pairs: Sequence[tuple[object, object]]) -> Markup:
    """A two-column list of facts (``<dl>``)."""
    return element(
        "dl",
        (
            (element("dt", name), element("dd", "-" if value is None else value))
            for name, value in pairs
        ),
        class_="facts",
    )


def details(summary: object, *content: object) -> Markup:
    """A collapsed block the reader opens: long tables, raw settings."""
    return element("details", element("summary", summary), *content)


def note(*content: object) -> Markup:
    """A small grey remark under a heading or a table."""
    return element("p", *content, class_="note")
