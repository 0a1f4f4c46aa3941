"""Folders for the HTML report's tests: a run whose strings try to become markup, a comparison.

:func:`hostile_run_folder` writes a tiny ERP-outage run whose scenario name and
description are a script tag, and then plants hostile text where a history or a run's
records put strings: a fault window's target, an alert rule's name, an exception reason, a
threshold line and a witness row's event and status. The report must show each as text.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from sim.compare import compare
from sim.compare.files import write_compare_outputs
from sim.report import write_outputs
from sim.run import execute
from sim.scenario import load_scenario
from tests.report.support import SCENARIOS, TINY

SCRIPT = "<script>alert(1)</script>"
TARGET = "erp<&>\"'x"
STATUS = 'GA01 <b>&amp; "held"'
REASON = "poison & <i>late</i>"
ALERT = "<img src=x onerror=alert(2)>"
LINE = "crm_staleness < 1% & <u>more</u>"

ALLOWED_TAGS = frozenset(
    {
        "html", "head", "meta", "link", "title", "style", "body", "header", "nav", "main",
        "footer", "section", "h1", "h2", "h3", "p", "a", "div", "span", "strong", "code",
        "pre", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tr", "th", "td",
        "figure", "figcaption", "img", "details", "summary",
    }
)  # fmt: skip
"""Every tag the report may write: no script, frame, object, form or base."""


def hostile_run_folder(folder: Path) -> Path:
    """A tiny run folder with hostile strings in its scenario, timeline, metrics and verdicts."""
    scenario = load_scenario(
        SCENARIOS / "erp_outage.yaml",
        [*TINY, f"name={json.dumps(SCRIPT)}", f"description={json.dumps('see ' + SCRIPT)}"],
    )
    write_outputs(execute(scenario), folder)
    facts = json.loads((folder / "run.json").read_text())
    facts["fault_timeline"].append(
        {"kind": "brownout", "target": TARGET, "start_s": 3600.0, "end_s": 7200.0, "params": {}}
    )
    facts["invariants"]["no_duplicates"]["valid"] = False
    facts["invariants"]["no_duplicates"]["witness"] = [
        {
            "row": 1,
            "time": 10.0,
            "event": f"erp.{SCRIPT}",
            "actor": "erp",
            "order": 3,
            "subject": 1,
            "status": STATUS,
            "value": 1.0,
            "value2": None,
            "correlation_id": "O00000003",
        }
    ]
    (folder / "run.json").write_text(json.dumps(facts))
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["exceptions"] = {REASON: 2}
    metrics["alerts"]["rules"][ALERT] = metrics["alerts"]["rules"].pop("dead_letters")
    metrics["alerts"]["faults"][0]["target"] = TARGET
    metrics["thresholds"] = {
        LINE: {"op": "<", "limit": 0.01, "figure": f"x {SCRIPT}", "observed": 0.5, "passed": False}
    }
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def compare_folder(folder: Path) -> Path:
    """Two patterns, two replications each, of the release gate shrunk to a morning."""
    scenario = load_scenario(
        SCENARIOS / "release_gate.yaml",
        [
            "demand.orders_per_business_day=240",
            "demand_days=0.5",
            "drain_days=2",
            # demand hours in UTC, one profile for every channel (tests/report/support.py)
            "demand.local_time=false",
            "demand.channel_profiles={}",
        ],
    )
    write_compare_outputs(compare(scenario, ["direct", "hybrid"], replications=2), folder)
    return folder


class Tags(HTMLParser):
    """Every start tag of a page and its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser
