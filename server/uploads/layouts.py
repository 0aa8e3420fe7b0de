"""The sheets a bank fills in, declared once for the template and the upload.

A :class:`Layout` is the data sheet's name and its columns; a :class:`Column` its header
(as the template writes it and the upload expects it), what kind of value it takes, the
rule in one sentence (the template's input message and its "说明" sheet), and the bounds
the upload holds a cell to. Each layout mirrors one mutation's arguments:

- :func:`task_figures` — 任务完成考核表: a row per manager and sheet office, a plan and an
  actual column per figure the tenant's appraisal of the period reads
  (``recordTaskPlan``, ``recordIndicators``);
- :data:`VIOLATIONS` — 违规记录: a row per violation (``recordViolation``);
- :func:`inspection_findings` — 检查发现: a row per finding (``recordInspectionFindings``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from server.domain import ViolationKind
from server.policy import IndicatorSource
from server.services.records import AppraisalReads

MAX_ROWS = 2000
"""The most data rows one upload takes (the header aside); the template validates as many."""
MAX_TEXT = 2000
"""The longest free text a cell takes (a violation's facts, a finding's note)."""
AMOUNT_MAX = Decimal("99999999999999.99")
"""The largest figure: a ``Quantity`` column holds 14 digits before the point."""
EARLIEST = dt.date(2000, 1, 1)
"""The earliest date a sheet takes: before it a date is a typing error."""
MANAGERS_LIST, OFFICES_LIST = "managers", "offices"


class Kind(enum.Enum):
    """What a cell holds."""

    TEXT = "text"
    REFERENCE = "reference"
    """A code looked up when written (an employee number, an office code, a contract)."""
    CHOICE = "choice"
    """One of a fixed set, by its Chinese label or its code."""
    DECIMAL = "decimal"
    WHOLE = "whole"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    key: str
    """What the upload calls the value (a service argument, or ``plan:``/``actual:`` key)."""
    header: str
    kind: Kind
    rule: str
    required: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)
    """For ``CHOICE``: every accepted spelling (label and code) to the code."""
    list_name: str | None = None
    """The list of the template's code sheet that validates the column, if any."""
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    decimals: int = 0
    max_length: int = 60
    width: int = 14

    @property
    def labels(self) -> list[str]:
        """The values a template offers for a ``CHOICE`` column: the labels, in order."""
        seen = dict.fromkeys(label for label, code in self.choices.items() if label != code)
        return list(seen) or list(dict.fromkeys(self.choices))


@dataclass(frozen=True)
class Layout:
    """A data sheet: its name, its columns, and what one filled row stands for."""

    sheet: str
    title: str
    columns: tuple[Column, ...]
    row_meaning: str

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


EMPLOYEE = Column(
    "employee_no",
    "工号",
    Kind.REFERENCE,
    "客户经理的工号，须在本人管辖范围内（可从下拉列表选择）",
    required=True,
    list_name=MANAGERS_LIST,
    max_length=32,
)


def _choice(kinds: type[ViolationKind]) -> dict[str, str]:
    spellings = {k.label: k.value for k in kinds}
    spellings.update({k.value: k.value for k in kinds})
    return spellings


def _figure(spec_key: str, label: str, unit: str, source: IndicatorSource) -> Column:
    whole = unit == "count"
    prefix = "plan" if source == IndicatorSource.TASK_PLAN else "actual"
    what = "计划数" if prefix == "plan" else "完成数"
    unit_text = "笔，整数" if whole else "元，最多两位小数"
    return Column(
        f"{prefix}:{spec_key}",
        label,
        Kind.WHOLE if whole else Kind.DECIMAL,
        f"{label}（{spec_key}）的{what}，{unit_text}，不小于 0；留空则不记录该项",
        minimum=0,
        maximum=999_999_999 if whole else AMOUNT_MAX,
        decimals=0 if whole else 2,
        width=18,
    )


