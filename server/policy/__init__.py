"""Policy plugins: the hook contract, discovery, and per-tenant dispatch.

A province's rules (grading tiers and appraisal, customer classification,
lending caps, penalties) live in plugins registered under the entry-point
group ``ruralcredit.policies``. The four in-tree plugins register exactly as a
federation's own package would::

    [project.entry-points."ruralcredit.policies"]
    my_province = "my_package.policy"

A plugin module implements hooks from ``server.policy.hookspecs`` with
``@hookimpl`` — every hook of each category it declares in ``policy_info``.
Plugins are pure: frozen dataclasses in, frozen dataclasses out. The guide for
plugin authors is ``docs/plugin-authors.md``.
"""

from server.policy.hookspecs import hookimpl, hookspec

__all__ = ["hookimpl", "hookspec"]
