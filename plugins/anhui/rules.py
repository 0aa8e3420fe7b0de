"""Anhui rules as pure functions: tiers, qualification ceiling, appraisal, floating bands.

Sources: 农商银行信贷客户经理管理规定 第一章 (第四条–第七条) and
农村商业银行客户经理等级管理办法(试行) (第二条–第三条). The sources name the levels,
the bands, the five appraisal aspects and the principle that bands float with
results, but fix no weight or threshold: every such number is a tenant parameter
(see :data:`PARAMETERS`). Arithmetic is exact ``Decimal`` throughout; item scores
are rounded half-up to 2 decimals and a total is the sum of its rounded items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from server.domain import LabelledEnum, ViolationKind
from server.policy.scoring import ZERO, fmt, round_score
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    IndicatorSource,
    IndicatorSpec,
    ItemScore,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    ParameterSpec,
    Params,
    ParamType,
    PenaltyEffect,
    PenaltyKind,
    PeriodKind,
    PriorAppraisal,
    Refusal,
    Tier,
    TierDirection,
    TierMove,
    ViolationCase,
)

RULES = "农商银行信贷客户经理管理规定"
GRADES = "农村商业银行客户经理等级管理办法(试行)"

ART_QUALIFICATION = f"{RULES} 第五条"
ART_APPRAISAL = f"{RULES} 第六条"
ART_FLOATING = f"{RULES} 第七条"
ART_SURVIVAL = f"{GRADES} 第二条"
ART_ASSISTANT = f"{GRADES} 第三条(一)"

HUNDRED = Decimal(100)

# --- tiers (第四条; 第三条 of the grading rules for the assistant level) ------------

ASSISTANT = Tier(code="AH_ASSISTANT", name="助理客户经理", rank=0, external_title="助理客户经理")
JUNIOR_1 = Tier(code="AH_JUNIOR_1", name="初级一档", rank=1, external_title="客户经理")
JUNIOR_2 = Tier(code="AH_JUNIOR_2", name="初级二档", rank=2, external_title="客户经理")
MID_1 = Tier(code="AH_MID_1", name="中级一档", rank=3, external_title="客户经理")
MID_2 = Tier(code="AH_MID_2", name="中级二档", rank=4, external_title="客户经理")
SENIOR_1 = Tier(code="AH_SENIOR_1", name="高级一档", rank=5, external_title="高级客户经理")
SENIOR_2 = Tier(code="AH_SENIOR_2", name="高级二档", rank=6, external_title="高级客户经理")
PRINCIPAL = Tier(code="AH_PRINCIPAL", name="资深客户经理", rank=7, external_title="高级客户经理")

TIERS = (ASSISTANT, JUNIOR_1, JUNIOR_2, MID_1, MID_2, SENIOR_1, SENIOR_2, PRINCIPAL)
"""助理 + 初级/中级/高级 two bands each (一档 below 二档) + 资深, lowest rank first."""

TOP_RANK = PRINCIPAL.rank

# --- qualification ceiling (第五条) -------------------------------------------------

QUALIFICATION_CEILINGS: Mapping[str, Tier] = MappingProxyType(
    {
        "初级": JUNIOR_2,
        "中级": MID_2,
        "高级": SENIOR_2,
        "资深": PRINCIPAL,
        "JUNIOR": JUNIOR_2,
        "MID": MID_2,
        "SENIOR": SENIOR_2,
        "PRINCIPAL": PRINCIPAL,
    }
)
"""The highest band each qualification level allows: the top band of that level."""


def qualification_ceiling(level: str | None) -> Tier | None:
    """The highest band a qualification allows (第五条), or ``None`` for an unknown level.

    No qualification (``None`` or blank) allows only the assistant level, which
    needs none. The Chinese level names and their English codes (any case) are
    accepted; anything else is reported rather than guessed, so that a typing
    error in a profile never demotes a manager.
    """
    if level is None or not level.strip():
        return ASSISTANT
    return QUALIFICATION_CEILINGS.get(level.strip().upper())


def is_assistant(tier: Tier | None) -> bool:
    """Whether a held tier is the assistant level (rank 0) or no band at all."""
    return tier is None or tier.rank == ASSISTANT.rank


def tier_at(rank: int) -> Tier:
    """This policy's band of a rank (0 … 7)."""
    return TIERS[rank]


