"""County credit cooperative rules: levels, caps, yearly rating, pay, risk deposit, penalties.

Sources: ⅩⅩ县农村信用社客户经理管理办法 (chapters 1–7: levels and caps, the
level formula, the yearly rating and level adjustment, the 70/30 appraisal, profit
share, the risk deposit) and XXX省农村信用社信贷客户经理管理暂行办法 (licence,
"一年一认定、三年一轮换", lifetime disqualification).

Everything here is a pure function of the frozen dataclasses the core passes in:
no I/O, no state, exact decimals only. Numbers the sources fix are constants next
to their article; numbers they leave open come from the tenant's parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from server.domain import ManagerStatus, ViolationKind
from server.policy.scoring import CENT, ONE, ZERO, clamp, fmt, ratio, round_score
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    MoneyLine,
    Params,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    Refusal,
    Tier,
    TierDirection,
    TierMove,
    ViolationCase,
)

COUNTY_DOC = "ⅩⅩ县农村信用社客户经理管理办法"
PROVINCE_DOC = "XXX省农村信用社信贷客户经理管理暂行办法"

ARTICLE_CAPS = f"{COUNTY_DOC} 第一章(分级分类标准)"
ARTICLE_LEVEL = f"{COUNTY_DOC} 第三章(任职资格与等级)"
ARTICLE_RATING = f"{COUNTY_DOC} 第五章二(业绩考评)"
ARTICLE_ADJUSTMENT = f"{COUNTY_DOC} 第五章三(等级调整)"
ARTICLE_PROFIT = f"{COUNTY_DOC} 第六章一(利润分成)"
ARTICLE_SCORE = f"{COUNTY_DOC} 第六章二(定量70%、定性30%)"
ARTICLE_QUANTITATIVE = f"{COUNTY_DOC} 第六章二(定量)"
ARTICLE_QUALITATIVE = f"{COUNTY_DOC} 第六章二(定性)"
ARTICLE_RISK_DEPOSIT = f"{COUNTY_DOC} 第七章(风险保证金)"
ARTICLE_IN_POST = f"{PROVINCE_DOC} 第五条、第六条(聘用解聘、动态管理)"
ARTICLE_LICENCE = f"{PROVINCE_DOC} 第三条、第六条(持证上岗、一年一认定)"
ARTICLE_ROTATION = f"{PROVINCE_DOC} 第六条、第八条(三年一轮换)"
ARTICLE_DISQUALIFICATION = f"{PROVINCE_DOC} 第七条"

# 第一章: five levels; here 四级 is the best.
TIERS = (
    Tier(code="CC_TRAINEE", name="见习客户经理", rank=0, external_title="见习客户经理"),
    Tier(code="CC_1", name="一级客户经理", rank=1, external_title="一级客户经理"),
    Tier(code="CC_2", name="二级客户经理", rank=2, external_title="二级客户经理"),
    Tier(code="CC_3", name="三级客户经理", rank=3, external_title="三级客户经理"),
    Tier(code="CC_4", name="四级客户经理", rank=4, external_title="四级客户经理"),
)
LOWEST = TIERS[0]
HIGHEST = TIERS[-1]

# 第三章: 理论考试(70分以上)获得任职资格; 理论60%、业绩30%、技能10%.
QUALIFYING_THEORY_SCORE = Decimal(70)
THEORY_WEIGHT = Decimal("0.6")
RESULTS_WEIGHT = Decimal("0.3")
SKILL_WEIGHT = Decimal("0.1")

# 第六章二: 定量70% (贷款投放30%、利息收回40%、吸收存款15%、中间业务收入15%), 定性30%.
QUANTITATIVE_WEIGHT = Decimal("0.7")
QUALITATIVE_WEIGHT = Decimal("0.3")
HUNDRED = Decimal(100)

RISK_DEPOSIT_ACCOUNT = "RISK_DEPOSIT"
# 第七章 终止信贷工作次月停止扣收: a manager who left the post or lost the
# qualification does no credit work any more.
CREDIT_WORK_ENDED = frozenset({ManagerStatus.LEFT, ManagerStatus.DISQUALIFIED})

THEORY = "theory_exam_score"
RESULTS = "work_results_score"
SKILL = "work_skill_score"
CREDIT_MANAGEMENT = "credit_management_score"
DAILY_WORK = "daily_work_score"
NPL_RATIO = "npl_ratio"
LOANS_ISSUED = "loans_issued"
LOAN_RATE = "average_loan_rate"
YEAR_END_PAY = "year_end_performance_pay"

SCORE_INPUTS = (THEORY, RESULTS, SKILL, CREDIT_MANAGEMENT, DAILY_WORK)
"""Inputs on a 0–100 scale; a value outside it is clamped, with a warning."""


@dataclass(frozen=True)
class BusinessLine:
    """One of the four quantitative indicators, measured as actual ÷ plan (第六章二)."""

    key: str
    name: str
    weight: Decimal
    source: IndicatorSource
    description: str


BUSINESS_LINES = (
    BusinessLine(
        LOANS_ISSUED,
        "贷款投放",
        Decimal("0.30"),
        IndicatorSource.COMPUTED,
        "principal of loans issued in the year",
    ),
    BusinessLine(
        "interest_recovered",
        "利息收回",
        Decimal("0.40"),
        IndicatorSource.RECORDED,
        "loan interest recovered in the year",
    ),
    BusinessLine(
        "deposits_absorbed",
        "吸收存款",
        Decimal("0.15"),
        IndicatorSource.RECORDED,
        "deposits absorbed in the year",
    ),
    BusinessLine(
        "fee_income",
        "中间业务收入",
        Decimal("0.15"),
        IndicatorSource.RECORDED,
        "intermediate-business (fee) income of the year",
    ),
)


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


# --- parameters ----------------------------------------------------------------


def _decimal(params: Params, name: str) -> Decimal:
    """A DECIMAL parameter; the core validates parameters, so anything else is a bug."""
    value = params[name]
    if not isinstance(value, Decimal):
        raise TypeError(f"parameter {name} must be a decimal, got {value!r}")
    return value


def _optional_decimal(params: Params, name: str) -> Decimal | None:
    """A nullable DECIMAL parameter (``None`` = no limit)."""
    return None if params[name] is None else _decimal(params, name)


def _integer(params: Params, name: str) -> int:
    """An INTEGER parameter; the core validates parameters, so anything else is a bug."""
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"parameter {name} must be an integer, got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """The tenant's parameters, read once from the validated set."""

    completion_cap: Decimal
    credit_management_weight: Decimal
    level_minimums: tuple[Decimal, ...]
    """The lowest level score of 一级, 二级, 三级 and 四级, in rank order."""
    npl_ratio_limit: Decimal
    union_cost_ratio: Decimal
    profit_share_ratio: Decimal
    risk_deposit_ratio: Decimal
    caps: tuple[Decimal | None, ...]
    """The single-loan cap of each tier, by rank; ``None`` = no cap."""
    rotation_years: int
    complaints_for_disqualification: int

    @classmethod
    def from_params(cls, params: Params) -> Settings:
        return cls(
            completion_cap=_decimal(params, "completion_cap"),
            credit_management_weight=_decimal(params, "credit_management_weight"),
            level_minimums=tuple(
                _decimal(params, f"level_{tier.code.lower()}_min") for tier in TIERS[1:]
            ),
            npl_ratio_limit=_decimal(params, "npl_ratio_limit"),
            union_cost_ratio=_decimal(params, "union_cost_ratio"),
            profit_share_ratio=_decimal(params, "profit_share_ratio"),
            risk_deposit_ratio=_decimal(params, "risk_deposit_ratio"),
            caps=tuple(_optional_decimal(params, f"cap_{tier.code.lower()}") for tier in TIERS),
            rotation_years=_integer(params, "rotation_years"),
            complaints_for_disqualification=_integer(params, "complaints_for_disqualification"),
        )


