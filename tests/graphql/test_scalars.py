"""Every custom scalar says its exact format: a description and an ``@specifiedBy`` URL that
leads somewhere — a standard's page, or a section of ``docs/scalars.md`` that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLScalarType, specified_scalar_types

from server.graphql import scalars
from server.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = set(specified_scalar_types)


def _custom_scalars() -> list[GraphQLScalarType]:
    schema = build_schema()._schema
    return [
        kind
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLScalarType) and name not in BUILT_IN
    ]


def _doc_anchors() -> set[str]:
    text = (ROOT / scalars.SCALARS_DOC).read_text(encoding="utf-8")
    return {
        re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    }


def test_the_schema_has_its_own_scalars() -> None:
    names = {kind.name for kind in _custom_scalars()}

    assert {"Money", "Decimal", "Date", "DateTime", "Period"} <= names


def test_every_custom_scalar_has_a_description_and_a_specification() -> None:
    undocumented = [
        kind.name
        for kind in _custom_scalars()
        if not (kind.description or "").strip() or not kind.specified_by_url
    ]

    assert undocumented == []


def test_every_specification_in_the_repository_names_a_section_that_exists() -> None:
    anchors = _doc_anchors()
    broken = []
    for kind in _custom_scalars():
        url = kind.specified_by_url or ""
        if url.startswith("https://"):
            continue
        page, _, anchor = url.partition("#")
        if page != scalars.SCALARS_DOC or anchor not in anchors:
            broken.append(f"{kind.name}: {url}")

    assert broken == []


def test_the_page_documents_every_custom_scalar() -> None:
    anchors = _doc_anchors()

    assert [k.name for k in _custom_scalars() if k.name.lower() not in anchors] == []


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("Money", scalars.MONEY_PATTERN),
        ("Decimal", scalars.DECIMAL_PATTERN),
        ("Period", scalars.PERIOD_PATTERN),
    ],
)
def test_a_pattern_the_description_and_the_page_give_is_the_one_the_code_applies(
    name: str, pattern: re.Pattern[str]
) -> None:
    kind = build_schema()._schema.type_map[name]
    assert isinstance(kind, GraphQLScalarType)
    page = (ROOT / scalars.SCALARS_DOC).read_text(encoding="utf-8")

    assert f"`{pattern.pattern}`" in (kind.description or "")
    assert f"`{pattern.pattern}`" in page


@pytest.mark.parametrize(
    ("name", "url"),
    [("Date", scalars.RFC_3339_DATES), ("DateTime", scalars.RFC_3339_DATES)],
)
def test_dates_are_specified_by_rfc_3339(name: str, url: str) -> None:
    sdl = build_schema().as_str()

    assert f'scalar {name} @specifiedBy(url: "{url}")' in sdl


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [("2025-06-30T08:00:00+08:00", 8), ("2025-06-30T00:00:00Z", 0), ("2025-06-30T00:00-05:00", -5)],
)
def test_a_date_time_keeps_its_offset(text: str, offset_hours: int) -> None:
    parsed = scalars.parse_datetime(text)
    assert parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == offset_hours * 3600  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["2025-06-30T08:00:00", "2025-06-30", "2025-06-30T08:00"])
def test_a_date_time_without_its_offset_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="offset from UTC"):
        scalars.parse_datetime(text)