# --- parameters -------------------------------------------------------------------


@dataclass(frozen=True)
class Aspect:
    """One of the five appraisal aspects of 第六条 and the inputs it reads."""

    key: str
    name: str
    indicator: str
    weight_param: str
    default_weight: Decimal
    description: str


ASPECTS = (
    Aspect(
        "performance",
        "业绩指标",
        "performance_score",
        "performance_weight",
        Decimal(60),
        "performance indicators (业绩指标)",
    ),
    Aspect(
        "ethics",
        "职业道德",
        "ethics_score",
        "ethics_weight",
        Decimal(10),
        "professional ethics (职业道德)",
    ),
    Aspect(
        "basic_management",
        "基础管理工作",
        "basic_management_score",
        "basic_management_weight",
        Decimal(10),
        "basic management work (基础管理工作)",
    ),
    Aspect(
        "credit_operation",
        "信贷操作及管理",
        "credit_operation_score",
        "credit_operation_weight",
        Decimal(10),
        "credit operation and management (信贷操作及管理)",
    ),
    Aspect(
        "service_quality",
        "服务质量",
        "service_quality_score",
        "service_quality_weight",
        Decimal(10),
        "service quality (服务质量)",
    ),
)
"""The five aspects, in the order of 第六条."""

NOT_FIXED = "not fixed by the source"

PARAMETERS = (
    *(
        ParameterSpec(
            name=aspect.weight_param,
            type=ParamType.DECIMAL,
            default=aspect.default_weight,
            description=(
                f"Weight in percent of {aspect.description} in the 0–100 total; "
                "the five weights must sum to 100."
            ),
            article=f"{ART_APPRAISAL} (names the aspect; the weight is {NOT_FIXED})",
            minimum=ZERO,
            maximum=HUNDRED,
        )
        for aspect in ASPECTS
    ),
    ParameterSpec(
        name="quarterly_weight",
        type=ParamType.DECIMAL,
        default=Decimal("0.4"),
        description=(
            "Share of the mean of the year's confirmed quarterly totals in the annual "
            "score; the annual comprehensive total takes the rest."
        ),
        article=f"{ART_APPRAISAL} (日常按季、年度全面评价; the share is {NOT_FIXED})",
        minimum=ZERO,
        maximum=Decimal(1),
    ),
    ParameterSpec(
        name="promote_at",
        type=ParamType.DECIMAL,
        default=Decimal(90),
        description="Annual score at or above which a manager moves up one band.",
        article=f"{ART_FLOATING} (晋升; the threshold is {NOT_FIXED})",
        minimum=ZERO,
        maximum=HUNDRED,
    ),
    ParameterSpec(
        name="demote_below",
        type=ParamType.DECIMAL,
        default=Decimal(60),
        description="Annual score below which a manager moves down one band.",
        article=f"{ART_FLOATING} (降级; the threshold is {NOT_FIXED})",
        minimum=ZERO,
        maximum=HUNDRED,
    ),
    ParameterSpec(
        name="violation_downgrade",
        type=ParamType.BOOLEAN,
        default=True,
        description="Whether a confirmed serious violation moves the manager down one band.",
        article=f"{ART_FLOATING} (浮动管理; the penalty is {NOT_FIXED})",
    ),
)
"""Every number the sources leave open, with its default and bounds."""


def _number(params: Params, name: str) -> Decimal:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"parameter {name} must be a number, not {value!r}")
    return Decimal(value)


