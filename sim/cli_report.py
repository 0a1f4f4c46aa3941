"""``o2csim report``: one self-contained HTML page of a run or a comparison folder.

``o2csim report RUN_DIR --out report.html`` reads what ``o2csim run --out`` wrote;
``o2csim report COMPARE_DIR`` what ``o2csim compare --out`` (or ``o2csim run --replications
N --out``) wrote. The folder's kind is told by its files; a folder that is neither, or
cannot be read, is bad input (exit 2, one message, no traceback). Nothing is simulated.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from sim.cli_common import fail, out_console

if TYPE_CHECKING:
    from sim.report.loaded import FolderKind

__all__ = ["report_command"]

_KINDS = ("run", "compare")


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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(out: Path, page: str) -> None:
    """Write the page whole or not at all: a temporary file beside it, then a rename.

    The page gets the permissions of any file the user creates (the temporary file's
    owner-only mode is widened by the umask), so it can be shared as it is.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(prefix=".o2csim-report-", suffix=".html", dir=out.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(page)
            os.chmod(staged, 0o666 & ~_umask())
            os.replace(staged, out)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise
    except OSError as exc:
        fail(f"--out {out}: cannot write the report ({exc.strerror or exc})")


def report_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="a run folder (o2csim run --out) or a comparison folder (o2csim compare --out)"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="the HTML file to write (default: FOLDER/report.html)"),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="run or compare: which to report of a folder that holds both"),
    ] = None,
) -> None:
    """Write one self-contained HTML report of a run or comparison folder."""
    if kind is not None and kind not in _KINDS:
        fail(f"--kind {kind}: expected run or compare")
    target = out if out is not None else folder / "report.html"
    _check_target(target)
    # imported only now, so that bad input answers quickly
    from sim.report.html import render_folder
    from sim.report.loaded import FolderError

    try:
        found, page = render_folder(folder, cast("FolderKind | None", kind))
    except FolderError as error:
        fail(str(error))
    _write(target, page)
    size = len(page.encode("utf-8"))
    out_console().print(
        f"report: {target} ({size / 1024:,.0f} kB, {found} folder {folder})",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
