"""The typed fields of ``Appraisal`` beside its JSON ones: parameters, inputs, pay, tier move.

``Appraisal`` lives in ``server.graphql.nodes``; its typed fields are defined here, each
reading the stored row (``root._row``), and set on the type there, one line each.
"""

from __future__ import annotations

from typing import Any

import strawberry

from server.graphql.appraisal.inputs_read import AppraisalInputsRead, IndicatorNames
from server.graphql.appraisal.results import PayLine, TierMove
from server.graphql.context import Ctx
from server.graphql.policy.values import WHY_JSON, ParameterValue, parameter_values

PARAMETERS_DESCRIPTION = "The plugin's parameters the appraisal was made with; " + (
    WHY_JSON.format(typed="parameterValues")
)


def _parameter_values(root: Any, info: Ctx) -> list[ParameterValue]:
    row = root._row
    return parameter_values(info.context.registry, row.plugin, row.parameters)


def _inputs_read(root: Any, info: Ctx) -> AppraisalInputsRead:
    row = root._row
    names = IndicatorNames.declared(info.context.registry, row.plugin, row.period, row.parameters)
    return AppraisalInputsRead.from_json(row.inputs, row.period, names)


def _pay_lines(root: Any) -> list[PayLine]:
    return PayLine.all_from_json(root._row.pay)


def _confirmed_tier_move(root: Any) -> TierMove | None:
    return TierMove.from_json(root._row.tier_move)


parameter_values_field: list[ParameterValue] = strawberry.field(
    resolver=_parameter_values,
    description="The plugin's parameters the appraisal was made with, by name.",
)
inputs_read_field: AppraisalInputsRead = strawberry.field(
    resolver=_inputs_read,
    description="Everything the appraisal read: profile, indicator values and plans with "
    "their units, findings, cohort figures, prior appraisals.",
)
pay_lines_field: list[PayLine] = strawberry.field(
    resolver=_pay_lines,
    description="Amounts the policy derived (pay, profit share, risk-deposit withholding).",
)
confirmed_tier_move_field: TierMove | None = strawberry.field(
    resolver=_confirmed_tier_move,
    description="The tier change made at confirmation: direction, tier, reason, article; "
    "null until confirmed.",
)
