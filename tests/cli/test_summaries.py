"""The command line's summaries (``server.cli.summaries``): a table of the demo tenants and
their counts, and an appraisal run's skipped managers counted by reason."""

from __future__ import annotations

from server.cli.summaries import appraisal_outcome, demo_table, problem_reasons, table
from server.demo import DemoSummary, TenantSummary


def _tenant(tenant_id: str, loans: int) -> TenantSummary:
    return TenantSummary(
        tenant_id=tenant_id,
        offices=3,
        managers=10,
        tier_changes=4,
        customers=50,
        blacklisted=1,
        class_changes=2,
        loans=loans,
    )


def test_a_table_aligns_text_left_and_numbers_right() -> None:
    assert table(["name", "n"], [["a", 5], ["bbb", 12]]).splitlines() == [
        "name   n",
        "----  --",
        "a      5",
        "bbb   12",
    ]


def test_the_demo_table_has_a_row_per_tenant_and_a_total() -> None:
    lines = demo_table(DemoSummary((_tenant("sd-demo", 100), _tenant("ah-demo", 250)))).splitlines()
    assert lines[0].split()[0] == "tenant" and lines[0].endswith("loans")
    assert lines[2].split() == ["sd-demo", "3", "10", "4", "50", "1", "2", "100"]
    assert lines[4].split() == ["total", "6", "20", "8", "100", "2", "4", "350"]


def test_one_tenant_has_no_total_row() -> None:
    lines = demo_table(DemoSummary((_tenant("sd-demo", 100),))).splitlines()
    assert len(lines) == 3 and not any(line.startswith("total") for line in lines)


def test_problems_are_counted_by_reason_each_missing_input_once_per_manager() -> None:
    reasons = problem_reasons(
        [
            {"managerId": "a", "missing": ["deposit_net_increase", "deposit_net_increase"]},
            {"managerId": "b", "missing": ["deposit_net_increase", "npl_net_reduction"]},
            {"managerId": "c", "separationOfDuties": "own record"},
            {"officeId": "o", "reconciliation": ["sums differ"]},
            {"error": "POLICY_UNAVAILABLE", "message": "no policy"},
        ]
    )
    assert reasons == {
        "missing input: deposit_net_increase": 2,
        "missing input: npl_net_reduction": 1,
        "own record (separation of duties)": 1,
        "office figures do not reconcile": 1,
        "run failed: POLICY_UNAVAILABLE": 1,
    }


def test_the_appraisal_outcome_lists_reasons_most_common_first() -> None:
    text = appraisal_outcome(
        run_id="r1",
        status="DONE",
        done=1,
        skipped=2,
        total=3,
        problems=[{"missing": ["x"]}, {"missing": ["x", "y"]}],
    )
    lines = text.splitlines()
    assert lines[0] == "run r1: DONE, 1 appraised, 2 skipped of 3"
    assert lines[-2].split() == ["missing", "input:", "x", "2"]
    assert lines[-1].split() == ["missing", "input:", "y", "1"]


def test_an_outcome_without_problems_is_the_counts_alone() -> None:
    text = appraisal_outcome(run_id="r", status="DONE", done=3, skipped=0, total=3, problems=[])
    assert text == "run r: DONE, 3 appraised, 0 skipped of 3"
