"""Bad fault specs get one clear message naming the file and dotted field; exit 2, no traceback.

And ``o2csim run --replay`` replays dead letters at the hour it names; ``--amplification``
compares calls with the same run without its faults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import o2csim, tiny_with, write_yaml

EXIT_BAD_INPUT = 2

BAD_FAULTS: dict[str, tuple[list[dict[str, Any]], tuple[str, ...]]] = {
    "negative window": (
        [{"kind": "outage", "target": "erp", "windows": [{"start_h": -1, "end_h": 2}]}],
        ("faults[0].windows[0].start_h", "expected a number >= 0"),
    ),
    "zero-length window": (
        [{"kind": "outage", "target": "erp", "windows": [{"start_h": 3, "end_h": 3}]}],
        ("faults[0].windows[0]", "positive length"),
    ),
    "overlapping windows of one fault": (
        [
            {
                "kind": "brownout",
                "target": "crm",
                "windows": [{"start_h": 1, "end_h": 4}, {"start_h": 3, "end_h": 5}],
            }
        ],
        ("faults[0]", "overlap"),
    ),
    "overlapping windows of two faults on one target": (
        [
            {"kind": "outage", "target": "erp", "windows": [{"start_h": 1, "end_h": 4}]},
            {"kind": "outage", "target": "erp", "windows": [{"start_h": 2, "end_h": 6}]},
        ],
        ("faults[1].windows", "overlaps faults[0]"),
    ),
    "unknown system": (
        [{"kind": "outage", "target": "sap"}],
        ("faults[0].target", "'sap'", "expected one of"),
    ),
    "unknown topic": (
        [{"kind": "bus_duplicate", "target": "erp.order-evnts", "probability": 0.1}],
        ("faults[0].target", "'erp.order-evnts'"),
    ),
    "probability above one": (
        [{"kind": "lost_response", "target": "erp.create_order", "probability": 1.5}],
        ("faults[0].probability", "expected a number <= 1"),
    ),
    "delivery exception probability above one": (
        [{"kind": "delivery_exception", "probability": 1.5}],
        ("faults[0].probability", "expected a number <= 1", "got 1.5"),
    ),
    "delivery exception probability below zero": (
        [{"kind": "delivery_exception", "probability": -0.1}],
        ("faults[0].probability", "expected a number >= 0"),
    ),
    "delivery exception without a probability": (
        [{"kind": "delivery_exception"}],
        ("faults[0].probability", "required field is missing"),
    ),
    "delivery exception reason the carrier does not have": (
        [{"kind": "delivery_exception", "probability": 0.1, "reasons": {"stolen": 1}}],
        ("faults[0].reasons", "no exception reason 'stolen'", "recipient_absent"),
    ),
    "negative delivery exception reason weight": (
        [{"kind": "delivery_exception", "probability": 0.1, "reasons": {"damaged": -1}}],
        ("faults[0].reasons.damaged", "expected a number >= 0"),
    ),
    "delivery exception aimed at the scan feed": (
        [{"kind": "delivery_exception", "target": "carrier.feed", "probability": 0.1}],
        ("faults[0].target", "'carrier.feed'", "carrier.delivery"),
    ),
    "schema version the ERP does not have": (
        [{"kind": "schema_change", "version": "3.0", "windows": [{"start_h": 1, "end_h": 9}]}],
        ("faults[0].version", "no event contract version '3.0'"),
    ),
    "unknown fault kind": (
        [{"kind": "meteor", "target": "erp"}],
        ("faults[0]", "meteor"),
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FAULTS))
def test_bad_fault_is_refused_with_one_clear_message(name: str, tmp_path: Path) -> None:
    faults, expected = BAD_FAULTS[name]
    path = write_yaml(tmp_path / "faulty.yaml", tiny_with(faults=faults))
    for command in (("validate",), ("run", "--quiet", "--out", str(tmp_path / "out"))):
        done = o2csim(command[0], path, *command[1:])
        assert done.code == EXIT_BAD_INPUT, done.stderr
        assert "Traceback" not in done.stderr
        assert str(path) in done.stderr
        for phrase in expected:
            assert phrase in done.stderr, (phrase, done.stderr)
        assert not (tmp_path / "out").exists()


def test_mapping_for_a_version_the_erp_does_not_have(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "faulty.yaml", tiny_with(integration={"mappings": {"1.0": 0, "9.9": 5}})
    )
    done = o2csim("validate", path)
    assert done.code == EXIT_BAD_INPUT and "Traceback" not in done.stderr
    assert "integration.mappings" in done.stderr and "'9.9'" in done.stderr


def test_bad_replay_option(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "ok.yaml", tiny_with())
    done = o2csim("run", path, "--quiet", "--replay", "soon", "--out", tmp_path / "out")
    assert done.code == EXIT_BAD_INPUT and "Traceback" not in done.stderr
    assert "--replay soon" in done.stderr and not (tmp_path / "out").exists()


def test_run_replay_puts_dead_letters_back_at_the_hour_given(tmp_path: Path) -> None:
    faults = [
        {
            "kind": "poison",
            "target": "erp.order-events",
            "probability": 0.2,
            "windows": [{"start_h": 0, "end_h": 24}],
        }
    ]
    # nobody at the desk: only the scheduled replay can empty the dead-letter queue
    data = tiny_with(faults=faults, integration={"mechanisms": {"order_desk": False}})
    path = write_yaml(tmp_path / "poison.yaml", data)

    def depth(*options: str) -> tuple[int, int]:
        out = tmp_path / ("out" + "".join(options).replace(":", "_"))
        done = o2csim("run", path, "--quiet", "--out", out, *options)
        assert done.code == 0, done.stderr
        letters = json.loads((out / "metrics.json").read_text())["delivery_health"]
        return letters["dead_letters"]["count"], letters["dead_letters"]["depth_at_end"]

    count, left = depth()
    assert count > 0 and left == count
    count, left = depth("--replay", "30:poison:resend")
    assert count > 0 and left == 0


def test_run_amplification_reports_calls_against_the_fault_free_run(tmp_path: Path) -> None:
    faults = [{"kind": "brownout", "target": "erp", "latency_multiplier": 1, "error_rate": 0.4}]
    path = write_yaml(tmp_path / "errors.yaml", tiny_with(faults=faults))
    out = tmp_path / "out"
    done = o2csim("run", path, "--quiet", "--amplification", "--out", out)
    assert done.code == 0, done.stderr
    health = json.loads((out / "metrics.json").read_text())["delivery_health"]
    create = health["retry_amplification"]["by_endpoint"]["erp.create_order"]
    assert create["amplification"] > 1.2
    assert create["calls"] > create["fault_free_calls"]
