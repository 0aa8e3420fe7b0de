"""Discovery of installed policy plugins and dispatch to one plugin by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import pluggy

from server.policy import hookspecs
from server.policy.types import PluginInfo, Tier


class UnknownPlugin(LookupError):
    """No installed policy plugin has this name."""


class PolicyRegistry:
    """The installed policy plugins of one application (never a global)."""

    def __init__(self, plugins: Iterable[ModuleType | object] | None = None) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        if plugins is None:
            self._pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        else:
            for plugin in plugins:
                self._pm.register(plugin)
        self._by_name: dict[str, object] = {}
        for plugin in self._pm.get_plugins():
            info = self._call_on(plugin, "policy_info")
            if isinstance(info, PluginInfo):
                self._by_name[info.name] = plugin

    def _call_on(self, plugin: object, hook_name: str, **kwargs: Any) -> Any:
        caller = getattr(self._pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                function: Callable[..., Any] = impl.function
                return function(**kwargs)
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
        info = self.call(plugin_name, "policy_info")
        assert isinstance(info, PluginInfo)
        return info

    def tiers(self, plugin_name: str) -> tuple[Tier, ...]:
        tiers = self.call(plugin_name, "grading_tiers")
        return tuple(tiers) if tiers else ()
