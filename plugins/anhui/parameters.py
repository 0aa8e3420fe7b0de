"""Anhui's tenant parameters: every number the sources leave open, declared once.

The sources name the levels, the bands, the five aspects and the principle that
bands float with results, but fix no weight or threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from plugins.anhui.articles import ART_APPRAISAL, ART_FLOATING, NOT_FIXED
from plugins.anhui.aspects import ASPECTS, HUNDRED
from server.policy import ZERO, Parameters, ParameterSetProblem, fmt, parameter


def aspect_weight(key: str) -> Mapping[str, object]:
    """The weight in percent of one aspect of 第六条 (by its key)."""
    (aspect,) = [a for a in ASPECTS if a.key == key]
    return parameter(
        f"Weight in percent of {aspect.description} in the 0–100 total; "
        "the five weights must sum to 100.",
        article=f"{ART_APPRAISAL} (names the aspect; the weight is {NOT_FIXED})",
        minimum=0,
        maximum=100,
    )


@dataclass(frozen=True)
class AnhuiParameters(Parameters):
    """The aspect weights, the quarterly share, the floating thresholds and the penalty switch."""

    performance_weight: Decimal = field(default=Decimal(60), metadata=aspect_weight("performance"))
    ethics_weight: Decimal = field(default=Decimal(10), metadata=aspect_weight("ethics"))
    basic_management_weight: Decimal = field(
        default=Decimal(10), metadata=aspect_weight("basic_management")
    )
    credit_operation_weight: Decimal = field(
        default=Decimal(10), metadata=aspect_weight("credit_operation")
    )
    service_quality_weight: Decimal = field(
        default=Decimal(10), metadata=aspect_weight("service_quality")
    )
    quarterly_weight: Decimal = field(
        default=Decimal("0.4"),
        metadata=parameter(
            "Share of the mean of the year's confirmed quarterly totals in the annual "
            "score; the annual comprehensive total takes the rest.",
            article=f"{ART_APPRAISAL} (日常按季、年度全面评价; the share is {NOT_FIXED})",
            minimum=0,
            maximum=1,
        ),
    )
    promote_at: Decimal = field(
        default=Decimal(90),
        metadata=parameter(
            "Annual score at or above which a manager moves up one band.",
            article=f"{ART_FLOATING} (晋升; the threshold is {NOT_FIXED})",
            minimum=0,
            maximum=100,
        ),
    )
    demote_below: Decimal = field(
        default=Decimal(60),
        metadata=parameter(
            "Annual score below which a manager moves down one band.",
            article=f"{ART_FLOATING} (降级; the threshold is {NOT_FIXED})",
            minimum=0,
            maximum=100,
        ),
    )
    violation_downgrade: bool = field(
        default=True,
        metadata=parameter(
            "Whether a confirmed serious violation moves the manager down one band.",
            article=f"{ART_FLOATING} (浮动管理; the penalty is {NOT_FIXED})",
        ),
    )

    @property
    def weights(self) -> tuple[Decimal, ...]:
        """One weight per aspect, in the order of 第六条 (``ASPECTS``)."""
        return tuple(getattr(self, aspect.weight_param) for aspect in ASPECTS)

    def set_problems(self) -> tuple[ParameterSetProblem, ...]:
        """The rules joining several parameters (第六条, 第七条; checked before a tenant's set
        is stored): the five aspect weights sum to 100, and ``demote_below`` is not above
        ``promote_at`` (else one score would both promote and demote)."""
        found: list[ParameterSetProblem] = []
        weight_sum = sum(self.weights, ZERO)
        if weight_sum != HUNDRED:
            listed = ", ".join(
                f"{a.weight_param} {fmt(w)}" for a, w in zip(ASPECTS, self.weights, strict=True)
            )
            found.append(
                ParameterSetProblem(
                    tuple(a.weight_param for a in ASPECTS),
                    "WEIGHTS_SUM_TO_100",
                    f"the five aspect weights sum to {fmt(weight_sum)}, not 100 ({listed})",
                )
            )
        if self.demote_below > self.promote_at:
            found.append(
                ParameterSetProblem(
                    ("demote_below", "promote_at"),
                    "DEMOTE_NOT_ABOVE_PROMOTE",
                    f"demote_below {fmt(self.demote_below)} is above promote_at "
                    f"{fmt(self.promote_at)}, so one score would both promote and demote",
                )
            )
        return tuple(found)

    def problem(self) -> str | None:
        """What makes the parameters unusable together, or ``None``.

        A tenant's set is checked when it is stored (:meth:`set_problems`); this is
        asked again when the parameters are used, for a set made without that check.
        """
        found = self.set_problems()
        return "; ".join(p.message for p in found) if found else None
