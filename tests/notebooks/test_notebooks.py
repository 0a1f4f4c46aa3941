"""The notebooks in notebooks/: committed without outputs, and each one runs at CI scale.

Each notebook is executed top to bottom in a fresh Jupyter kernel (nbclient), in its own
folder as Jupyter runs it, with ``O2CSIM_NOTEBOOK_SCALE=ci`` so that its first code cell
(tagged ``parameters``) switches it to a tiny world. The kernel is this Python, with this
checkout first on ``PYTHONPATH``, so it runs the code under test, not an installed copy.
A cell that raises fails the test, and so does a warning a cell printed: the kernel is
another process, out of reach of pytest's ``filterwarnings = ["error"]``.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
SCALE_VARIABLE = "O2CSIM_NOTEBOOK_SCALE"
CELL_TIMEOUT_S = 600
WARNING = re.compile(r"\b\w*Warning\b")


def _names(path: Path) -> str:
    return path.stem


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI scale, and this checkout's code, for the kernel the test starts."""
    monkeypatch.setenv(SCALE_VARIABLE, "ci")
    given = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), *([given] if given else [])]))


def _execute(notebook: nbformat.NotebookNode, folder: Path) -> None:
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()


def test_the_three_notebooks_are_there() -> None:
    assert {path.name for path in NOTEBOOKS} >= {
        "compare_patterns_erp_outage.ipynb",
        "capacity_planning_peak_season.ipynb",
        "failure_drill.ipynb",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_names)
def test_committed_without_outputs_and_with_a_parameters_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    with_outputs = [
        index for index, cell in enumerate(code) if cell.outputs or cell.execution_count is not None
    ]
    assert not with_outputs, f"{path.name}: clear the outputs of code cells {with_outputs}"
    assert "widgets" not in notebook.metadata, f"{path.name}: saved widget state"
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), "the first code cell sets parameters"
    assert re.search(r'^SCALE = "full"', first.source, re.MULTILINE)
    assert any(SCALE_VARIABLE in cell.source for cell in code), f"{SCALE_VARIABLE} is not read"


@pytest.mark.usefixtures("kernel_env")
def test_the_kernel_runs_this_checkout_at_ci_scale(tmp_path: Path) -> None:
    probe = nbformat.v4.new_notebook()
    probe.cells.append(
        nbformat.v4.new_code_cell(
            "import os, sim\nprint(sim.__file__, os.environ['O2CSIM_NOTEBOOK_SCALE'])"
        )
    )
    _execute(probe, tmp_path)
    printed = "".join(o.get("text", "") for o in probe.cells[0].outputs)
    path, scale = printed.split()
    assert Path(path).resolve() == ROOT / "sim" / "__init__.py" and scale == "ci"


@pytest.mark.usefixtures("kernel_env")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_names)
def test_runs_at_ci_scale(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    _execute(notebook, path.parent)  # a cell that raises fails here, with its traceback
    took = time.perf_counter() - started
    warned = [
        output["text"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
        and output.name == "stderr"
        and WARNING.search(output["text"])
    ]
    assert not warned, f"{path.name} warned:\n" + "\n".join(warned)
    drawn = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert drawn >= 2, f"{path.name} drew {drawn} figures"
    print(f"{path.name}: {took:.1f} s at CI scale")
