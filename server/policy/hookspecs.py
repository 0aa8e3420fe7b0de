"""The hook contract between the core and policy plugins.

Each hook's docstring is its documentation. Hooks are called for one plugin at
a time (the plugin the tenant selected for the category), never broadcast.
"""

from __future__ import annotations

import pluggy

from server.policy.types import PluginInfo, Tier

PROJECT = "ruralcredit"
ENTRY_POINT_GROUP = "ruralcredit.policies"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- identity ----------------------------------------------------------------


@hookspec(firstresult=True)
def policy_info() -> PluginInfo:
    """Describe the plugin: name, version, source documents, categories served.

    :return: the plugin's :class:`PluginInfo`; ``name`` is the name tenants select.

    Stops at first non-None result.
    """
    raise NotImplementedError


# --- grading -----------------------------------------------------------------


@hookspec(firstresult=True)
def grading_tiers() -> tuple[Tier, ...] | None:
    """The grading policy's tiers, lowest rank first.

    :return: the ordered tiers (rank 0 is the lowest), or ``None`` when the
        plugin does not serve the ``GRADING`` category.

    Stops at first non-None result.
    """
    raise NotImplementedError