# --- small helpers -------------------------------------------------------------


def tier_at(rank: int) -> Tier:
    """This policy's tier of a rank; ranks outside 0–4 fall to the nearest end."""
    return TIERS[max(LOWEST.rank, min(rank, HIGHEST.rank))]


def money(amount: Decimal) -> Decimal:
    """An amount in yuan, exact to the fen (half-up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Decimal) -> str:
    """A ratio as a percentage to 2 decimals, rounded down.

    Rounding down keeps the shown figure on the same side of every band line the
    exact value is on: 59.995% shows as 59.99%, not as the 60% it does not reach.
    """
    return f"{(value * HUNDRED).quantize(CENT, rounding=ROUND_FLOOR)}%"


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- indicators ----------------------------------------------------------------


def indicators(period_kind: PeriodKind) -> tuple[IndicatorSpec, ...]:
    """Every input of the yearly appraisal; a quarter is not appraised (第五章二)."""
    if period_kind is not PeriodKind.YEAR:
        return ()
    recorded = IndicatorSource.RECORDED
    specs = [
        IndicatorSpec(THEORY, "score", "theory exam score, 0–100 (第三章)", recorded),
        IndicatorSpec(RESULTS, "score", "work results score, 0–100 (第三章)", recorded),
        IndicatorSpec(SKILL, "score", "work skill score, 0–100 (第三章)", recorded),
    ]
    for line in BUSINESS_LINES:
        specs.append(
            IndicatorSpec(line.key, "yuan", f"{line.name}: {line.description}", line.source)
        )
        specs.append(
            IndicatorSpec(
                line.key,
                "yuan",
                f"{line.name}: the year's plan ({line.description})",
                IndicatorSource.TASK_PLAN,
            )
        )
    specs += [
        IndicatorSpec(
            CREDIT_MANAGEMENT, "score", "定性 credit management score, 0–100 (第六章二)", recorded
        ),
        IndicatorSpec(DAILY_WORK, "score", "定性 daily work score, 0–100 (第六章二)", recorded),
        IndicatorSpec(
            NPL_RATIO,
            "ratio",
            "NPL ratio of the loans the manager manages at year end (第五章三)",
            IndicatorSource.COMPUTED,
        ),
        IndicatorSpec(
            LOAN_RATE,
            "ratio",
            "principal-weighted average annual rate of the loans issued in the year, "
            "e.g. 0.0735 for 7.35% (第六章一)",
            recorded,
        ),
        IndicatorSpec(
            YEAR_END_PAY,
            "yuan",
            "year-end performance pay (年终绩效), without the profit share (第七章)",
            recorded,
        ),
    ]
    return tuple(specs)


def missing_inputs(appraisal: AppraisalInput) -> tuple[str, ...]:
    """The inputs the appraisal lacks, plans named ``<key> plan``."""
    business = (line.key for line in BUSINESS_LINES)
    needed_values = (*SCORE_INPUTS, NPL_RATIO, LOAN_RATE, YEAR_END_PAY, *business)
    missing = [key for key in needed_values if key not in appraisal.values]
    missing += [f"{line.key} plan" for line in BUSINESS_LINES if line.key not in appraisal.plans]
    return tuple(missing)


# --- qualification and level (第三章) ------------------------------------------


@dataclass(frozen=True)
class Level:
    """The level score and the level it admits."""

    score: Decimal
    qualified: bool
    tier: Tier


def level_from_scores(
    theory: Decimal, results: Decimal, skill: Decimal, settings: Settings
) -> Level:
    """Level score = 0.6 theory + 0.3 results + 0.1 skill, rounded half-up to 2 decimals.

    The rounded score is what is shown and what is compared with the level
    thresholds. Without the qualification (theory below 70) the level stays 见习.
    """
    score = round_score(THEORY_WEIGHT * theory + RESULTS_WEIGHT * results + SKILL_WEIGHT * skill)
    qualified = theory >= QUALIFYING_THEORY_SCORE
    admitted = LOWEST
    if qualified:
        for tier, minimum in reversed(tuple(zip(TIERS[1:], settings.level_minimums, strict=True))):
            if score >= minimum:
                admitted = tier
                break
    return Level(score=score, qualified=qualified, tier=admitted)


# --- yearly rating and appraisal score (第五章二, 第六章二) ------------------------


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


def quantitative_item(lines: tuple[LineCompletion, ...], settings: Settings) -> ItemScore:
    """定量 70%: 100 × min(completion, cap), weighted 0.7 (第六章二).

    A negative completion (e.g. deposits shrank) scores 0, never below.
    """
    completion = weighted_completion(lines)
    quantitative = HUNDRED * clamp(completion, ZERO, settings.completion_cap)
    inputs: dict[str, str] = {}
    parts: list[str] = []
    for entry in lines:
        key = entry.line.key
        inputs[key] = fmt(entry.actual)
        inputs[f"{key}_plan"] = fmt(entry.plan)
        if entry.completion is None:
            inputs[f"{key}_completion"] = "met (plan ≤ 0)"
            parts.append(f"{fmt(entry.line.weight)}×100.00%(plan ≤ 0)")
        else:
            inputs[f"{key}_completion"] = percent(entry.completion)
            parts.append(f"{fmt(entry.line.weight)}×{percent(entry.completion)}")
    inputs["completion"] = percent(completion)
    inputs["completion_cap"] = fmt(settings.completion_cap)
    inputs["quantitative_score"] = fmt(round_score(quantitative))
    score = round_score(QUANTITATIVE_WEIGHT * quantitative)
    return ItemScore(
        key="quantitative",
        name="定量考核(贷款投放30%、利息收回40%、吸收存款15%、中间业务收入15%)",
        article=ARTICLE_QUANTITATIVE,
        max_points=round_score(QUANTITATIVE_WEIGHT * HUNDRED * settings.completion_cap),
        score=score,
        inputs=inputs,
        explanation=(
            f"completion {percent(completion)} = {' + '.join(parts)}; quantitative score "
            f"100 × min(completion, {percent(settings.completion_cap)}) = "
            f"{fmt(round_score(quantitative))}, × 70% = {score}"
        ),
    )


def qualitative_item(
    credit_management: Decimal, daily_work: Decimal, settings: Settings
) -> ItemScore:
    """定性 30%: credit management and daily work, weighted by the tenant (第六章二)."""
    weight = settings.credit_management_weight
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
            f"qualitative score {fmt(weight)}×{fmt(credit_management)} + "
            f"{fmt(ONE - weight)}×{fmt(daily_work)} = {fmt(round_score(qualitative))}, "
            f"× 30% = {score}"
        ),
    )


# --- level adjustment (第五章三) --------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """The level after the yearly adjustment, and why."""

    tier: Tier
    reason: str


def adjust_level(
    current: Tier | None,
    rating: Rating,
    level: Level,
    npl_ratio: Decimal,
    settings: Settings,
) -> Adjustment:
    """根据管理贷款的质量和考评结果进行等级调整: at most one step a year.

    A manager not graded yet gets the level the level score admits. Otherwise
    不称职, or an NPL ratio above the limit, moves one level down (one step in all
    when both hold; never below 见习); else 优秀 with a level score admitting a
    higher level moves one level up. Loan quality comes first: a demotion cause
    rules out the promotion.
    """
    if current is None:
        return Adjustment(level.tier, f"first level from the level score: {level.tier.name}")
    causes: list[str] = []
    if rating is INCOMPETENT:
        causes.append(f"rated {INCOMPETENT.label}")
    if npl_ratio > settings.npl_ratio_limit:
        causes.append(
            f"NPL ratio {fmt(npl_ratio)} above npl_ratio_limit {fmt(settings.npl_ratio_limit)}"
        )
    if causes:
        if current.rank <= LOWEST.rank:
            return Adjustment(
                tier_at(current.rank), f"{' and '.join(causes)}; already {LOWEST.name}, no lower"
            )
        lower = tier_at(current.rank - 1)
        return Adjustment(lower, f"{' and '.join(causes)}: down one level to {lower.name}")
    if rating is EXCELLENT and level.tier.rank > current.rank:
        higher = tier_at(current.rank + 1)
        return Adjustment(
            higher,
            f"rated {EXCELLENT.label} and the level score admits {level.tier.name}: "
            f"up one level to {higher.name}",
        )
    return Adjustment(tier_at(current.rank), f"rated {rating.label}: level unchanged")


# --- pay and risk deposit (第六章一, 第七章) ----------------------------------------


def pay_lines(
    values: Mapping[str, Decimal], manager: ManagerProfile, settings: Settings
) -> tuple[tuple[MoneyLine, ...], tuple[str, ...]]:
    """Profit, profit share and the risk-deposit withholding, with any warnings.

    Profit = loans issued × (average loan rate − the union's overall cost ratio);
    profit share = profit × profit_share_ratio, nothing when the profit is not
    positive (the share is pay, a loss is not charged back through it). The
    risk deposit withholds risk_deposit_ratio of year-end performance pay plus
    profit share; every amount is rounded half-up to the fen.
    """
    warnings: list[str] = []
    loans, rate, cost = values[LOANS_ISSUED], values[LOAN_RATE], settings.union_cost_ratio
    profit = money(loans * (rate - cost))
    share = money(max(profit, ZERO) * settings.profit_share_ratio)
    if profit < ZERO:
        warnings.append(f"profit {profit} is negative: no profit share ({ARTICLE_PROFIT})")
    lines = [
        MoneyLine(
            key="profit",
            name="客户经理创造利润",
            amount=profit,
            article=ARTICLE_PROFIT,
            explanation=(
                f"loans issued {fmt(loans)} × (average loan rate {fmt(rate)} − "
                f"union cost ratio {fmt(cost)}) = {profit}"
            ),
        ),
        MoneyLine(
            key="profit_share",
            name="利润分成",
            amount=share,
            article=ARTICLE_PROFIT,
            explanation=(
                f"profit {profit} × profit_share_ratio {fmt(settings.profit_share_ratio)} = {share}"
                if profit > ZERO
                else f"profit {profit} is not positive: no profit share"
            ),
        ),
    ]
    if manager.status in CREDIT_WORK_ENDED:
        warnings.append(
            f"manager status {manager.status.value}: credit work ended, so the year-end "
            f"risk-deposit withholding stops ({ARTICLE_RISK_DEPOSIT} 终止信贷工作次月停止扣收)"
        )
        return tuple(lines), tuple(warnings)
    pay = values[YEAR_END_PAY]
    base = max(pay + share, ZERO)
    withheld = money(base * settings.risk_deposit_ratio)
    lines.append(
        MoneyLine(
            key="risk_deposit",
            name="风险保证金扣收",
            amount=withheld,
            article=ARTICLE_RISK_DEPOSIT,
            explanation=(
                f"(year-end performance pay {fmt(pay)} + profit share {share}) × "
                f"risk_deposit_ratio {fmt(settings.risk_deposit_ratio)} = {withheld}, "
                "into the manager's own risk-deposit account"
            ),
            account=RISK_DEPOSIT_ACCOUNT,
        )
    )
    return tuple(lines), tuple(warnings)


# --- the yearly appraisal ------------------------------------------------------


def _score_inputs(values: Mapping[str, Decimal]) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    """The 0–100 inputs, clamped into their scale, with a warning for each one clamped."""
    scores: dict[str, Decimal] = {}
    warnings: list[str] = []
    for key in SCORE_INPUTS:
        given = values[key]
        scores[key] = clamp(given, ZERO, HUNDRED)
        if scores[key] != given:
            warnings.append(f"{key} {fmt(given)} is outside 0–100: taken as {fmt(scores[key])}")
    return scores, tuple(warnings)


def unscored_outcome(appraisal: AppraisalInput) -> AppraisalOutcome | None:
    """A quarter is refused before any input is asked for: 第五章二 rates once a year.

    Every manager is scored on the yearly appraisal, 见习 included (第三章 gives the
    level score to all, and the rating reads the year's business only).
    """
    if appraisal.period_kind is PeriodKind.YEAR:
        return None
    return AppraisalOutcome(
        graded=False,
        explanation=(
            f"{ARTICLE_RATING}: the rating is made once a year on the whole year's "
            f"indicators; period {appraisal.period} is not a year"
        ),
    )


def appraise(appraisal: AppraisalInput) -> AppraisalOutcome:
    """The yearly appraisal: 70/30 score, rating, level score, level adjustment, pay.

    ``tier`` is the level after the yearly adjustment (第五章三) from the tier the
    manager holds when appraised; a quarter is not graded (第五章二 考评每年一次).
    """
    unscored = unscored_outcome(appraisal)
    if unscored is not None:
        return unscored
    missing = missing_inputs(appraisal)
    if missing:
        return AppraisalOutcome(
            graded=False,
            explanation=f"{ARTICLE_SCORE}: cannot appraise without {', '.join(missing)}",
        )
    settings = Settings.from_params(appraisal.params)
    scores, warnings = _score_inputs(appraisal.values)
    lines = line_completions(appraisal.values, appraisal.plans)
    completion = weighted_completion(lines)
    rating = rating_for(completion)
    items = (
        quantitative_item(lines, settings),
        qualitative_item(scores[CREDIT_MANAGEMENT], scores[DAILY_WORK], settings),
    )
    total = sum((item.score for item in items), ZERO)
    level = level_from_scores(scores[THEORY], scores[RESULTS], scores[SKILL], settings)
    npl_ratio = appraisal.values[NPL_RATIO]
    current = appraisal.manager.tier
    adjustment = adjust_level(current, rating, level, npl_ratio, settings)
    pay, pay_warnings = pay_lines(appraisal.values, appraisal.manager, settings)
    notes = list(warnings)
    notes += [
        f"{entry.line.key}: plan {fmt(entry.plan)} ≤ 0, counted as met (100%)"
        for entry in lines
        if entry.completion is None
    ]
    if not level.qualified and current is not None and current.rank > LOWEST.rank:
        notes.append(
            f"theory exam score {fmt(scores[THEORY])} is below {fmt(QUALIFYING_THEORY_SCORE)}: "
            f"no 任职资格 for a level above {LOWEST.name}, so no promotion ({ARTICLE_LEVEL})"
        )
    notes += pay_warnings
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"{COUNTY_DOC}: total {total} = quantitative {items[0].score} + qualitative "
            f"{items[1].score} (第六章二); completion {percent(completion)}: {rating.label} "
            f"(第五章二); level score {level.score} admits {level.tier.name} (第三章); "
            f"NPL ratio {fmt(npl_ratio)}, limit {fmt(settings.npl_ratio_limit)}; "
            f"{adjustment.reason} (第五章三)"
        ),
        items=items,
        total=total,
        tier=adjustment.tier,
        rating=rating.code,
        rating_label=rating.label,
        warnings=tuple(notes),
        pay=pay,
    )


def tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period_kind: PeriodKind
) -> TierMove:
    """The level change on confirmation: toward the appraised level, one step at most.

    The appraisal already applied 第五章三 to the tier held when it was computed;
    confirmation moves from the tier held now, so a tier changed in between (a
    penalty) never makes the year's move larger than one step.
    """
    if period_kind is not PeriodKind.YEAR:
        return TierMove(
            TierDirection.NONE,
            None,
            "levels are adjusted on the yearly appraisal only",
            ARTICLE_ADJUSTMENT,
        )
    target = outcome.tier
    if not outcome.graded or target is None:
        return TierMove(
            TierDirection.NONE, None, "the appraisal was not graded", ARTICLE_ADJUSTMENT
        )
    if manager.tier is None:
        return TierMove(
            TierDirection.SET,
            target,
            f"first level from the level score: {target.name}",
            ARTICLE_LEVEL,
        )
    current = manager.tier
    step = max(-1, min(target.rank - current.rank, 1))
    if step == 0:
        held = (
            f"already {LOWEST.name}, no lower"
            if outcome.rating == INCOMPETENT.code and current.rank <= LOWEST.rank
            else f"level stays {current.name}"
        )
        return TierMove(
            TierDirection.NONE, None, f"rated {outcome.rating_label}: {held}", ARTICLE_ADJUSTMENT
        )
    to_tier = tier_at(current.rank + step)
    limited = (
        f" (the appraisal set {target.name}; one step a year)"
        if abs(target.rank - current.rank) > 1
        else ""
    )
    if step < 0:
        cause = (
            f"rated {INCOMPETENT.label}"
            if outcome.rating == INCOMPETENT.code
            else "NPL ratio of the managed loans above npl_ratio_limit"
        )
        return TierMove(
            TierDirection.DEMOTION,
            to_tier,
            f"{cause}: down one level to {to_tier.name}{limited}",
            ARTICLE_ADJUSTMENT,
        )
    return TierMove(
        TierDirection.PROMOTION,
        to_tier,
        f"rated {outcome.rating_label} and the level score admits a higher level: "
        f"up one level to {to_tier.name}{limited}",
        ARTICLE_ADJUSTMENT,
    )


# --- lending caps, licence, rotation ------------------------------------------


def lending_cap(manager: ManagerProfile, settings: Settings) -> LendingCap:
    """The largest single loan of the manager's level (第一章, 以内 includes the bound).

    A manager not graded yet lends as a 见习客户经理, the lowest level.
    """
    tier = LOWEST if manager.tier is None else tier_at(manager.tier.rank)
    amount = settings.caps[tier.rank]
    who = f"not graded yet, lends as {LOWEST.name}" if manager.tier is None else tier.name
    limit = "no cap" if amount is None else f"single loans up to {fmt(amount)} yuan (以内)"
    return LendingCap(amount=amount, article=ARTICLE_CAPS, explanation=f"{who}: {limit}")


def lending_refusals(request: LoanRequest, settings: Settings) -> tuple[Refusal, ...]:
    """Status, licence and cap, each refusal with its article."""
    manager = request.manager
    refusals: list[Refusal] = []
    if manager.status is not ManagerStatus.ACTIVE:
        refusals.append(
            Refusal(
                "MANAGER_NOT_ACTIVE",
                ARTICLE_IN_POST,
                f"the manager is {manager.status.value}, not ACTIVE: no new loans",
            )
        )
    until = manager.licence_valid_until
    if until is None or until < request.issued_on:
        shown = "never issued" if until is None else f"valid until {until.isoformat()}"
        refusals.append(
            Refusal(
                "LICENCE_NOT_VALID",
                ARTICLE_LICENCE,
                f"the licence (上岗证) is not valid on {request.issued_on.isoformat()} "
                f"({shown}): it is confirmed once a year, a lapsed licence means no new loans",
            )
        )
    cap = lending_cap(manager, settings)
    if cap.amount is not None and request.amount > cap.amount:
        refusals.append(
            Refusal(
                "AMOUNT_OVER_CAP",
                ARTICLE_CAPS,
                f"amount {fmt(request.amount)} exceeds the cap {fmt(cap.amount)} "
                f"({cap.explanation})",
            )
        )
    return tuple(refusals)


def rotation_due_on(manager: ManagerProfile, settings: Settings) -> dt.date | None:
    """任职三年期满后, 实行岗位轮换: the post's start plus rotation_years.

    No date without a post start, nor for a manager whose credit work ended.
    """
    if manager.post_started_on is None or manager.status in CREDIT_WORK_ENDED:
        return None
    return add_years(manager.post_started_on, settings.rotation_years)


# --- penalties (省办法 第七条) ---------------------------------------------------

LIFETIME_DISQUALIFICATION: Mapping[ViolationKind, tuple[str, str]] = {
    ViolationKind.TEN_KINDS_OF_PERSON: ("(一)", "经排查有“十种人”行为"),
    ViolationKind.LOSS_BY_MISCONDUCT: (
        "(二)",
        "道德品质不良、违规操作或工作失职, 导致信贷资产损失或重大业务流失",
    ),
    ViolationKind.FALSIFICATION: ("(四)", "有弄虚作假行为"),
    ViolationKind.OTHER: ("(四)", "有其他违规、违纪行为"),
}
"""Kinds that end the qualification for life on their first confirmation."""


def penalty(case: ViolationCase, settings: Settings) -> PenaltyEffect:
    """终生取消信贷客户经理任职资格 for the cases of 第七条; any other kind has no effect here.

    Customer complaints count from the 三次(含) threshold: the confirmation of a
    complaint is the 经核实 the article asks for.
    """
    listed = LIFETIME_DISQUALIFICATION.get(case.kind)
    if listed is not None:
        clause, reason = listed
        return PenaltyEffect(
            PenaltyKind.DISQUALIFY_FOR_LIFE,
            f"{ARTICLE_DISQUALIFICATION}{clause}",
            f"{reason}: 终生取消信贷客户经理任职资格",
        )
    if case.kind is ViolationKind.CUSTOMER_COMPLAINT:
        article = f"{ARTICLE_DISQUALIFICATION}(三)"
        count, needed = case.confirmed_same_kind_this_year, settings.complaints_for_disqualification
        if count >= needed:
            return PenaltyEffect(
                PenaltyKind.DISQUALIFY_FOR_LIFE,
                article,
                f"{count} confirmed customer complaints this year, {needed} or more: "
                "终生取消信贷客户经理任职资格",
            )
        return PenaltyEffect(
            PenaltyKind.NONE,
            article,
            f"{count} confirmed customer complaints this year, fewer than {needed}: no effect yet",
        )
    return PenaltyEffect(
        PenaltyKind.NONE,
        ARTICLE_DISQUALIFICATION,
        f"{case.kind.value} ({case.kind.label}) is not a case of 第七条: "
        "no effect under this policy",
    )
