"""The fault timeline: expanded deterministically, applied exactly, written into run.json."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sim.engine.calendar import HOUR, WEEK, WorkCalendar
from sim.faults import FaultTimeline, FaultWindow, expand
from sim.faults.kinds.outage import OutageFault
from sim.report import write_outputs
from sim.run import execute
from sim.scenario import Scenario, load_scenario
from sim.world import build_world
from tests.faults.support import SMALL, run_small

TOPIC = "erp.order-events"
SATURDAY_NIGHT = {"weekday": 5, "start_hour": 22, "duration_h": 4}  # SAP's maintenance


def scenario_with(faults: list[dict[str, Any]], *overrides: str) -> Scenario:
    return load_scenario(
        "scenarios/baseline.yaml", [*SMALL, f"faults={json.dumps(faults)}", *overrides]
    )


MIXED: list[dict[str, Any]] = [
    {
        "kind": "outage",
        "target": "erp",
        "mode": "timeout",
        "random": {"mtbf_h": 20, "mttr_h": 1.5, "mttr_cv": 0.8},
    },
    {"kind": "outage", "target": "carrier.tender", "random": {"mtbf_h": 30, "mttr_h": 2}},
    {
        "kind": "outage",
        "target": "erp",
        "weekly": {"weekday": 5, "start_hour": 22, "duration_h": 4},
    },
    {"kind": "brownout", "target": "crm", "random": {"mtbf_h": 10, "mttr_h": 1}},
    {"kind": "bus_delay", "target": TOPIC, "delay_s": 30, "windows": [{"start_h": 1, "end_h": 2}]},
    {"kind": "scan_missing", "target": "carrier.feed", "probability": 0.1},
]


# ============================================================================ expansion


def test_expansion_is_deterministic_and_depends_on_the_seed() -> None:
    scenario = scenario_with(MIXED)
    horizon = (scenario.demand_days + scenario.drain_days) * 86_400
    calendar = WorkCalendar(scenario.start)
    first = expand(scenario.faults, horizon, calendar, seed=11)
    assert first == expand(scenario.faults, horizon, calendar, seed=11)
    assert (
        first.model_dump_json() == expand(scenario.faults, horizon, calendar, 11).model_dump_json()
    )
    assert len(first) > 6  # the random ones fail several times in 6.5 days
    assert first != expand(scenario.faults, horizon, calendar, seed=12)
    starts = [w.start_s for w in first.windows]
    assert starts == sorted(starts)
    assert all(0 <= w.start_s < w.end_s <= horizon for w in first.windows)


@pytest.mark.parametrize(
    "settings",
    [
        ["integration.retry.max_attempts=1"],
        ["integration.mechanisms.circuit_breaker=false", "integration.mechanisms.retry=false"],
        ["integration.status_sync_partitions=1", "integration.scan_workers=2"],
        ["systems.carrier.feed=webhook"],
        ["demand.orders_per_business_day=40"],
    ],
)
def test_the_timeline_is_the_same_whatever_the_integration_settings(settings: list[str]) -> None:
    reference = build_world(scenario_with(MIXED), seed=5).timeline
    changed = build_world(scenario_with(MIXED, *settings), seed=5).timeline
    assert changed == reference
    assert len(reference) > 6


def test_a_fault_keeps_its_windows_when_other_faults_are_added_after_it() -> None:
    # each fault draws from a stream of its own, named after its position, kind and target
    alone = build_world(scenario_with(MIXED[:1]), seed=5).timeline
    together = build_world(scenario_with(MIXED), seed=5).timeline
    silent = tuple(
        w for w in together.windows if w.kind == "outage" and w.params["mode"] == "timeout"
    )
    assert len(alone) > 2
    assert silent == alone.windows


# ============================================================================ weekly schedules

DEFAULT_START = datetime(2026, 10, 19, tzinfo=UTC)  # a Monday of an ordinary week


def weekly_windows(
    schedule: dict[str, Any], weeks: int, start: datetime = DEFAULT_START
) -> list[tuple[float, float]]:
    spec = OutageFault(target="erp", weekly=schedule)
    timeline = expand([spec], weeks * WEEK, WorkCalendar(start), seed=1)
    return [(w.start_s / HOUR, w.end_s / HOUR) for w in timeline.windows]


def test_the_default_start_is_a_monday_at_midnight() -> None:
    assert Scenario.model_fields["start"].default == DEFAULT_START
    assert DEFAULT_START.weekday() == 0
    assert scenario_with([]).start == DEFAULT_START


def test_a_weekly_window_recurs_every_168_hours_from_its_weekday_and_hour() -> None:
    first = 5 * 24 + 22
    assert weekly_windows(SATURDAY_NIGHT, 4) == [
        (first + 168 * week, first + 168 * week + 4) for week in range(4)
    ]


def test_every_weeks_skips_weeks_and_first_week_delays_the_first() -> None:
    first = 5 * 24 + 22
    assert weekly_windows({**SATURDAY_NIGHT, "every_weeks": 2}, 5) == [
        (first, first + 4),
        (first + 2 * 168, first + 2 * 168 + 4),
        (first + 4 * 168, first + 4 * 168 + 4),
    ]
    assert weekly_windows({**SATURDAY_NIGHT, "every_weeks": 2, "first_week": 1}, 5) == [
        (first + 168, first + 168 + 4),
        (first + 3 * 168, first + 3 * 168 + 4),
    ]


def test_a_weekly_window_is_clipped_to_the_horizon() -> None:
    spec = OutageFault(target="erp", weekly=SATURDAY_NIGHT)
    horizon = (5 * 24 + 23) * HOUR  # one hour into the first window
    timeline = expand([spec], horizon, WorkCalendar(DEFAULT_START), seed=1)
    assert [(w.start_s, w.end_s) for w in timeline.windows] == [((5 * 24 + 22) * HOUR, horizon)]


def test_a_weekly_window_follows_the_calendar_of_a_midweek_start() -> None:
    wednesday_noon = datetime(2026, 11, 25, 12, tzinfo=UTC)
    # Saturday 22:00 is 3 days and 10 hours after Wednesday noon
    assert weekly_windows(SATURDAY_NIGHT, 2, wednesday_noon)[0] == (3 * 24 + 10, 3 * 24 + 14)


def test_a_weekly_window_in_force_at_the_start_applies_for_its_remainder() -> None:
    sunday = datetime(2026, 11, 29, tzinfo=UTC)
    assert weekly_windows(SATURDAY_NIGHT, 2, sunday)[0] == (0.0, 2.0)


def test_weekly_windows_reach_the_world_through_the_scenario() -> None:
    faults = [{"kind": "outage", "target": "erp", "weekly": {**SATURDAY_NIGHT, "every_weeks": 2}}]
    world = build_world(scenario_with(faults, "demand_days=1", "drain_days=27"), seed=1)
    starts = [w.start_s / HOUR for w in world.timeline.windows]
    assert starts == [142.0, 142.0 + 336.0]
    assert {w.end_s - w.start_s for w in world.timeline.windows} == {4 * HOUR}


# ======================================================================= a hand-written timeline


def hour_window(kind: str, target: str, start_h: float, end_h: float, **params: Any) -> FaultWindow:
    return FaultWindow(
        kind=kind, target=target, start_s=start_h * HOUR, end_s=end_h * HOUR, params=params
    )


HAND_WRITTEN = FaultTimeline(
    windows=(
        hour_window("bus_delay", TOPIC, 5, 6, delay_s=60.0),
        hour_window("outage", "erp.create_order", 9, 10, mode="refused"),
        hour_window("outage", "erp.create_order", 10.5, 11, mode="timeout"),
        hour_window("scan_duplicate", "carrier.feed", 30, 40, probability=0.5, delay_s=600.0),
    )
)


def test_a_hand_written_timeline_is_exactly_what_is_applied(tmp_path: Path) -> None:
    # the scenario's own fault is replaced by the timeline given
    scenario = scenario_with(
        [{"kind": "outage", "target": "crm", "windows": [{"start_h": 6, "end_h": 12}]}]
    )
    result = execute(scenario, seed=3, timeline=HAND_WRITTEN)
    history = result.history
    assert result.timeline == HAND_WRITTEN

    started = history.select("fault.started")
    assert [(r["time"], r["subject"], r["status"], r["actor"]) for r in started] == [
        (w.start_s, index, w.target, f"fault:{w.kind}")
        for index, w in enumerate(HAND_WRITTEN.windows)
    ]
    assert [r["value"] for r in started] == [w.end_s - w.start_s for w in HAND_WRITTEN.windows]
    ended = history.select("fault.ended")
    assert [(r["time"], r["subject"]) for r in ended] == [
        (w.end_s, index) for index, w in enumerate(HAND_WRITTEN.windows)
    ]
    assert history.select("fault.not_applicable") == []
    calls: list[dict[str, Any]] = history.select("endpoint.call")
    # the scenario's crm outage was not applied: no crm call was refused
    crm = [r for r in calls if r["actor"].startswith("endpoint:crm.")]
    assert len(crm) > 100 and {r["status"] for r in crm} <= {"ok", "late"}
    # the erp outages were, each in its window and its mode
    refused = [r["time"] for r in calls if r["status"] == "unavailable"]
    silent = [r["time"] for r in calls if r["status"] == "timeout"]
    assert refused and all(9 * HOUR < t <= 10 * HOUR + 1 for t in refused)
    assert silent and all(10.5 * HOUR < t <= 11 * HOUR + 60 for t in silent)
    assert {r["actor"] for r in calls if r["status"] in ("unavailable", "timeout")} == {
        "endpoint:erp.create_order"
    }

    paths = write_outputs(result, tmp_path)
    facts = json.loads(paths["run"].read_text())
    assert facts["fault_timeline"] == result.timeline.model_dump(mode="json")["windows"]
    assert FaultTimeline.model_validate({"windows": facts["fault_timeline"]}) == HAND_WRITTEN
    # and replaying the timeline from run.json reproduces the run
    replayed = execute(
        scenario,
        seed=3,
        timeline=FaultTimeline.model_validate({"windows": facts["fault_timeline"]}),
    )
    assert replayed.history_hash == result.history_hash == facts["history_sha256"]


def test_run_json_holds_the_expanded_timeline_of_a_scenario(tmp_path: Path) -> None:
    result = execute(scenario_with(MIXED), seed=3)
    facts = json.loads(write_outputs(result, tmp_path)["run"].read_text())
    assert facts["fault_timeline"] == result.timeline.model_dump(mode="json")["windows"]
    assert len(facts["fault_timeline"]) == len(result.timeline) > 6
    applied = result.history.select("fault.started")
    assert len(applied) == len(result.timeline)
    assert [r["time"] for r in applied] == [w.start_s for w in result.timeline.windows]


# ============================================================================ every kind at once

EVERYTHING: list[dict[str, Any]] = [
    {
        "kind": "outage",
        "target": "erp.create_order",
        "mode": "refused",
        "windows": [{"start_h": 8, "end_h": 9}],
    },
    {
        "kind": "outage",
        "target": "wms",
        "mode": "timeout",
        "windows": [{"start_h": 9, "end_h": 10}],
    },
    {"kind": "outage", "target": "bus", "windows": [{"start_h": 10, "end_h": 10.5}]},
    {
        "kind": "outage",
        "target": "subscriber:crm-status-sync",
        "windows": [{"start_h": 11, "end_h": 12}],
    },
    {"kind": "outage", "target": "carrier.tender", "random": {"mtbf_h": 24, "mttr_h": 0.5}},
    {
        "kind": "brownout",
        "target": "crm",
        "latency_multiplier": 2,
        "error_rate": 0.1,
        "windows": [{"start_h": 10, "end_h": 12}],
    },
    {
        "kind": "throttle",
        "target": "crm",
        "preset": "custom",
        "limits": {"requests": 2, "window_s": 60},
        "windows": [{"start_h": 6, "end_h": 10}],
    },
    {
        "kind": "throttle",
        "target": "crm",
        "preset": "salesforce",
        "windows": [{"start_h": 12, "end_h": 48}],
    },
    {"kind": "throttle", "target": "erp", "preset": "dataverse"},
    {"kind": "lost_response", "target": "erp.create_order", "probability": 0.2},
    {"kind": "bus_duplicate", "target": TOPIC, "probability": 0.1},
    {
        "kind": "bus_delay",
        "target": TOPIC,
        "delay_s": 30,
        "windows": [{"start_h": 12, "end_h": 14}],
    },
    {"kind": "bus_reorder", "target": TOPIC, "probability": 0.1, "delay_s": 120},
    {"kind": "consumer_crash", "target": TOPIC, "probability": 0.1},
    {"kind": "poison", "target": TOPIC, "probability": 0.02},
    {"kind": "scan_duplicate", "target": "carrier.feed", "probability": 0.2},
    {"kind": "scan_missing", "target": "carrier.feed", "probability": 0.05},
    {"kind": "scan_reorder", "target": "carrier.feed", "probability": 0.2},
    {"kind": "scan_late", "target": "carrier.feed", "max_delay_h": 12},
    {"kind": "delivery_exception", "target": "carrier.delivery", "probability": 0.2},
]


def test_every_kind_at_once_gives_a_reproducible_history_per_seed() -> None:
    override = f"faults={json.dumps(EVERYTHING)}"
    first = run_small(override, seed=3)
    kinds = {f["kind"] for f in EVERYTHING}
    assert {w.kind for w in first.timeline.windows} == kinds
    assert first.history.select("fault.not_applicable") == []
    assert len(first.history.select("fault.started")) == len(first.timeline)
    # the faults bit: each leaves its mark at its consumer
    events = Counter(first.history.events.name(int(e)) for e in first.history.columns()["event"])
    for event in (
        "bus.publish_held",
        "bus.redelivered",
        "bus.dead_lettered",
        "integration.duplicate_suppressed",
        "carrier.delivery_exception",
    ):
        assert events[event] > 0, event
    outcomes = Counter(r["status"] for r in first.history.select("endpoint.call"))
    for outcome in ("unavailable", "timeout", "error", "lost_response", "throttled"):
        assert outcomes[outcome] > 0, outcome

    again = run_small(override, seed=3)
    assert again.history_hash == first.history_hash
    assert again.timeline == first.timeline
    other = run_small(override, seed=4)
    assert other.history_hash != first.history_hash
