"""Where a simulation's time goes, by layer: engine, integration core, mock systems.

Samples a run of a scenario (default: scenarios/baseline.yaml, as ``throughput.py`` runs it)
with py-spy, a sampling profiler that reads the process from outside, so the run goes at
full speed (a tracing profiler such as cProfile or pyinstrument's default mode adds a cost
to every Python call and so inflates the layers that make many small calls). Each sample
taken while the simulation runs is charged to the layer of the innermost o2csim frame on
its stack (a library function, such as ``heapq.heappop`` or pydantic, counts for the
o2csim code that called it):

* **engine**: ``sim/engine`` and SimPy: the event loop, endpoints, locks, server pools,
  keyed random draws, monitors, calendars and the history's appends;
* **integration core**: ``sim/integration``: patterns, blocks, adapters, bus, retries;
* **mock systems**: ``mock_systems``: the ERP's, CRM's, WMS's and carrier's own rules;
* **other**: the rest of ``sim`` (order intake, faults, archiving).

The bare-SimPy pipeline of ``throughput.py`` does, per timed step, roughly what the engine
does for one; the other layers are the business the model simulates. So the share of the
engine times the ratio to bare SimPy says what the engine alone costs against the
pipeline, and the rest says what even a free engine would leave. Needs the ``profile``
extra (py-spy) and a kernel that lets a process trace its child (ptrace). Usage::

    python benchmarks/time_by_layer.py [--scenario PATH] [--set KEY=VALUE ...] [--rate HZ]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

LAYERS = (
    ("sim/engine/", "engine"),
    ("simpy/", "engine"),
    ("sim/integration/", "integration core"),
    ("mock_systems/", "mock systems"),
    ("sim/", "other o2csim"),
)
"""Path fragment of a frame's file -> its layer, first match wins."""

_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>.*?)(?::\d+)?\)$")
_LOOP = "SimEnvironment.run"
"""A sample counts only while the simulation's event loop is on the stack."""

_CHILD = """
import sys
from sim.collector import simulation_collector
from sim.scenario import load_scenario
from sim.world import build_world

scenario = load_scenario(sys.argv[1], sys.argv[2:])
world = build_world(scenario)
with simulation_collector():
    world.run.sim.run(until=world.horizon_s)
"""


def layer_of(path: str) -> str | None:
    """The layer of a frame's source file, or None for a library or the interpreter."""
    for fragment, layer in LAYERS:
        if path.startswith(fragment) or f"/{fragment}" in path:
            return layer
    return None


def charge(raw_lines: list[str]) -> Counter[str]:
    """Samples per layer from py-spy's raw output (``frame;frame;... count`` per line)."""
    samples: Counter[str] = Counter()
    for line in raw_lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if _LOOP not in stack or not count.isdigit():
            continue
        layer = "other o2csim"
        for frame in reversed(stack.split(";")):
            match = _FRAME.match(frame)
            found = layer_of(match.group("path")) if match else None
            if found is not None:
                layer = found
                break
        samples[layer] += int(count)
    return samples


def main() -> int:
    """Sample one run and print each layer's share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/baseline.yaml"))
    parser.add_argument("--set", action="append", default=[], help="dotted overrides")
    parser.add_argument("--rate", type=int, default=250, help="samples a second")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed: pip install -e '.[profile]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "samples.txt"
        command = [spy, "record", "--rate", str(args.rate), "--format", "raw"]
        command += ["--output", str(raw), "--", sys.executable, "-c", _CHILD]
        command += [str(args.scenario), *args.set]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not raw.exists():
            print(done.stderr.strip() or "py-spy failed", file=sys.stderr)
            return 1
        samples = charge(raw.read_text().splitlines())
    total = sum(samples.values())
    if not total:
        print("no samples inside the simulation's event loop", file=sys.stderr)
        return 1
    print(f"scenario   {args.scenario} {' '.join(args.set)}")
    print(f"samples    {total:,} inside the event loop at {args.rate}/s")
    for layer, count in samples.most_common():
        print(f"{layer:<17}{100 * count / total:5.1f}%  ({count:,} samples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
