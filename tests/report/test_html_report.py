"""The HTML report: self-contained, every string escaped, and what a review board reads."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest

from sim.report.html import render_folder
from sim.report.html.markup import Markup, element, escape, join, table
from tests.report.html_support import (
    ALERT,
    ALLOWED_TAGS,
    LINE,
    REASON,
    SCRIPT,
    STATUS,
    TARGET,
    parse,
)


@pytest.fixture(scope="module")
def run_page(hostile_run_dir: Path) -> str:
    kind, page = render_folder(hostile_run_dir)
    assert kind == "run"
    return page


@pytest.fixture(scope="module")
def compare_page(compare_dir: Path) -> str:
    kind, page = render_folder(compare_dir)
    assert kind == "compare"
    return page


def test_markup_builders_escape_what_they_are_given() -> None:
    cell = element("td", "<b>&</b>", title='"x" & <y>')
    assert cell == '<td title="&quot;x&quot; &amp; &lt;y&gt;">&lt;b&gt;&amp;&lt;/b&gt;</td>'
    assert join("<i>", element("i", "ok")) == "&lt;i&gt;<i>ok</i>"
    assert escape(Markup("<br>")) == "<br>"  # markup built here is kept
    assert escape(None) == ""
    assert "&lt;script&gt;" in table(["<script>"], [["<script>"]], caption="<script>")
    assert "<script>" not in table(["<script>"], [["<script>"]], caption="<script>")


def test_scenario_and_history_strings_are_escaped_everywhere(run_page: str) -> None:
    assert "<script" not in run_page.lower()
    assert html.escape(SCRIPT) in run_page  # the name, the description, a witness event
    for hostile in (TARGET, STATUS, REASON, ALERT, LINE):
        assert hostile not in run_page
    assert "erp&lt;&amp;&gt;&quot;&#x27;x" in run_page  # the fault target, in both tables
    assert run_page.count("erp&lt;&amp;&gt;&quot;&#x27;x") >= 2
    assert "GA01 &lt;b&gt;&amp;amp; &quot;held&quot;" in run_page  # a witness row's status
    assert html.escape(REASON) in run_page
    assert html.escape(ALERT) in run_page
    assert html.escape(LINE) in run_page
    # and a browser-like parser reads them back as the text they were
    text = "".join(parse(run_page).text)
    for hostile in (SCRIPT, TARGET, STATUS, REASON, ALERT, LINE):
        assert hostile in text


def test_the_page_is_self_contained_with_only_known_tags(run_page: str) -> None:
    tags = parse(run_page).tags
    names = {tag for tag, _ in tags}
    assert names <= ALLOWED_TAGS, names - ALLOWED_TAGS
    for tag, attributes in tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        if tag == "a":
            assert (attributes.get("href") or "").startswith("#")
        if tag == "link":
            assert attributes.get("href") == "data:,"
    images = [a["src"] or "" for t, a in tags if t == "img"]
    assert len(images) == 8  # fault timeline, latency CDFs, alerts and five charts over time
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", run_page)
    assert "url(" not in run_page  # no style sheet fetches a font or an image
    policy = next(a for t, a in tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (policy.get("content") or "")
    assert "not drawn" not in run_page


def test_the_run_report_has_what_a_review_board_asks_for(run_page: str) -> None:
    sections = [a.get("id") for t, a in parse(run_page).tags if t == "section"]
    assert sections == [
        "summary",
        "scenario",
        "faults",
        "kpis",
        "gates",
        "invariants",
        "alerts",
        "over-time",
    ]
    text = " ".join(" ".join(parse(run_page).text).split())
    for expected in (
        "Single run: one sample of the scenario",
        "Resilience mechanisms switched off: none (all on)",
        "Fault timeline: the windows the run applied",
        "Order-to-cash latencies",
        "The scenario sets no SLA target",  # erp_outage declares none
        "Thresholds (single run",
        "no duplicates: witness rows",
        "O00000003",
        "Time to detect",
        "Recovery after each outage",
        "Provenance",
    ):
        assert expected in text, expected
    assert "VIOLATED" in text  # the planted violation


def test_the_compare_report_has_intervals_differences_and_verdicts(compare_page: str) -> None:
    tags = parse(compare_page).tags
    assert {t for t, _ in tags} <= ALLOWED_TAGS
    sections = [a.get("id") for t, a in tags if t == "section"]
    assert sections == [
        "summary",
        "comparison",
        "slas",
        "thresholds",
        "operating",
        "replications",
    ]
    text = " ".join(" ".join(parse(compare_page).text).split())
    for expected in (
        "Δ vs hybrid",
        "±",
        "Holm",
        "SLA verdicts across 2 replications",
        "Thresholds across 2 replications",
        "API calls per order",
        "cost / order",
        "Cost assumptions",
        "History SHA-256 of every run",
    ):
        assert expected in text, expected
    images = [a["src"] for t, a in tags if t == "img"]
    assert len(images) == 1 and (images[0] or "").startswith("data:image/png;base64,")
    assert "not drawn" not in compare_page
    # a significant paired difference is marked, as the console marks it
    assert re.search(r"<strong>[^<]* \*</strong>", compare_page)


def test_a_folder_that_is_neither_is_refused(tmp_path: Path) -> None:
    from sim.report.loaded import FolderError

    with pytest.raises(FolderError, match="neither a run nor a comparison folder"):
        render_folder(tmp_path)
