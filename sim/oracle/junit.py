"""A check's outcomes as JUnit XML, the report format CI servers read.

One ``<testsuite>`` for the invariants and one for the gates (SLA targets and thresholds);
one ``<testcase>`` per invariant and per gate. A violated invariant or a breached gate is a
``<failure>`` whose message is the verdict and whose text is the witness (the history rows
that prove it, with the order's correlation id) or the figures behind the verdict; a gate
that cannot be judged is an ``<error>``. The reproduce command is in each suite's properties
and ``<system-out>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from sim.oracle.outcome import CheckReport, GateOutcome, InvariantOutcome

__all__ = ["junit_xml", "write_junit"]


def _properties(suite: ET.Element, report: CheckReport) -> None:
    properties = ET.SubElement(suite, "properties")
    facts = {
        "scenario": report.scenario,
        "pattern": report.pattern,
        "seeds": " ".join(str(seed) for seed in report.seeds),
        "replications": str(report.replications),
        "reproduce": report.reproduce,
    }
    if report.study_seed is not None:
        facts["study_seed"] = str(report.study_seed)
    for name, value in facts.items():
        ET.SubElement(properties, "property", name=name, value=value)


def _witness_text(outcome: InvariantOutcome) -> str:
    lines = [
        f"{outcome.name} violated in {len(outcome.failed_runs)} of {outcome.runs} run(s); "
        f"first: replication {outcome.replication}, seed {outcome.seed}",
        "counts: " + json.dumps(outcome.counts, sort_keys=True),
        "witness (history rows):",
    ]
    lines += [json.dumps(row, sort_keys=True, default=str) for row in outcome.witness]
    return "\n".join(lines)


def _invariant_case(suite: ET.Element, outcome: InvariantOutcome, classname: str) -> bool:
    case = ET.SubElement(suite, "testcase", classname=classname, name=outcome.name, time="0")
    if outcome.valid:
        return False
    orders = sorted(
        {str(row["correlation_id"]) for row in outcome.witness if "correlation_id" in row}
    )
    message = f"invariant {outcome.name} violated" + (
        f" (orders {', '.join(orders[:5])})" if orders else ""
    )
    failure = ET.SubElement(case, "failure", message=message, type="InvariantViolation")
    failure.text = _witness_text(outcome)
    return True


def _gate_case(suite: ET.Element, gate: GateOutcome, classname: str) -> tuple[bool, bool]:
    case = ET.SubElement(suite, "testcase", classname=classname, name=gate.name, time="0")
    if gate.error is not None:
        error = ET.SubElement(case, "error", message=gate.error, type="UnknownFigure")
        error.text = gate.detail
        return False, True
    if not gate.passed:
        failure = ET.SubElement(
            case, "failure", message=f"{gate.target} not met ({gate.basis})", type="SlaBreach"
        )
        failure.text = gate.detail
        return True, False
    return False, False


def junit_xml(report: CheckReport) -> ET.ElementTree:
    """The report as a JUnit ``<testsuites>`` document."""
    root = ET.Element("testsuites", name=f"o2csim check {report.scenario}")
    base = f"o2csim.{report.scenario}.{report.pattern}"

    invariants = ET.SubElement(root, "testsuite", name=f"{base}.invariants")
    _properties(invariants, report)
    failures = sum(_invariant_case(invariants, o, f"{base}.invariants") for o in report.invariants)
    invariants.attrib.update(
        tests=str(len(report.invariants)), failures=str(failures), errors="0", skipped="0"
    )
    ET.SubElement(invariants, "system-out").text = f"reproduce: {report.reproduce}"

    gates = ET.SubElement(root, "testsuite", name=f"{base}.slas")
    _properties(gates, report)
    gate_failures = gate_errors = 0
    for gate in report.gates:
        failed, errored = _gate_case(gates, gate, f"{base}.slas")
        gate_failures += failed
        gate_errors += errored
    gates.attrib.update(
        tests=str(len(report.gates)),
        failures=str(gate_failures),
        errors=str(gate_errors),
        skipped="0",
    )
    ET.SubElement(gates, "system-out").text = f"reproduce: {report.reproduce}"

    totals = {
        "tests": len(report.invariants) + len(report.gates),
        "failures": failures + gate_failures,
        "errors": gate_errors,
    }
    root.attrib.update({key: str(value) for key, value in totals.items()})
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def write_junit(report: CheckReport, path: Path) -> Path:
    """Write :func:`junit_xml` to ``path`` (UTF-8, with an XML declaration)."""
    junit_xml(report).write(path, encoding="utf-8", xml_declaration=True)
    return path
