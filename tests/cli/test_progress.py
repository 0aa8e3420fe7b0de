"""The progress of a long command: a bar redrawn in place on a terminal, a plain line now
and then anywhere else, and a last line saying how it ended."""

from __future__ import annotations

import io

import pytest

from server.cli.progress import LINE_EVERY_SECONDS, Mode, Progress, mode_for


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_gets_a_bar_anything_else_lines() -> None:
    assert mode_for(FakeTerminal()) is Mode.BAR
    assert mode_for(io.StringIO()) is Mode.LINES


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    out, clock = FakeTerminal(), Clock()
    with Progress("appraise sd-demo 2026", unit="managers", stream=out, clock=clock) as progress:
        for done in range(0, 201, 50):
            clock.now += 1
            progress.update(done, 200)
    text = out.getvalue()
    frames = text.split("\r")[1:]
    assert len(frames) == 6  # five updates and the last line
    assert frames[0].startswith("appraise sd-demo 2026 [" + "." * 30 + "]   0% 0/200 managers")
    assert "[###############...............]  50% 100/200 managers" in frames[2]
    assert frames[-1].rstrip() == "appraise sd-demo 2026: done, 200/200 managers in 5.0s"
    assert text.endswith("\n") and text.count("\n") == 1


def test_elsewhere_a_line_at_most_every_few_seconds_and_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress("import", unit="rows", stream=out, clock=clock) as progress:
        for done in range(1, 13):
            clock.now += 1
            progress.update(done, 12)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines == [
        "import: 5/12 rows (41%), 5s",
        "import: 10/12 rows (83%), 10s",
        "import: done, 12/12 rows in 12.0s",
    ]


def test_short_work_off_a_terminal_says_only_how_it_ended() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress("snapshot", unit="loans", stream=out, clock=clock) as progress:
        clock.now += LINE_EVERY_SECONDS / 2
        progress.update(40, 40)
    assert out.getvalue() == "snapshot: done, 40/40 loans in 2.5s\n"


def test_a_count_not_known_yet_spins() -> None:
    out, clock = FakeTerminal(), Clock()
    progress = Progress("snapshot", unit="loans", stream=out, clock=clock)
    clock.now += 1
    progress.update(0)
    clock.now += 1
    progress.update(0)
    assert "snapshot [/] 0 loans 1s" in out.getvalue()
    assert "snapshot [-] 0 loans 2s" in out.getvalue()


def test_a_failure_and_an_interruption_are_said_and_off_says_nothing() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Progress("run", stream=out, clock=Clock()):
        raise RuntimeError("boom")
    assert out.getvalue() == "run: stopped, 0 in 0.0s\n"
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt), Progress("run", stream=out, clock=Clock()):
        raise KeyboardInterrupt
    assert out.getvalue() == "run: interrupted, 0 in 0.0s\n"
    out = FakeTerminal()
    with Progress("run", stream=out, mode=Mode.OFF) as progress:
        progress.update(5, 10, force=True)
    assert out.getvalue() == ""
