"""What Shandong's yearly appraisal reads (第十一条): the indicator keys and where each comes from.

A quarter reads nothing: 第八条 grades once a year. Art. 12 (transfers: the B
indicators of both offices added) and Art. 14 (task figures reconciled with the
office's totals) are applied by the core before the values reach the plugin.
"""

from __future__ import annotations

from dataclasses import replace

from server.policy import IndicatorSource, IndicatorSpec, Period, PeriodKind

# Indicator keys this plugin reads.
EXAM_PASSED = "induction_exam_passed"
EVALUATION = "annual_evaluation"
CUSTOMERS_NATURAL = "customers_natural"
CUSTOMERS_CORPORATE = "customers_corporate"
LOAN_BALANCE = "loan_balance"
NPL_START = "npl_balance_start"
NPL_END = "npl_balance_end"
NOTICE_COVERAGE = "notice_coverage"
DEPOSITS = "deposit_net_increase"
DEPOSIT_AVERAGE = "deposit_monthly_average"
NPL_REDUCTION = "npl_net_reduction"
NPL_WRITTEN_OFF = "npl_written_off"
NPL_CASH = "npl_cash_recovered"
WRITEOFF = "writeoff_recovered"
LIMITATION_LOST = "npl_limitation_lost"
INTEREST = "interest_recovered"
FINDINGS = "inspection_findings"

REQUIRED_VALUES = (
    CUSTOMERS_NATURAL,
    CUSTOMERS_CORPORATE,
    LOAN_BALANCE,
    NPL_START,
    NPL_END,
    NOTICE_COVERAGE,
    DEPOSITS,
    NPL_CASH,
    WRITEOFF,
    INTEREST,
)
REQUIRED_PLANS = (DEPOSITS, NPL_REDUCTION, NPL_CASH, WRITEOFF, INTEREST)
REQUIRED_PROFILE = (
    "education",
    "professional_title",
    "credit_exam",
    "credit_work_years",
    "system_proficiency",
    "jurisdiction_households",
    "rated_households",
)


LABELS = {
    "status": "客户经理状态",
    "probation_ends_on": "见习期满日期",
    EXAM_PASSED: "上岗培训考试合格",
    EVALUATION: "年度考评结果",
    "education": "学历",
    "professional_title": "专业技术职称",
    "credit_exam": "信贷从业资格考试",
    "credit_work_years": "从事信贷或相关工作年限",
    "system_proficiency": "信贷及资产风险管理系统操作熟练程度",
    "category": "客户经理类别",
    CUSTOMERS_NATURAL: "管护自然人贷款客户数",
    CUSTOMERS_CORPORATE: "管护法人贷款客户数",
    LOAN_BALANCE: "年末管护贷款余额",
    "jurisdiction_households": "辖内农户(商户)数",
    "rated_households": "建档评级并通过年审的农户(商户)数",
    DEPOSITS: "组织资金净增额",
    DEPOSIT_AVERAGE: "存款月均余额",
    NPL_START: "年初不良贷款余额",
    NPL_END: "年末不良贷款余额",
    NPL_WRITTEN_OFF: "呆账核销金额",
    NPL_REDUCTION: "不良贷款净降",
    NPL_CASH: "不良贷款现金清收额",
    WRITEOFF: "表外已核销、已置换贷款清收额",
    NOTICE_COVERAGE: "到逾期贷款书面催收覆盖率",
    LIMITATION_LOST: "新增丧失诉讼时效的不良贷款笔数",
    INTEREST: "收回贷款利息",
    "office_has_credit_clerk": "网点设信贷内勤岗位",
    FINDINGS: "工作质量检查发现",
}
"""Each input's Chinese name; a plan is the name with 计划."""


def _labelled(spec: IndicatorSpec) -> IndicatorSpec:
    name = LABELS[spec.key]
    return replace(spec, label=f"{name}计划" if spec.source is IndicatorSource.TASK_PLAN else name)


def indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    """Every input of the yearly appraisal, with its Chinese name; a quarter needs none
    (第八条: it is not graded)."""
    return tuple(_labelled(spec) for spec in _indicators(period))