def _switch(params: Params, name: str) -> bool:
    value = params[name]
    if not isinstance(value, bool):
        raise TypeError(f"parameter {name} must be true or false, not {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """The numeric parameters the appraisal and the floating rule read."""

    weights: tuple[Decimal, ...]
    """One per aspect, in the order of :data:`ASPECTS`."""
    quarterly_weight: Decimal
    promote_at: Decimal
    demote_below: Decimal


def read_settings(params: Params) -> Settings:
    return Settings(
        weights=tuple(_number(params, a.weight_param) for a in ASPECTS),
        quarterly_weight=_number(params, "quarterly_weight"),
        promote_at=_number(params, "promote_at"),
        demote_below=_number(params, "demote_below"),
    )


def settings_problem(settings: Settings) -> str | None:
    """What makes a parameter set unusable together, or ``None``.

    Each parameter is bounded on its own when the tenant sets it; these rules
    join several, so they are checked when the parameters are used.
    """
    weight_sum = sum(settings.weights, ZERO)
    if weight_sum != HUNDRED:
        listed = ", ".join(
            f"{a.weight_param} {fmt(w)}" for a, w in zip(ASPECTS, settings.weights, strict=True)
        )
        return f"the five aspect weights sum to {fmt(weight_sum)}, not 100 ({listed})"
    if settings.demote_below > settings.promote_at:
        return (
            f"demote_below {fmt(settings.demote_below)} is above promote_at "
            f"{fmt(settings.promote_at)}, so one score would both promote and demote"
        )
    return None


# --- indicators ---------------------------------------------------------------------

QUALIFICATION_LEVEL = "qualification_level"


def indicators(period_kind: PeriodKind) -> tuple[IndicatorSpec, ...]:
    """The five aspect scores for every period; the qualification for the year only.

    Only the annual appraisal can move a band, so only it reads the
    qualification ceiling (第五条). The qualification is optional: none means
    the assistant level is the ceiling.
    """
    aspects = tuple(
        IndicatorSpec(
            key=a.indicator,
            unit="points",
            description=f"Score 0–100 of {a.description} for the period, as recorded",
            source=IndicatorSource.RECORDED,
        )
        for a in ASPECTS
    )
    if period_kind is PeriodKind.QUARTER:
        return aspects
    return (
        *aspects,
        IndicatorSpec(
            key=QUALIFICATION_LEVEL,
            unit="level",
            description=(
                "Customer-manager qualification level: 初级, 中级, 高级 or 资深 "
                "(or JUNIOR, MID, SENIOR, PRINCIPAL); none for no qualification"
            ),
            source=IndicatorSource.PROFILE,
            required=False,
        ),
    )


# --- appraisal (第六条) --------------------------------------------------------------


def aspect_scores(values: Mapping[str, Decimal]) -> tuple[tuple[Decimal, ...], str | None]:
    """The five aspect scores, or the reason they cannot be used.

    A score outside 0–100 is refused rather than clamped: it is a recording
    error, and clamping would hide it in a result that moves grades.
    """
    missing = [a.indicator for a in ASPECTS if a.indicator not in values]
    if missing:
        return (), f"no value recorded for {', '.join(missing)}"
    wrong = [
        f"{a.indicator} {values[a.indicator]}"
        for a in ASPECTS
        if not values[a.indicator].is_finite() or not ZERO <= values[a.indicator] <= HUNDRED
    ]
    if wrong:
        return (), f"aspect scores must lie within 0–100: {', '.join(wrong)}"
    return tuple(values[a.indicator] for a in ASPECTS), None


def _aspect_item(aspect: Aspect, score: Decimal, weight: Decimal) -> ItemScore:
    """One aspect's weighted points: its 0–100 score times its weight in percent."""
    points = round_score(score * weight / HUNDRED)
    return ItemScore(
        key=aspect.key,
        name=aspect.name,
        article=ART_APPRAISAL,
        max_points=round_score(weight),
        score=points,
        inputs=MappingProxyType({aspect.indicator: fmt(score), aspect.weight_param: fmt(weight)}),
        explanation=f"{aspect.name} {fmt(score)} × weight {fmt(weight)}% = {fmt(points)}",
    )


def comprehensive_items(scores: tuple[Decimal, ...], settings: Settings) -> tuple[ItemScore, ...]:
    """The five aspect items; their sum is the comprehensive total (0–100)."""
    return tuple(
        _aspect_item(aspect, score, weight)
        for aspect, score, weight in zip(ASPECTS, scores, settings.weights, strict=True)
    )


def quarterly_totals(year: int, prior: tuple[PriorAppraisal, ...]) -> dict[str, Decimal]:
    """The year's confirmed quarterly totals by period (``2025-Q1`` … ``2025-Q4``).

    Other years, the annual appraisal itself and ungraded quarters are left out.
    """
    quarters = {f"{year}-Q{n}" for n in range(1, 5)}
    return {
        p.period: p.total
        for p in sorted(prior, key=lambda p: p.period)
        if p.period in quarters and p.total is not None
    }


def _blend_item(
    totals: dict[str, Decimal], comprehensive: Decimal, quarterly_weight: Decimal
) -> ItemScore:
    """The quarterly blend as one item: what it adds to (or takes from) the comprehensive total.

    annual score = round(w × mean + (1 − w) × comprehensive), rounded once, so the
    item is that score less the comprehensive total and the total of all items
    is the annual score exactly. ``totals`` is never empty here.
    """
    mean = sum(totals.values(), ZERO) / len(totals)
    annual = round_score(quarterly_weight * mean + (1 - quarterly_weight) * comprehensive)
    adjustment = annual - comprehensive
    listed = ", ".join(f"{period} {fmt(total)}" for period, total in totals.items())
    return ItemScore(
        key="quarterly_blend",
        name="季度考核加权",
        article=ART_APPRAISAL,
        max_points=None,
        score=adjustment,
        inputs=MappingProxyType(
            {
                **{period: fmt(total) for period, total in totals.items()},
                "quarterly_weight": fmt(quarterly_weight),
                "comprehensive_total": fmt(comprehensive),
            }
        ),
        explanation=(
            f"annual score = {fmt(quarterly_weight)} × mean {fmt(round_score(mean))} of "
            f"{len(totals)} confirmed quarterly totals ({listed}) + "
            f"{fmt(1 - quarterly_weight)} × comprehensive total {fmt(comprehensive)} = "
            f"{fmt(annual)}; {'+' if adjustment >= 0 else ''}{fmt(adjustment)} on the "
            "comprehensive total"
        ),
    )


class Band(LabelledEnum):
    """Where an annual score falls against the floating thresholds (第七条); the rating."""

    PROMOTE = "PROMOTE", "晋升一档"
    KEEP = "KEEP", "保持级档"
    DEMOTE = "DEMOTE", "降低一档"


def score_band(score: Decimal, settings: Settings) -> Band:
    """``promote_at`` and above: up; below ``demote_below``: down; else stay (以上 includes)."""
    if score >= settings.promote_at:
        return Band.PROMOTE
    if score < settings.demote_below:
        return Band.DEMOTE
    return Band.KEEP


def _refuse(reason: str, article: str) -> AppraisalOutcome:
    return AppraisalOutcome(graded=False, explanation=f"{reason} ({article})")


def appraise(appraisal: AppraisalInput) -> AppraisalOutcome:
    """Appraise one quarter or one year (第六条); the year also sets the band (第七条)."""
    settings = read_settings(appraisal.params)
    problem = settings_problem(settings)
    if problem is not None:
        return _refuse(f"cannot appraise: {problem}", ART_APPRAISAL)
    scores, problem = aspect_scores(appraisal.values)
    if problem is not None:
        return _refuse(f"cannot appraise: {problem}", ART_APPRAISAL)
    if appraisal.period_kind is PeriodKind.QUARTER:
        return _quarterly_outcome(appraisal, scores, settings)
    manager = appraisal.manager
    ceiling = qualification_ceiling(manager.qualification_level)
    if ceiling is None:
        return _refuse(
            f"cannot set a band: qualification level {manager.qualification_level!r} is not "
            "one of 初级, 中级, 高级, 资深 (JUNIOR, MID, SENIOR, PRINCIPAL) or none",
            ART_QUALIFICATION,
        )
    return _annual_outcome(appraisal, scores, settings, ceiling)


def _quarterly_outcome(
    appraisal: AppraisalInput, scores: tuple[Decimal, ...], settings: Settings
) -> AppraisalOutcome:
    """A quarter is recorded and reported; it keeps the band held and has no rating."""
    items = comprehensive_items(scores, settings)
    total = sum((i.score for i in items), ZERO)
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"quarterly appraisal {appraisal.period}: total {fmt(total)} of 100; "
            f"recorded and reported, it moves no band ({ART_APPRAISAL})"
        ),
        items=items,
        total=total,
        tier=appraisal.manager.tier,
    )


