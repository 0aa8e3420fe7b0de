"""Discovery of installed policy plugins, and typed calls to one plugin per category.

The core never calls a hook by name: it asks the registry for one plugin's
hooks of one category and calls them as methods, e.g.
``registry.grading(plugin).appraise(appraisal)`` or
``registry.lending(plugin).cap(manager, on, params)``. Underneath, each call
goes to that plugin's pluggy implementation only, with the arguments it takes
(an implementation may take any subset of the spec's arguments, as pluggy
allows) and ``params`` as the plugin's own declaration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import ModuleType
from typing import Any

import pluggy

from server.errors import DuplicatePlugin, IncompletePlugin, Refusal, UnknownPlugin
from server.policy import hookspecs
from server.policy.parameters import Parameters, Params
from server.policy.period import Period
from server.policy.types import (
    AppraisalInput,
    AppraisalOutcome,
    Classification,
    CohortMember,
    CustomerFacts,
    FindingSpec,
    IndicatorSpec,
    LendingCap,
    LoanRequest,
    ManagerProfile,
    PenaltyEffect,
    PluginInfo,
    Tier,
    TierMove,
    ViolationCase,
)
from server.policy.vocabulary import PolicyCategory


class _Plugin:
    """One installed plugin: what it says it is, and its hook implementations by hook name."""

    def __init__(self, info: PluginInfo, impls: dict[str, pluggy.HookImpl]) -> None:
        self.info = info
        self._impls = impls

    def implements(self, hook: str) -> bool:
        return hook in self._impls

    def call(self, hook: str, **kwargs: Any) -> Any:
        impl = self._impls[hook]
        # As pluggy does: an implementation may take any subset of the spec's arguments.
        arguments = {name: kwargs[name] for name in impl.argnames}
        arguments.update({n: kwargs[n] for n in impl.kwargnames if n in kwargs})
        return impl.function(**arguments)

    def params(self, given: Params) -> Parameters:
        """``given`` as the plugin's own parameter declaration (validated if it is not yet)."""
        return self.info.params.of(given)


class GradingPolicy:
    """One plugin's grading hooks: tiers, appraisal inputs, cohort figures, appraisal, moves."""

    def __init__(self, plugin: _Plugin) -> None:
        self._plugin = plugin

    def tiers(self) -> tuple[Tier, ...]:
        """``grading_tiers``: the tiers, lowest rank first."""
        return tuple(self._plugin.call("grading_tiers"))

    def indicators(self, period: Period, params: Params) -> tuple[IndicatorSpec, ...]:
        """``grading_indicators``: the inputs an appraisal of ``period`` needs."""
        return tuple(
            self._plugin.call(
                "grading_indicators", period=period, params=self._plugin.params(params)
            )
        )

    def cohort_figures(
        self, period: Period, cohort: tuple[CohortMember, ...], params: Params
    ) -> Mapping[str, Decimal]:
        """``grading_cohort_figures``: the run's tenant-wide figures."""
        figures: Mapping[str, Decimal] = self._plugin.call(
            "grading_cohort_figures",
            period=period,
            cohort=cohort,
            params=self._plugin.params(params),
        )
        return figures

    def unscored_outcome(self, appraisal: AppraisalInput) -> AppraisalOutcome | None:
        """``grading_unscored_outcome``: a refusal or placement without scoring, or ``None``."""
        outcome: AppraisalOutcome | None = self._plugin.call(
            "grading_unscored_outcome",
            appraisal=appraisal,
            params=self._plugin.params(appraisal.params),
        )
        return outcome

    def appraise(self, appraisal: AppraisalInput) -> AppraisalOutcome:
        """``grading_appraise``: the outcome of one manager's appraisal."""
        outcome: AppraisalOutcome = self._plugin.call(
            "grading_appraise", appraisal=appraisal, params=self._plugin.params(appraisal.params)
        )
        return outcome

    def tier_move(
        self, manager: ManagerProfile, outcome: AppraisalOutcome, period: Period, params: Params
    ) -> TierMove:
        """``grading_tier_move``: the tier change a confirmed appraisal makes."""
        move: TierMove = self._plugin.call(
            "grading_tier_move",
            manager=manager,
            outcome=outcome,
            period=period,
            params=self._plugin.params(params),
        )
        return move

    def findings(self, period: Period, params: Params) -> tuple[FindingSpec, ...] | None:
        """``grading_findings``: the finding codes an appraisal of ``period`` scores (optional
        hook; ``None`` when the plugin does not say, and any well-formed code is taken)."""
        if not self._plugin.implements("grading_findings"):
            return None
        return tuple(
            self._plugin.call("grading_findings", period=period, params=self._plugin.params(params))
        )

    def tier_refusals(
        self, manager: ManagerProfile, tier: Tier, params: Params
    ) -> tuple[Refusal, ...]:
        """``grading_tier_refusals``: why the manager may not hold ``tier`` (optional hook;
        a plugin without it refuses no tier)."""
        if not self._plugin.implements("grading_tier_refusals"):
            return ()
        return tuple(
            self._plugin.call(
                "grading_tier_refusals",
                manager=manager,
                tier=tier,
                params=self._plugin.params(params),
            )
        )


