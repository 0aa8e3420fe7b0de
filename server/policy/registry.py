"""Discovery of installed policy plugins and dispatch to one plugin by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import pluggy

from server.errors import DuplicatePlugin, IncompletePlugin, UnknownPlugin
from server.policy import hookspecs
from server.policy.types import PluginInfo, Tier


class PolicyRegistry:
    """The installed policy plugins of one application (never a global).

    By default the plugins come from the ``ruralcredit.policies`` entry points;
    tests pass their own list.
    """

    def __init__(self, plugins: Iterable[ModuleType | object] | None = None) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        if plugins is None:
            self._pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        else:
            for plugin in plugins:
                self._pm.register(plugin)
        self._by_name: dict[str, object] = {}
        self._info: dict[str, PluginInfo] = {}
        for plugin in self._pm.get_plugins():
            info = self._call_on(plugin, "policy_info")
            if not isinstance(info, PluginInfo):
                continue
            self._check_complete(plugin, info)
            if info.name in self._by_name:
                raise DuplicatePlugin(f"two installed policy plugins are named {info.name}")
            self._by_name[info.name] = plugin
            self._info[info.name] = info

    def _implemented(self, plugin: object) -> set[str]:
        return {
            name
            for name in hookspecs.HOOKS_BY_CATEGORY_FLAT
            if any(impl.plugin is plugin for impl in getattr(self._pm.hook, name).get_hookimpls())
        }

    def _check_complete(self, plugin: object, info: PluginInfo) -> None:
        implemented = self._implemented(plugin)
        for category in info.categories:
            missing = set(hookspecs.HOOKS_BY_CATEGORY[category.value]) - implemented
            if missing:
                raise IncompletePlugin(
                    f"plugin {info.name} declares {category.value} but lacks "
                    f"{', '.join(sorted(missing))}"
                )

    def _call_on(self, plugin: object, hook_name: str, **kwargs: Any) -> Any:
        caller = getattr(self._pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                function: Callable[..., Any] = impl.function
                # As pluggy does: an implementation may take any subset of the spec's arguments.
                arguments = {name: kwargs[name] for name in impl.argnames}
                arguments.update({n: kwargs[n] for n in impl.kwargnames if n in kwargs})
                return function(**arguments)
        return None

    def call(self, plugin_name: str, hook_name: str, **kwargs: Any) -> Any:
        """Call one hook of one named plugin; ``None`` when it does not implement it."""
        try:
            plugin = self._by_name[plugin_name]
        except KeyError:
            raise UnknownPlugin(plugin_name) from None
        return self._call_on(plugin, hook_name, **kwargs)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def info(self, plugin_name: str) -> PluginInfo:
        try:
            return self._info[plugin_name]
        except KeyError:
            raise UnknownPlugin(plugin_name) from None

    def all_info(self) -> list[PluginInfo]:
        return [self._info[n] for n in self.names()]

    def tiers(self, plugin_name: str) -> tuple[Tier, ...]:
        tiers = self.call(plugin_name, "grading_tiers")
        return tuple(tiers) if tiers else ()
