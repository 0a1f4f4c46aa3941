"""``o2csim report``: one self-contained HTML page of a run or a comparison folder.

``o2csim report RUN_DIR --out report.html`` reads what ``o2csim run --out`` wrote;
``o2csim report COMPARE_DIR`` what ``o2csim compare --out`` (or ``o2csim run --replications
N --out``) wrote. The folder's kind is told by its files; a folder that is neither, or
cannot be read, is bad input (exit 2, one message, no traceback). Nothing is simulated.

``--figures DIR`` writes each chart of the report as ``DIR/NAME.png`` (:data:`FIGURES`
lists the names), the very PNGs the page embeds. With ``--figures`` and no ``--out`` only
the figures are written; give ``--out`` as well for the page too. A file of the same name
in DIR is replaced, nothing else there is touched; a chart that cannot be drawn is named
on stderr and left out. A DIR that is a file, or cannot be written, is bad input.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from sim.cli_common import err_console, fail, out_console

if TYPE_CHECKING:
    from sim.report.html.images import Chart
    from sim.report.loaded import FolderKind

__all__ = ["FIGURES", "report_command"]

_KINDS = ("run", "compare")

FIGURES: dict[str, tuple[str, ...]] = {
    "run": (
        "fault_timeline",
        "latency_cdf",
        "alerts",
        "backlog",
        "throughput",
        "dead_letters_and_exceptions",
        "crm_staleness",
        "endpoint_utilisation",
    ),
    "compare": ("sla_compliance",),
}
"""The files ``--figures`` writes (``NAME.png``), per kind of folder, in the page's order.

A comparison has its SLA chart only when its scenario sets an SLA target.
"""


def _check_target(out: Path) -> None:
    """Refuse an output path that cannot be written, before anything is read or drawn."""
    try:
        if out.is_dir():
            fail(f"--out {out}: is a folder, expected an HTML file name such as report.html")
        existing = next(p for p in out.absolute().parents if p.exists())
        if not existing.is_dir():
            fail(f"--out {out}: {existing} is a file, expected a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            fail(f"--out {out}: {existing} is not writable")
    except OSError as exc:
        fail(f"--out {out}: cannot use this path ({exc.strerror or exc})")


def _check_figures(folder: Path) -> None:
    """Refuse a figures folder that is a file or cannot be written, before anything is drawn."""
    try:
        existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
        if not existing.is_dir():
            what = "is a file" if existing == folder.absolute() else f"{existing} is a file"
            fail(f"--figures {folder}: {what}, expected a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            fail(f"--figures {folder}: {existing} is not writable")
    except OSError as exc:
        fail(f"--figures {folder}: cannot use this path ({exc.strerror or exc})")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(out: Path, content: bytes, option: str, what: str) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename.

    The file gets the permissions of any file the user creates (the temporary file's
    owner-only mode is widened by the umask), so it can be shared as it is.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(
            prefix=".o2csim-report-", suffix=out.suffix, dir=out.parent
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(staged, 0o666 & ~_umask())
            os.replace(staged, out)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise
    except OSError as exc:
        fail(f"{option} {out}: cannot write {what} ({exc.strerror or exc})")


def _write_figures(folder: Path, charts: tuple[Chart, ...]) -> list[Path]:
    """Each drawn chart as ``folder/NAME.png``; a chart that could not be drawn is named."""
    written = []
    for chart in charts:
        png = chart.drawn
        if isinstance(png, Exception):
            err_console.print(
                f"warning: figure {chart.name} not drawn ({chart.problem})",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            continue
        path = folder / f"{chart.name}.png"
        _write(path, png, "--figures", "the figure")
        written.append(path)
    return written


def report_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="a run folder (o2csim run --out) or a comparison folder (o2csim compare --out)"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="the HTML file to write (default: FOLDER/report.html, unless --figures "
            "is given alone)"
        ),
    ] = None,
    figures: Annotated[
        Path | None,
        typer.Option(
            help="a folder to write each chart into as NAME.png (run: "
            f"{', '.join(FIGURES['run'])}; comparison: {', '.join(FIGURES['compare'])}); "
            "without --out, only the figures are written"
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="run or compare: which to report of a folder that holds both"),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a run or comparison folder, or its figures."""
    if kind is not None and kind not in _KINDS:
        fail(f"--kind {kind}: expected run or compare")
    target = out if out is not None else (None if figures is not None else folder / "report.html")
    if target is not None:
        _check_target(target)
    if figures is not None:
        _check_figures(figures)
    # imported only now, so that bad input answers quickly
    from sim.report.html import report_folder
    from sim.report.loaded import FolderError

    try:
        report = report_folder(folder, cast("FolderKind | None", kind))
    except FolderError as error:
        fail(str(error))
    console = out_console()
    if target is not None:
        content = report.page.encode("utf-8")
        _write(target, content, "--out", "the report")
        console.print(
            f"report: {target} ({len(content) / 1024:,.0f} kB, {report.kind} folder {folder})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if figures is not None:
        written = _write_figures(figures, report.charts)
        names = ", ".join(path.name for path in written)
        none = "no chart in this report" + (
            ": a comparison has one when its scenario sets an SLA target"
            if report.kind == "compare"
            else ""
        )
        console.print(
            f"figures: {figures} ({len(written)} PNG file{'s' if len(written) > 1 else ''}: "
            f"{names})"
            if written
            else f"figures: {figures} (none written, {none})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
