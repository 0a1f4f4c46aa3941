"""Headless Chromium driven through the DevTools protocol over a pipe, standard library only.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from file
descriptor 3 and writes responses and events to descriptor 4, each message JSON ended by a
NUL byte (Playwright's default transport for Chromium). No websocket, no port, no client
library: :class:`Browser` starts the process with two pipes on those descriptors, sends
commands and keeps the events it reads on the way, for the test to inspect.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

__all__ = ["Browser", "CdpError", "chromium_path", "open_browser"]

CHROMIUM_ENV = "O2CSIM_CHROMIUM"

FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
)

# Puts the two pipe ends on descriptors 3 and 4, then becomes Chromium: a helper, so that
# no Python code runs between fork and exec in the (possibly threaded) test process.
_ON_3_AND_4 = """
import fcntl, os, sys
given = [int(sys.argv[1]), int(sys.argv[2])]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in given]
for fd in given:
    os.close(fd)
os.dup2(high[0], 3)
os.dup2(high[1], 4)
for fd in high:
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


class CdpError(RuntimeError):
    """Chromium answered a command with an error, closed the pipe, or did not answer."""


def chromium_path() -> str | None:
    """``$O2CSIM_CHROMIUM``, else ``chromium`` (Debian) or ``chromium-browser`` on PATH."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One Chromium process and its protocol pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        command_read, self._command_write = os.pipe()
        self._reply_read, reply_write = os.pipe()
        self._log = (profile.parent / f"{profile.name}.stderr").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _ON_3_AND_4,
                str(command_read),
                str(reply_write),
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(command_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        os.close(command_read)
        os.close(reply_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.stderr_path = Path(self._log.name)

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or ``None`` when the deadline passes first."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._reply_read], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._reply_read, 1 << 20)
            if not chunk:
                raise CdpError(f"Chromium closed the protocol pipe; see {self.stderr_path}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """Send one command and return its result; events read meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._command_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise CdpError(f"{method}: no answer within {timeout:g} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, session: str | None, timeout: float = 30.0) -> dict[str, Any]:
        """The first event ``method`` (of ``session``), already read or still to come."""
        for event in self.events:
            if event["method"] == method and event.get("sessionId") == session:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(deadline)
            if event is None:
                raise CdpError(f"no {method} event within {timeout:g} s")
            if "method" in event:
                self.events.append(event)
                if event["method"] == method and event.get("sessionId") == session:
                    return event

    def drain(self, seconds: float) -> None:
        """Keep reading events for ``seconds`` (late requests, late console messages)."""
        deadline = time.monotonic() + seconds
        while (event := self._read(deadline)) is not None:
            if "method" in event:
                self.events.append(event)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                with suppress(CdpError, OSError):
                    self.send("Browser.close", timeout=5.0)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            os.close(self._command_write)
            os.close(self._reply_read)
            self._log.close()


@contextmanager
def open_browser(executable: str, profile: Path) -> Iterator[Browser]:
    """A started Chromium, closed (and its pipes) at the end of the block."""
    browser = Browser(executable, profile)
    try:
        yield browser
    finally:
        browser.close()
