"""The domain's enumerations and their Chinese labels."""

from __future__ import annotations

from tests.conftest import Api


async def test_enum_labels(api: Api) -> None:
    data = await api(
        """{ labels { enum value label }
             loans(first: 1) { edges { node { riskClass riskClassLabel guaranteeLabel } } } }"""
    )
    labels = {(x["enum"], x["value"]): x["label"] for x in data["labels"]}
    assert labels[("RiskClass", "SUBSTANDARD")] == "次级"
    assert labels[("ManagerStatus", "PROBATION")] == "见习"
    node = data["loans"]["edges"][0]["node"]
    assert node["riskClassLabel"] == labels[("RiskClass", node["riskClass"])]