class ClassificationPolicy:
    """One plugin's classification hooks: a customer's class, and the credit it allows."""

    def __init__(self, plugin: _Plugin) -> None:
        self._plugin = plugin

    def classify(self, facts: CustomerFacts, params: Params) -> Classification:
        """``classify_customer``: the customer's class and the rules that decided it."""
        result: Classification = self._plugin.call(
            "classify_customer", facts=facts, params=self._plugin.params(params)
        )
        return result

    def credit_check(self, request: LoanRequest, params: Params) -> tuple[Refusal, ...]:
        """``classification_credit_check``: one refusal per rule the loan breaks."""
        return tuple(
            self._plugin.call(
                "classification_credit_check", request=request, params=self._plugin.params(params)
            )
        )


class LendingPolicy:
    """One plugin's lending hooks: the cap, the check of a new loan, rotation."""

    def __init__(self, plugin: _Plugin) -> None:
        self._plugin = plugin

    def cap(self, manager: ManagerProfile, on: dt.date, params: Params) -> LendingCap:
        """``lending_cap``: the largest single loan the manager may originate on ``on``."""
        cap: LendingCap = self._plugin.call(
            "lending_cap", manager=manager, on=on, params=self._plugin.params(params)
        )
        return cap

    def check(self, request: LoanRequest, params: Params) -> tuple[Refusal, ...]:
        """``lending_check``: one refusal per lending rule the loan breaks."""
        return tuple(
            self._plugin.call("lending_check", request=request, params=self._plugin.params(params))
        )

    def rotation_due_on(self, manager: ManagerProfile, params: Params) -> dt.date | None:
        """``lending_rotation_due_on``: when the manager is due to rotate, if ever."""
        due: dt.date | None = self._plugin.call(
            "lending_rotation_due_on", manager=manager, params=self._plugin.params(params)
        )
        return due


class PenaltyPolicy:
    """One plugin's penalty hook: the effect of a confirmed violation."""

    def __init__(self, plugin: _Plugin) -> None:
        self._plugin = plugin

    def effect(self, case: ViolationCase, params: Params) -> PenaltyEffect:
        """``penalty_effect``: what the confirmed violation does to the manager."""
        effect: PenaltyEffect = self._plugin.call(
            "penalty_effect", case=case, params=self._plugin.params(params)
        )
        return effect


class PolicyRegistry:
    """The installed policy plugins of one application (never a global).

    By default the plugins come from the ``ruralcredit.policies`` entry points;
    tests pass their own list.
    """

    def __init__(self, plugins: Iterable[ModuleType | object] | None = None) -> None:
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        if plugins is None:
            manager.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        else:
            for plugin in plugins:
                manager.register(plugin)
        self._plugins: dict[str, _Plugin] = {}
        for plugin in manager.get_plugins():
            impls = {
                name: impl
                for name in (
                    "policy_info",
                    *hookspecs.HOOKS_BY_CATEGORY_FLAT,
                    *hookspecs.OPTIONAL_HOOKS_FLAT,
                )
                for impl in getattr(manager.hook, name).get_hookimpls()
                if impl.plugin is plugin
            }
            if "policy_info" not in impls:
                continue
            info = impls["policy_info"].function()
            if not isinstance(info, PluginInfo):
                continue
            for category in info.categories:
                missing = set(hookspecs.HOOKS_BY_CATEGORY[category.value]) - set(impls)
                if missing:
                    raise IncompletePlugin(
                        f"plugin {info.name} declares {category.value} but lacks "
                        f"{', '.join(sorted(missing))}"
                    )
            if info.name in self._plugins:
                raise DuplicatePlugin(f"two installed policy plugins are named {info.name}")
            self._plugins[info.name] = _Plugin(info, impls)

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def info(self, plugin_name: str) -> PluginInfo:
        return self._plugin(plugin_name).info

    def all_info(self) -> list[PluginInfo]:
        return [self._plugins[n].info for n in self.names()]

    def _plugin(self, plugin_name: str) -> _Plugin:
        try:
            return self._plugins[plugin_name]
        except KeyError:
            raise UnknownPlugin(plugin_name) from None

    def _serving(self, plugin_name: str, category: PolicyCategory) -> _Plugin:
        plugin = self._plugin(plugin_name)
        if category not in plugin.info.categories:
            raise UnknownPlugin(f"no installed {category.value} plugin is named {plugin_name}")
        return plugin

    def grading(self, plugin_name: str) -> GradingPolicy:
        """The grading hooks of the named plugin (``UnknownPlugin`` if it grades nothing)."""
        return GradingPolicy(self._serving(plugin_name, PolicyCategory.GRADING))

    def classification(self, plugin_name: str) -> ClassificationPolicy:
        """The classification hooks of the named plugin."""
        return ClassificationPolicy(self._serving(plugin_name, PolicyCategory.CLASSIFICATION))

    def lending(self, plugin_name: str) -> LendingPolicy:
        """The lending hooks of the named plugin."""
        return LendingPolicy(self._serving(plugin_name, PolicyCategory.LENDING))

    def penalty(self, plugin_name: str) -> PenaltyPolicy:
        """The penalty hook of the named plugin."""
        return PenaltyPolicy(self._serving(plugin_name, PolicyCategory.PENALTY))