def task_figures(reads: AppraisalReads) -> Layout:
    """任务完成考核表 for what the tenant's appraisal of the period reads: the manager, the
    office whose sheet it is (山东办法 第十二条), then each plan and actual figure."""
    figures: list[Column] = []
    taken: set[str] = set()
    for source in (IndicatorSource.TASK_PLAN, IndicatorSource.RECORDED):
        for spec in sorted(
            (s for s in reads.specs if s.source == source), key=lambda s: (not s.required, s.key)
        ):
            label = spec.label or spec.description
            if source == IndicatorSource.RECORDED and not label.endswith("完成"):
                label = f"{label}（完成）"
            if label in taken:
                label = f"{label}（{spec.key}）"
            taken.add(label)
            figures.append(_figure(spec.key, label, spec.unit, source))
    return Layout(
        sheet="任务完成考核表",
        title=f"任务完成考核表（{reads.period.text}）",
        columns=(
            EMPLOYEE,
            Column("name", "姓名", Kind.TEXT, "客户经理姓名，仅供核对，不写入", width=10),
            Column(
                "office_code",
                "考核网点代码",
                Kind.REFERENCE,
                "任务表所属网点的代码：留空为客户经理现所在网点；考核期内调出的原网点亦可"
                "（山东办法 第十二条）",
                list_name=OFFICES_LIST,
                max_length=32,
            ),
            *figures,
        ),
        row_meaning="一名客户经理在一个网点任务表上的计划数与完成数",
    )


VIOLATIONS = Layout(
    sheet="违规记录",
    title="违规记录",
    columns=(
        EMPLOYEE,
        Column(
            "kind",
            "违规类型",
            Kind.CHOICE,
            "从下拉列表选择违规类型（亦可填写类型代码，如 LOAN_TO_PAY_INTEREST）",
            required=True,
            choices=_choice(ViolationKind),
            width=22,
        ),
        Column(
            "occurred_on",
            "发生日期",
            Kind.DATE,
            "违规发生的日期（年-月-日），不得晚于今天",
            required=True,
            width=12,
        ),
        Column(
            "description",
            "违规事实",
            Kind.TEXT,
            f"违规事实的描述，必填，至多 {MAX_TEXT} 字",
            required=True,
            max_length=MAX_TEXT,
            width=40,
        ),
        Column(
            "evidence",
            "证据材料",
            Kind.TEXT,
            f"证据材料（文号、稽核通报编号等），可留空，至多 {MAX_TEXT} 字",
            max_length=MAX_TEXT,
            width=30,
        ),
    ),
    row_meaning="一条违规记录，登记后待风险管理部门确认",
)


def inspection_findings(reads: AppraisalReads) -> Layout:
    """检查发现 for the items and finding codes the tenant's appraisal of the period scores
    (free codes, checked by their form, when the plugin lists none)."""
    specs = reads.findings or ()
    items = {s.item: s.item for s in specs}
    codes = {s.finding: s.finding for s in specs}
    listed = bool(specs)
    return Layout(
        sheet="检查发现",
        title=f"工作质量检查发现（{reads.period.text}）",
        columns=(
            EMPLOYEE,
            Column(
                "item",
                "考核项目",
                Kind.CHOICE if listed else Kind.TEXT,
                "被扣分的考核项目（条款号，如 C1.4）",
                required=True,
                choices=items,
                max_length=20,
                width=10,
            ),
            Column(
                "finding",
                "发现代码",
                Kind.CHOICE if listed else Kind.TEXT,
                "检查发现的代码，须属于所填考核项目（见“说明”页的代码表）",
                required=True,
                choices=codes,
                width=32,
            ),
            Column(
                "count",
                "笔数",
                Kind.WHOLE,
                "发现的笔数，1–1000 的整数；留空按 1 笔",
                minimum=1,
                maximum=1000,
                width=8,
            ),
            Column(
                "contract_no",
                "贷款合同编号",
                Kind.REFERENCE,
                "涉及的贷款合同编号，可留空",
                max_length=64,
                width=22,
            ),
            Column(
                "description",
                "情况说明",
                Kind.TEXT,
                f"检查情况说明，可留空，至多 {MAX_TEXT} 字",
                max_length=MAX_TEXT,
                width=40,
            ),
        ),
        row_meaning="一名客户经理的一项检查发现（贷款抽查扣分）",
    )
