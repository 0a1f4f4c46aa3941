"""Lazy package exports: a package's public names load their submodule on first use only."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from sim.lazy_exports import lazy_exports

REPO = Path(__file__).resolve().parents[2]

LAZY_PACKAGES = ("sim.scenario", "sim.report")


def _loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{statement}\nimport json, sys\nprint(json.dumps(list(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_scenario_package_does_not_load_the_model() -> None:
    loaded = _loaded_after("import sim.scenario")
    assert "sim.scenario" in loaded
    assert not {"sim.scenario.model", "sim.scenario.budget", "pydantic", "numpy"} & loaded


def test_the_memory_ceiling_default_is_read_without_the_model() -> None:
    loaded = _loaded_after("from sim.scenario import DEFAULT_MAX_MEMORY_GIB, MAX_MEMORY_ENV")
    assert "sim.scenario.ceiling" in loaded
    assert "sim.scenario.model" not in loaded


def test_a_scenario_name_loads_the_model_when_asked() -> None:
    loaded = _loaded_after("from sim.scenario import Scenario")
    assert "sim.scenario.model" in loaded
    assert "sim.scenario.budget" not in loaded


def test_importing_one_part_of_the_report_package_does_not_load_the_others() -> None:
    loaded = _loaded_after("import sim.report.loaded")
    assert not {"sim.report.console", "sim.report.files"} & loaded


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_public_name_is_the_object_its_submodule_defines(name: str) -> None:
    package = importlib.import_module(name)
    values = {public: getattr(package, public) for public in package.__all__}
    submodules = [m for key, m in sys.modules.items() if key.startswith(f"{name}.")]
    for public, value in values.items():
        assert not isinstance(value, types.ModuleType), public
        assert any(getattr(m, public, None) is value for m in submodules), public
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_an_unknown_name_is_an_attribute_error(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError, match="no attribute 'Nonexistent'"):
        package.Nonexistent  # noqa: B018
    with pytest.raises(ImportError):
        exec(f"from {name} import Nonexistent")


def test_a_name_is_loaded_once_then_kept_in_the_namespace() -> None:
    namespace: dict[str, object] = {}
    getattr_, dir_ = lazy_exports("sim.scenario", namespace, {"MAX_MEMORY_ENV": "ceiling"})
    assert "MAX_MEMORY_ENV" not in namespace
    assert getattr_("MAX_MEMORY_ENV") == "O2CSIM_MAX_MEMORY_GIB"
    assert namespace["MAX_MEMORY_ENV"] == "O2CSIM_MAX_MEMORY_GIB"
    assert dir_() == ["MAX_MEMORY_ENV"]
    with pytest.raises(AttributeError):
        getattr_("DEFAULT_MAX_MEMORY_GIB")