def _annual_outcome(
    appraisal: AppraisalInput, scores: tuple[Decimal, ...], settings: Settings, ceiling: Tier
) -> AppraisalOutcome:
    """The five aspects give the comprehensive total; the quarterly blend is one more item."""
    items = comprehensive_items(scores, settings)
    comprehensive = sum((i.score for i in items), ZERO)
    year = appraisal.period_start.year
    totals = quarterly_totals(year, appraisal.prior)
    warnings: list[str] = []
    if totals:
        items = (*items, _blend_item(totals, comprehensive, settings.quarterly_weight))
        if len(totals) < 4:
            warnings.append(
                f"{len(totals)} of 4 quarterly appraisals of {year} confirmed "
                f"({', '.join(totals)}); their mean counts ({ART_APPRAISAL})"
            )
    else:
        warnings.append(
            f"no confirmed quarterly appraisal of {year}: the comprehensive total alone "
            f"is the annual score ({ART_APPRAISAL})"
        )
    total = sum((i.score for i in items), ZERO)
    band = score_band(total, settings)
    move = annual_move(appraisal.manager, total, ceiling, settings)
    tier = appraisal.manager.tier if move.direction is TierDirection.NONE else move.to_tier
    if move.flags:
        warnings.append(f"{', '.join(move.flags)}: {move.reason}")
    return AppraisalOutcome(
        graded=True,
        explanation=(
            f"annual appraisal {appraisal.period}: score {fmt(total)} "
            f"(comprehensive total {fmt(comprehensive)}); {move.reason}"
        ),
        items=items,
        total=total,
        tier=tier,
        rating=band.value,
        rating_label=band.label,
        warnings=tuple(warnings),
    )


