"""Progress of a long command (``appraise``, ``snapshot``, later the imports), on stderr.

On a terminal it is a bar redrawn in place (``\\r``), at most ``BAR_REDRAW_SECONDS``
apart, and a final line when the work ends. Anywhere else (a pipe, a log file, a job
runner) it is a plain line at most every ``LINE_EVERY_SECONDS`` and the final one, so logs
stay readable and free of control characters. Standard output is left to the command's
summary. A command makes one :class:`Progress` per piece of work::

    with Progress("appraise sd-demo 2026", unit="managers") as progress:
        progress.update(done, total)
    # then progress.finish("DONE") is said by the ``with`` on a normal end
"""

from __future__ import annotations

import enum
import sys
import time
import typing
from collections.abc import Callable
from types import TracebackType

BAR_WIDTH = 30
BAR_REDRAW_SECONDS = 0.1
LINE_EVERY_SECONDS = 5.0
SPINNER = "|/-\\"


class Mode(enum.Enum):
    BAR = "bar"
    """A bar redrawn in place: for a terminal."""
    LINES = "lines"
    """A plain line now and then: for a pipe or a log."""
    OFF = "off"
    """Nothing."""


def mode_for(stream: typing.TextIO) -> Mode:
    """A bar on a terminal, plain lines anywhere else."""
    isatty = getattr(stream, "isatty", None)
    return Mode.BAR if callable(isatty) and isatty() else Mode.LINES


class Progress:
    """The progress of one piece of work of ``total`` things (``None``: not known yet)."""

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        unit: str = "",
        stream: typing.TextIO | None = None,
        mode: Mode | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.mode = mode if mode is not None else mode_for(self.stream)
        self._clock = clock
        self._started = clock()
        self._last_shown: float | None = None
        self._shown_width = 0
        self._ticks = 0
        self._finished = False

    def update(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """``done`` things of ``total`` (the total given before when absent)."""
        self.done = max(done, 0)
        if total is not None:
            self.total = max(total, 0)
        now = self._clock()
        every = BAR_REDRAW_SECONDS if self.mode is Mode.BAR else LINE_EVERY_SECONDS
        if not force and self._last_shown is not None and now - self._last_shown < every:
            return
        if (
            self.mode is Mode.LINES
            and self._last_shown is None
            and not force
            and now - self._started < every
        ):
            # The first line comes after the first interval: short work prints only its end.
            return
        self._last_shown = now
        self._show(now)

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def finish(self, outcome: str = "done") -> None:
        """The last line: what became of the work, how much, in how long."""
        if self._finished:
            return
        self._finished = True
        if self.mode is Mode.OFF:
            return
        elapsed = self._clock() - self._started
        text = f"{self.label}: {outcome}, {self._count()} in {elapsed:.1f}s"
        if self.mode is Mode.BAR:
            self._write_in_place(text)
            self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.finish()
        elif issubclass(kind, KeyboardInterrupt):
            self.finish("interrupted")
        else:
            self.finish("stopped")

    def _count(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.total is None:
            return f"{self.done}{unit}"
        return f"{self.done}/{self.total}{unit}"

    def _show(self, now: float) -> None:
        if self.mode is Mode.OFF:
            return
        elapsed = now - self._started
        if self.mode is Mode.LINES:
            share = f" ({self._percent()}%)" if self.total else ""
            self.stream.write(f"{self.label}: {self._count()}{share}, {elapsed:.0f}s\n")
        else:
            self._write_in_place(f"{self.label} {self._bar()} {self._count()} {elapsed:.0f}s")
        self.stream.flush()

    def _percent(self) -> int:
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    def _bar(self) -> str:
        if not self.total:
            self._ticks += 1
            return f"[{SPINNER[self._ticks % len(SPINNER)]}]"
        filled = min(BAR_WIDTH, self.done * BAR_WIDTH // self.total)
        return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self._percent():3d}%"

    def _write_in_place(self, text: str) -> None:
        padding = " " * max(0, self._shown_width - len(text))
        self.stream.write(f"\r{text}{padding}")
        self._shown_width = len(text)
