"""The county cooperative's yearly rating (第五章二) and the 70/30 appraisal score (第六章二).

Completion is the weighted completion of the four business lines, each actual
÷ plan (a plan of 0 or less counts as met); its band is the rating. The score
is 70% quantitative (100 × completion, capped) and 30% qualitative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from plugins.county_coop.articles import ARTICLE_QUALITATIVE, ARTICLE_QUANTITATIVE
from plugins.county_coop.inputs import BUSINESS_LINES, CREDIT_MANAGEMENT, DAILY_WORK, BusinessLine
from plugins.county_coop.parameters import CountyParameters
from server.policy import CENT, ONE, ZERO, ItemScore, clamp, fmt, ratio, round_score

# 第六章二: 定量70% (贷款投放30%、利息收回40%、吸收存款15%、中间业务收入15%), 定性30%.
QUANTITATIVE_WEIGHT = Decimal("0.7")
QUALITATIVE_WEIGHT = Decimal("0.3")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rating:
    """A yearly rating (第五章二): its code and the label staff use."""

    code: str
    label: str


EXCELLENT = Rating("EXCELLENT", "优秀")
COMPETENT = Rating("COMPETENT", "称职")
BASICALLY_COMPETENT = Rating("BASICALLY_COMPETENT", "基本称职")
INCOMPETENT = Rating("INCOMPETENT", "不称职")

# 第五章二: 优秀(120%以上)、称职(90%-120%)、基本称职(60%-90%)、不称职(60%以下);
# 以上 includes the bound, so each band starts at its lower figure.
RATING_BANDS = (
    (Decimal("1.20"), EXCELLENT),
    (Decimal("0.90"), COMPETENT),
    (Decimal("0.60"), BASICALLY_COMPETENT),
)


def percent(value: Decimal) -> str:
    """A ratio as a percentage to 2 decimals, rounded down.

    Rounding down keeps the shown figure on the same side of every band line the
    exact value is on: 59.995% shows as 59.99%, not as the 60% it does not reach.
    """
    return f"{(value * HUNDRED).quantize(CENT, rounding=ROUND_FLOOR)}%"


@dataclass(frozen=True)
class LineCompletion:
    """One business line's actual, plan and completion (``None`` = plan ≤ 0, met)."""

    line: BusinessLine
    actual: Decimal
    plan: Decimal
    completion: Decimal | None

    @property
    def counted(self) -> Decimal:
        """The completion that enters the weighted sum: a plan of 0 or less counts as met."""
        return ONE if self.completion is None else self.completion


def line_completions(
    values: Mapping[str, Decimal], plans: Mapping[str, Decimal]
) -> tuple[LineCompletion, ...]:
    return tuple(
        LineCompletion(
            line=line,
            actual=values[line.key],
            plan=plans[line.key],
            completion=ratio(values[line.key], plans[line.key]),
        )
        for line in BUSINESS_LINES
    )


def weighted_completion(lines: tuple[LineCompletion, ...]) -> Decimal:
    """0.30 r_loans + 0.40 r_interest + 0.15 r_deposits + 0.15 r_fees (第六章二), exact."""
    return sum((entry.line.weight * entry.counted for entry in lines), ZERO)


def rating_for(completion: Decimal) -> Rating:
    """The yearly rating of the exact completion (第五章二); 以上 includes the bound."""
    for minimum, rating in RATING_BANDS:
        if completion >= minimum:
            return rating
    return INCOMPETENT


def quantitative_item(lines: tuple[LineCompletion, ...], params: CountyParameters) -> ItemScore:
    """定量 70%: 100 × min(max(completion, 0), cap), weighted 0.7 (第六章二).

    A negative completion (e.g. deposits shrank) scores 0, never below.
    """
    completion = weighted_completion(lines)
    quantitative = HUNDRED * clamp(completion, ZERO, params.completion_cap)
    inputs: dict[str, str] = {}
    parts: list[str] = []
    parts_zh: list[str] = []
    for entry in lines:
        key = entry.line.key
        inputs[key] = fmt(entry.actual)
        inputs[f"{key}_plan"] = fmt(entry.plan)
        if entry.completion is None:
            inputs[f"{key}_completion"] = "met (plan ≤ 0)"
            parts.append(f"{fmt(entry.line.weight)}×100.00%(plan ≤ 0)")
            parts_zh.append(f"{fmt(entry.line.weight)}×100.00%（计划 ≤ 0，视为完成）")
        else:
            inputs[f"{key}_completion"] = percent(entry.completion)
            parts.append(f"{fmt(entry.line.weight)}×{percent(entry.completion)}")
            parts_zh.append(f"{fmt(entry.line.weight)}×{percent(entry.completion)}")
    inputs["completion"] = percent(completion)
    inputs["completion_cap"] = fmt(params.completion_cap)
    inputs["quantitative_score"] = fmt(round_score(quantitative))
    score = round_score(QUANTITATIVE_WEIGHT * quantitative)
    return ItemScore(
        key="quantitative",
        name="定量考核(贷款投放30%、利息收回40%、吸收存款15%、中间业务收入15%)",
        article=ARTICLE_QUANTITATIVE,
        max_points=round_score(QUANTITATIVE_WEIGHT * HUNDRED * params.completion_cap),
        score=score,
        inputs=inputs,
        explanation=(
            f"业绩完成率 {percent(completion)} = {' + '.join(parts_zh)}；定量得分 "
            f"100 × min(max(完成率, 0), {percent(params.completion_cap)}) = "
            f"{fmt(round_score(quantitative))} 分，× 70% = {score} 分"
        ),
        explanation_en=(
            f"completion {percent(completion)} = {' + '.join(parts)}; quantitative score "
            f"100 × min(max(completion, 0), {percent(params.completion_cap)}) = "
            f"{fmt(round_score(quantitative))}, × 70% = {score}"
        ),
    )


def qualitative_item(
    credit_management: Decimal, daily_work: Decimal, params: CountyParameters
) -> ItemScore:
    """定性 30%: credit management and daily work, weighted by the tenant (第六章二)."""
    weight = params.credit_management_weight
    qualitative = weight * credit_management + (ONE - weight) * daily_work
    score = round_score(QUALITATIVE_WEIGHT * qualitative)
    return ItemScore(
        key="qualitative",
        name="定性考核(信贷管理类、日常工作类)",
        article=ARTICLE_QUALITATIVE,
        max_points=round_score(QUALITATIVE_WEIGHT * HUNDRED),
        score=score,
        inputs={
            CREDIT_MANAGEMENT: fmt(credit_management),
            DAILY_WORK: fmt(daily_work),
            "credit_management_weight": fmt(weight),
        },
        explanation=(
            f"定性得分 {fmt(weight)}×信贷管理类 {fmt(credit_management)} + "
            f"{fmt(ONE - weight)}×日常工作类 {fmt(daily_work)} = "
            f"{fmt(round_score(qualitative))} 分，× 30% = {score} 分"
        ),
        explanation_en=(
            f"qualitative score {fmt(weight)}×{fmt(credit_management)} + "
            f"{fmt(ONE - weight)}×{fmt(daily_work)} = {fmt(round_score(qualitative))}, "
            f"× 30% = {score}"
        ),
    )
