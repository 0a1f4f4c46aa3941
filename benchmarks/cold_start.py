"""Cold start: how long a fresh process takes to answer ``o2csim --help`` and to import.

Each command runs ``--runs`` times (default 7) in a fresh subprocess and the median wall
time is printed, beside a bare ``python -c pass`` for reference: the interpreter's own
start-up is the floor no change to o2csim can go under. The commands:

- ``o2csim --help``: the ``o2csim`` script installed beside this Python (its entry point
  ``sim.cli:main``), else ``python -m sim.cli --help``, which takes the same path;
- ``o2csim run --help``: one command's options (typer builds a pydantic ``TypeAdapter``
  for each option it shows, so this one loads pydantic);
- ``python -c "import sim.cli"``: building the command tree;
- ``python -c "import sim.scenario"``: the scenario package (lazy: its model is not loaded);
- ``python -c "import sim.scenario.model"``: the pydantic scenario model itself.

One run of each is made first and not counted, so the bytecode caches exist, as they do
for an installed package; ``PYTHONDONTWRITEBYTECODE`` is dropped from the children's
environment for the same reason (without a cache every run compiles o2csim's sources,
about 0.1 s more). o2csim is imported from this checkout (it is put first on
``PYTHONPATH``). The target for ``o2csim --help`` is under 0.5 s. Usage::

    python benchmarks/cold_start.py [--runs N]

The figures are wall times on a shared machine: the script prints the load average
before and after, since other work slows every command alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_HELP_SECONDS = 0.5


HELP = "o2csim --help"


def o2csim() -> list[str]:
    """The argv that starts o2csim: the installed script, else ``python -m sim.cli``."""
    script = shutil.which("o2csim", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "sim.cli"]


def commands() -> dict[str, list[str]]:
    """The timed commands by label, each a full argv."""
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        HELP: [*o2csim(), "--help"],
        "o2csim run --help": [*o2csim(), "run", "--help"],
        "import sim.cli": [python, "-c", "import sim.cli"],
        "import sim.scenario": [python, "-c", "import sim.scenario"],
        "import sim.scenario.model": [python, "-c", "import sim.scenario.model"],
    }


def child_env() -> dict[str, str]:
    """This process's environment with this checkout first on the path, bytecode cached."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def wall(argv: list[str], env: dict[str, str]) -> float:
    """Seconds one fresh process takes, from start to exit; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return seconds


def main() -> None:
    """Time every command and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per command")
    args = parser.parse_args()
    env = child_env()
    timed = commands()
    print(f"o2csim: {' '.join(o2csim())} (o2csim from {ROOT})")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for argv in timed.values():  # warm-up: bytecode caches and the file system's
        wall(argv, env)
    samples: dict[str, list[float]] = {label: [] for label in timed}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every command alike
        for label, argv in timed.items():
            samples[label].append(wall(argv, env))
    print(f"median of {args.runs} fresh processes (min .. max), seconds:")
    for label, seconds in samples.items():
        print(
            f"  {label:<28} {statistics.median(seconds):6.3f}  "
            f"({min(seconds):.3f} .. {max(seconds):.3f})"
        )
    verdict = "met" if statistics.median(samples[HELP]) < TARGET_HELP_SECONDS else "NOT met"
    print(f"{HELP} target under {TARGET_HELP_SECONDS} s: {verdict}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
