"""Frozen dataclasses exchanged between the core and policy plugins."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain import PolicyCategory


@dataclass(frozen=True)
class Tier:
    """One grade of the tenant's grading policy. Tiers compare by ``rank`` (0 = lowest)."""

    code: str
    name: str
    rank: int
    external_title: str


@dataclass(frozen=True)
class PluginInfo:
    """What a policy plugin is: its name, version, sources and the categories it serves."""

    name: str
    version: str
    title: str
    sources: tuple[str, ...]
    categories: frozenset[PolicyCategory]
