"""``benchmarks/time_by_layer.py`` charges each sample to the layer of its innermost o2csim
frame, and counts only samples taken while the simulation's event loop runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "time_by_layer", REPO / "benchmarks" / "time_by_layer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOOP = "<module> (<string>:9);SimEnvironment.run (sim/engine/event_loop.py:174)"
RAW = [
    # the endpoint's own code: engine
    f"{LOOP};Retrier.run_call (sim/integration/messaging/retry.py:140);"
    "Endpoint.call (sim/engine/endpoint.py:358) 5",
    # a mock system's commit called by the engine: the mock system
    f"{LOOP};Endpoint.call (sim/engine/endpoint.py:360);"
    "Crm._write_order (mock_systems/crm.py:350) 3",
    # a library under an integration frame (a named tuple's __new__): the integration core
    f"{LOOP};ErpAdapter.envelope (sim/integration/adapters/erp.py:300);<lambda> (<string>:1) 2",
    # SimPy's own code: engine
    f"{LOOP};Environment.schedule (/venv/lib/python3.11/site-packages/simpy/core.py:165) 4",
    # order intake: other o2csim
    f"{LOOP};OrderEntry.accept_orders (sim/order_entry.py:103) 1",
    # building the world, before the loop runs: not counted
    "<module> (<string>:7);build_world (sim/world.py:120);Crm.__init__ (mock_systems/crm.py:80) 50",
]


def test_samples_are_charged_to_the_innermost_o2csim_frame() -> None:
    samples = _benchmark().charge(RAW)
    assert dict(samples) == {
        "engine": 9,
        "mock systems": 3,
        "integration core": 2,
        "other o2csim": 1,
    }


def test_layers_by_path() -> None:
    layer_of = _benchmark().layer_of
    assert layer_of("sim/engine/endpoint.py") == "engine"
    assert layer_of("/x/site-packages/simpy/events.py") == "engine"
    assert layer_of("mock_systems/erp/status.py") == "mock systems"
    assert layer_of("sim/integration/blocks/status_sync.py") == "integration core"
    assert layer_of("sim/order_entry.py") == "other o2csim"
    assert layer_of("/usr/lib/python3.11/heapq.py") is None
    assert layer_of("<string>") is None
