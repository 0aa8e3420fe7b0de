"""Every enum value of the schema is described: Chinese first, then the English term."""

from __future__ import annotations

import enum
import re

import pytest
from graphql import GraphQLEnumType

from server.graphql import enum_descriptions
from server.graphql.schema import build_schema
from server.policy.vocabulary import RiskClass

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _enum_types() -> list[GraphQLEnumType]:
    schema = build_schema()._schema
    return [
        kind
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLEnumType) and not name.startswith("__")
    ]


def test_the_schema_has_enums_to_check() -> None:
    assert len(_enum_types()) >= 28


def test_every_enum_value_has_a_chinese_description_with_its_english_term() -> None:
    lacking = []
    for kind in _enum_types():
        for name, value in kind.values.items():
            text = value.description or ""
            term = f"({enum_descriptions.english_term(name)})"
            if not CHINESE.match(text) or term not in text:
                lacking.append(f"{kind.name}.{name}: {text!r}")

    assert lacking == []


def test_a_value_reads_label_term_and_the_specs_note() -> None:
    risk = build_schema()._schema.type_map["RiskClass"]
    assert isinstance(risk, GraphQLEnumType)

    assert (
        risk.values["SUBSTANDARD"].description == "次级 (substandard) — 五级分类的第三级，不良贷款"
    )
    assert risk.values["SPECIAL_MENTION"].description == "关注 (special mention) — 五级分类的第二级"


def test_the_sdl_prints_the_descriptions() -> None:
    sdl = build_schema().as_str()

    assert '"""次级 (substandard) — 五级分类的第三级，不良贷款"""\n  SUBSTANDARD' in sdl


def test_a_value_without_chinese_words_is_refused() -> None:
    class Unnamed(enum.StrEnum):
        X = "X"

    with pytest.raises(LookupError, match=r"Unnamed\.X"):
        enum_descriptions.description(Unnamed, Unnamed.X)


def test_a_value_without_a_note_is_label_and_term() -> None:
    assert enum_descriptions.description(RiskClass, RiskClass.NORMAL).startswith("正常 (normal)")