# --- floating bands (第七条) -----------------------------------------------------------

PROMOTION_BLOCKED = "PROMOTION_BLOCKED_BY_QUALIFICATION"
DISMISSAL_REVIEW = "DISMISSAL_REVIEW"
ABOVE_QUALIFICATION = "ABOVE_QUALIFICATION_CEILING"
QUALIFICATION_UNRECOGNISED = "QUALIFICATION_UNRECOGNISED"


def _qualification_text(manager: ManagerProfile) -> str:
    level = manager.qualification_level
    return f"qualification {level.strip()}" if level and level.strip() else "no qualification"


def annual_move(
    manager: ManagerProfile, score: Decimal, ceiling: Tier, settings: Settings
) -> TierMove:
    """The band after a confirmed annual appraisal: one band at most, never above the ceiling.

    - A manager without a band is set to the assistant level whatever the
      score: it is the entry level, needs no qualification, and bands float one
      step at a time from a band held.
    - Otherwise the score earns up, stay or down one band (第七条); the band
      held is the lower of the band earned and the qualification ceiling
      (第五条), so a band above a lost qualification falls to the ceiling.
    - An assistant who scores below ``demote_below`` stays an assistant and is
      referred for dismissal review (优胜劣汰, 第二条 of the grading rules).
    """
    band = score_band(score, settings)
    scored = f"annual score {fmt(score)}"
    held = manager.tier
    if held is None:
        first = (DISMISSAL_REVIEW,) if band is Band.DEMOTE else ()
        note = f" < demote_below {fmt(settings.demote_below)}" if first else ""
        return TierMove(
            direction=TierDirection.SET,
            to_tier=ASSISTANT,
            reason=f"{scored}{note}; first band: set to {ASSISTANT.name} (the entry level)",
            article=ART_FLOATING,
            flags=first,
        )
    flags: list[str] = []
    if band is Band.PROMOTE:
        earned = held.rank + 1 if held.rank < TOP_RANK else held.rank
        steps = [f"{scored} ≥ promote_at {fmt(settings.promote_at)}"]
        if held.rank >= TOP_RANK:
            steps.append("already the top band")
        elif earned > ceiling.rank:
            flags.append(PROMOTION_BLOCKED)
            steps.append(
                f"promotion blocked: {_qualification_text(manager)} allows at most {ceiling.name}"
            )
    elif band is Band.DEMOTE:
        earned = max(held.rank - 1, ASSISTANT.rank)
        steps = [f"{scored} < demote_below {fmt(settings.demote_below)}"]
        if held.rank == ASSISTANT.rank:
            flags.append(DISMISSAL_REVIEW)
            steps.append(
                f"an assistant stays an assistant and is referred for dismissal review "
                f"(优胜劣汰, {ART_SURVIVAL})"
            )
    else:
        earned = held.rank
        steps = [
            f"{scored} within {fmt(settings.demote_below)}–{fmt(settings.promote_at)}: "
            "the band stays"
        ]
    if held.rank > ceiling.rank:
        flags.append(ABOVE_QUALIFICATION)
        steps.append(f"{held.name} is above what {_qualification_text(manager)} allows")
    effective = min(earned, ceiling.rank)
    if effective > held.rank:
        direction, to_tier = TierDirection.PROMOTION, tier_at(effective)
    elif effective < held.rank:
        direction, to_tier = TierDirection.DEMOTION, tier_at(effective)
    else:
        direction, to_tier = TierDirection.NONE, None
    steps.append(f"{held.name} → {to_tier.name}" if to_tier is not None else f"stays {held.name}")
    return TierMove(
        direction=direction,
        to_tier=to_tier,
        reason="; ".join(steps),
        article=ART_QUALIFICATION if effective < earned else ART_FLOATING,
        flags=tuple(flags),
    )