def _indicators(period: Period) -> tuple[IndicatorSpec, ...]:
    if period.kind is not PeriodKind.YEAR:
        return ()
    computed = IndicatorSource.COMPUTED
    recorded = IndicatorSource.RECORDED
    plan = IndicatorSource.TASK_PLAN
    profile = IndicatorSource.PROFILE
    return (
        IndicatorSpec("status", "status", "manager status (第六条, 第十五条, 第十六条)", profile),
        IndicatorSpec(
            "probation_ends_on",
            "date",
            "end of probation (第六条(一), 第十三条); empty = no probation",
            profile,
            required=False,
        ),
        IndicatorSpec(
            EXAM_PASSED,
            "flag",
            "上岗培训考试 passed (第六条(一)): 1 passed, 0 failed; absent = passed, with a warning",
            recorded,
            required=False,
        ),
        IndicatorSpec(
            EVALUATION,
            "code",
            "年度考评 of the appraised year (第六条(二)): 4 优秀, 3 称职, 2 基本称职, 1 不称职; "
            "absent = 称职 or better, with a warning",
            recorded,
            required=False,
        ),
        IndicatorSpec("education", "code", "学历 (A1, 第十一条(一)1)", profile),
        IndicatorSpec("professional_title", "code", "职称 (A2, 第十一条(一)2)", profile),
        IndicatorSpec("credit_exam", "code", "信贷从业资格考试 (A3, 第十一条(一)3)", profile),
        IndicatorSpec(
            "credit_work_years", "years", "years in credit work (A4, 第十一条(一)4)", profile
        ),
        IndicatorSpec(
            "system_proficiency", "code", "credit system operation (A5, 第十一条(一)5)", profile
        ),
        IndicatorSpec("category", "code", "RETAIL or CORPORATE (B1, B2: 公司类客户经理)", profile),
        IndicatorSpec(CUSTOMERS_NATURAL, "count", "natural-person loan customers (B1)", computed),
        IndicatorSpec(CUSTOMERS_CORPORATE, "count", "corporate loan customers (B1)", computed),
        IndicatorSpec(LOAN_BALANCE, "yuan", "loan balance at year end (B2)", computed),
        IndicatorSpec(
            "jurisdiction_households",
            "count",
            "households (or merchants) in the jurisdiction (B3)",
            profile,
        ),
        IndicatorSpec(
            "rated_households",
            "count",
            "households with a rating file that passed the annual review (B3)",
            profile,
        ),
        IndicatorSpec(
            DEPOSITS, "yuan", "deposits organised: net increase in the year (B4)", recorded
        ),
        IndicatorSpec(DEPOSITS, "yuan", "deposits organised: annual plan (B4)", plan),
        IndicatorSpec(
            DEPOSIT_AVERAGE,
            "yuan",
            "monthly-average deposit balance of the year (B4 bonus); absent = no bonus",
            recorded,
            required=False,
        ),
        IndicatorSpec(NPL_START, "yuan", "NPL balance at year start (B5.1, B5.3)", computed),
        IndicatorSpec(NPL_END, "yuan", "NPL balance at year end (B5.1, B5.3)", computed),
        IndicatorSpec(
            NPL_WRITTEN_OFF,
            "yuan",
            "NPL principal written off (呆账核销) in the year, not a reduction (B5.1); absent = 0",
            recorded,
            required=False,
        ),
        IndicatorSpec(NPL_REDUCTION, "yuan", "planned net NPL reduction (B5.1)", plan),
        IndicatorSpec(NPL_CASH, "yuan", "NPL cash recovered (B5.2)", recorded),
        IndicatorSpec(NPL_CASH, "yuan", "NPL cash recovery plan (B5.2)", plan),
        IndicatorSpec(WRITEOFF, "yuan", "written-off / replaced loans recovered (B5.4)", recorded),
        IndicatorSpec(WRITEOFF, "yuan", "written-off / replaced loans recovery plan (B5.4)", plan),
        IndicatorSpec(NOTICE_COVERAGE, "ratio", "collection notice coverage (B5.5)", computed),
        IndicatorSpec(
            LIMITATION_LOST,
            "count",
            "NPLs of the jurisdiction that newly lost the litigation limitation period "
            "this year (B5.5); absent = 0",
            recorded,
            required=False,
        ),
        IndicatorSpec(INTEREST, "yuan", "loan interest recovered (B6)", recorded),
        IndicatorSpec(INTEREST, "yuan", "loan interest recovery plan (B6)", plan),
        IndicatorSpec(
            "office_has_credit_clerk",
            "flag",
            "the office has a 信贷内勤 post: C5 and C6 not assessed",
            profile,
            required=False,
        ),
        IndicatorSpec(
            FINDINGS,
            "findings",
            "sample-inspection findings of items C1.1–C6 (codes: see the plugin README)",
            IndicatorSource.FINDINGS,
            required=False,
        ),
    )
