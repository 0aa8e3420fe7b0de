"""What the ``ruralcredit`` command prints after its work: plain-text tables for a person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from server.demo import DemoSummary

DEMO_COLUMNS = (
    ("tenant", "tenant_id"),
    ("offices", "offices"),
    ("managers", "managers"),
    ("tier changes", "tier_changes"),
    ("customers", "customers"),
    ("blacklisted", "blacklisted"),
    ("class changes", "class_changes"),
    ("loans", "loans"),
)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell; text left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def demo_table(summary: DemoSummary) -> str:
    counts = [[int(getattr(t, a)) for _, a in DEMO_COLUMNS[1:]] for t in summary.tenants]
    rows: list[list[object]] = [
        [t.tenant_id, *row] for t, row in zip(summary.tenants, counts, strict=True)
    ]
    if len(rows) > 1:
        rows.append(["total", *(sum(column) for column in zip(*counts, strict=True))])
    return table([name for name, _ in DEMO_COLUMNS], rows)


def problem_reasons(problems: Sequence[dict[str, Any]]) -> Counter[str]:
    """The run's problems counted by reason: the managers missing each input (a manager can
    miss several), own records skipped for separation of duties, offices whose figures do
    not reconcile, a failure of the run."""
    reasons: Counter[str] = Counter()
    for problem in problems:
        if "missing" in problem:
            # A key can be listed more than once for one manager; it is counted once.
            for key in dict.fromkeys(problem["missing"] or ["(unspecified input)"]):
                reasons[f"missing input: {key}"] += 1
        elif "separationOfDuties" in problem:
            reasons["own record (separation of duties)"] += 1
        elif "reconciliation" in problem:
            reasons["office figures do not reconcile"] += 1
        elif "error" in problem:
            reasons[f"run failed: {problem['error']}"] += 1
        else:
            reasons["other"] += 1
    return reasons


def appraisal_outcome(
    *, run_id: object, status: str, done: int, skipped: int, total: int, problems: list[Any]
) -> str:
    head = f"run {run_id}: {status}, {done} appraised, {skipped} skipped of {total}"
    reasons = problem_reasons([p for p in problems if isinstance(p, dict)])
    if not reasons:
        return head
    rows = [[reason, count] for reason, count in reasons.most_common()]
    return head + "\n\n" + table(["reason", "managers"], rows)