def tier_move(
    manager: ManagerProfile, outcome: AppraisalOutcome, period_kind: PeriodKind, params: Params
) -> TierMove:
    """The move on confirmation: annual appraisals only (第六条, 第七条)."""
    if period_kind is PeriodKind.QUARTER:
        return TierMove(
            TierDirection.NONE,
            None,
            "a quarterly appraisal is recorded and reported; it moves no band",
            ART_APPRAISAL,
        )
    if not outcome.graded or outcome.total is None:
        return TierMove(
            TierDirection.NONE, None, "the appraisal was not graded; no move", ART_FLOATING
        )
    settings = read_settings(params)
    problem = settings_problem(settings)
    if problem is not None:
        return TierMove(TierDirection.NONE, None, f"no move: {problem}", ART_APPRAISAL)
    ceiling = qualification_ceiling(manager.qualification_level)
    if ceiling is None:
        return TierMove(
            TierDirection.NONE,
            None,
            f"no move: qualification level {manager.qualification_level!r} is not recognised",
            ART_QUALIFICATION,
            (QUALIFICATION_UNRECOGNISED,),
        )
    return annual_move(manager, outcome.total, ceiling, settings)


# --- lending (第三条(一) of the grading rules) --------------------------------------

ASSISTANT_CANNOT_OWN_LOANS = "ASSISTANT_CANNOT_OWN_LOANS"


def _held(tier: Tier | None) -> str:
    return tier.name if tier is not None else "no band"


def lending_cap(manager: ManagerProfile) -> LendingCap:
    """Nothing for an assistant, who does not manage customers alone; no cap otherwise."""
    if is_assistant(manager.tier):
        return LendingCap(
            amount=Decimal("0.00"),
            article=ART_ASSISTANT,
            explanation=(
                f"{_held(manager.tier)}: the assistant level does not manage customers on its "
                "own (尚未独立分管客户) and originates no loan"
            ),
        )
    return LendingCap(
        amount=None,
        article=ART_ASSISTANT,
        explanation=f"{_held(manager.tier)}: no single-loan cap in this policy",
    )


def lending_check(request: LoanRequest) -> tuple[Refusal, ...]:
    """An assistant (or a manager without a band) cannot own a new loan."""
    if not is_assistant(request.manager.tier):
        return ()
    return (
        Refusal(
            rule=ASSISTANT_CANNOT_OWN_LOANS,
            article=ART_ASSISTANT,
            message=(
                f"the manager holds {_held(request.manager.tier)}: an assistant is still "
                "learning and does not manage customers on their own (尚未独立分管客户), "
                "so cannot be the responsible manager of a new loan"
            ),
        ),
    )


# --- penalties (第七条 浮动管理) ----------------------------------------------------

SERIOUS_VIOLATIONS = frozenset(
    {
        ViolationKind.LOAN_TO_PAY_INTEREST,
        ViolationKind.NOMINEE_LOAN,
        ViolationKind.CROSS_COMMUNITY_LOAN,
        ViolationKind.CREDIT_TO_BANNED_CUSTOMER,
        ViolationKind.TEN_KINDS_OF_PERSON,
        ViolationKind.LOSS_BY_MISCONDUCT,
        ViolationKind.FALSIFICATION,
    }
)
"""Kinds serious on a single confirmed case.

The four credit-business breaches each cost a grade on their own elsewhere in
the catalogue's sources; 十种人 and losses by misconduct end a career there;
弄虚作假 is forbidden outright. Exam failures, audit notices, complaints and
``OTHER`` weigh in the appraisal aspects instead (职业道德, 信贷操作及管理, 服务质量).
"""


def penalty_effect(case: ViolationCase, params: Params) -> PenaltyEffect:
    """Down one band for a confirmed serious violation when ``violation_downgrade`` is on."""
    kind = f"{case.kind.value} ({case.kind.label})"
    if not _switch(params, "violation_downgrade"):
        return PenaltyEffect(
            PenaltyKind.NONE, ART_FLOATING, f"{kind}: violation_downgrade is off; no effect"
        )
    if case.kind not in SERIOUS_VIOLATIONS:
        return PenaltyEffect(
            PenaltyKind.NONE,
            ART_FLOATING,
            f"{kind} is not a serious violation in this policy; it counts in the appraisal",
        )
    held = case.manager.tier
    tiers = case.tiers or TIERS
    lower = [t for t in tiers if held is not None and t.rank < held.rank]
    if held is None or not lower:
        return PenaltyEffect(
            PenaltyKind.NONE,
            ART_SURVIVAL,
            f"{kind} is serious, but {_held(held)} has no lower band: the manager is "
            f"referred for dismissal review ({DISMISSAL_REVIEW}, 优胜劣汰)",
        )
    to_tier = max(lower, key=lambda t: t.rank)
    return PenaltyEffect(
        PenaltyKind.DOWN_ONE_TIER,
        ART_FLOATING,
        f"{kind} is a serious violation: down one band, {held.name} → {to_tier.name}",
        to_tier=to_tier,
    )
