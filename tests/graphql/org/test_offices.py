"""Appraisals, office managers and class history over GraphQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import AppraisalStatus
from tests.conftest import Api


async def _store_appraisal(session: AsyncSession, manager: models.Manager) -> models.Appraisal:
    appraisal = models.Appraisal(
        tenant_id=manager.tenant_id,
        manager_id=manager.id,
        period="2025",
        status=AppraisalStatus.DRAFT,
        plugin="shandong",
        plugin_version="1.0.0",
        parameters={"deduction_per_case": "0.5"},
        inputs={"education": "BACHELOR_OR_HIGHER"},
        total=Decimal("91.50"),
        tier_code="SD_1",
        tier_rank=3,
        tier_name="一级客户经理",
        computed_by="hr-1",
    )
    session.add(appraisal)
    await session.flush()
    session.add_all(
        [
            models.AppraisalItem(
                tenant_id=manager.tenant_id,
                appraisal_id=appraisal.id,
                position=i,
                key=key,
                name=name,
                article=article,
                max_points=Decimal(points),
                score=Decimal(score),
                inputs={"value": key},
                explanation=f"{name}: {score}",
            )
            for i, (key, name, article, points, score) in enumerate(
                [
                    ("A1", "学历", "第十一条(一)1", "3", "3"),
                    ("B6", "收回贷款利息", "第十一条(二)6", "20", "18.25"),
                ]
            )
        ]
    )
    await session.commit()
    return appraisal


async def test_appraisal_read_shows_items_with_articles(api: Api, session: AsyncSession) -> None:
    manager = (
        await session.execute(
            select(models.Manager).where(models.Manager.tenant_id == "sd-demo").limit(1)
        )
    ).scalar_one()
    appraisal = await _store_appraisal(session, manager)
    data = await api(
        """query($id: ID!, $m: ID!) {
          appraisal(id: $id) { period status statusLabel total tier { code rank }
            parameters manager { id } items { key article maxPoints score explanation inputs } }
          appraisals(filter: {managerId: $m, period: "2025"}) { totalCount edges { node { id } } }
          drafts: appraisals(filter: {statuses: [CONFIRMED]}) { totalCount }
          manager(id: $m) { appraisals { edges { node { id total } } } }
        }""",
        {"id": str(appraisal.id), "m": str(manager.id)},
    )
    a = data["appraisal"]
    assert (a["period"], a["status"], a["statusLabel"], a["total"]) == (
        "2025",
        "DRAFT",
        "草稿",
        "91.5",
    )
    assert a["tier"] == {"code": "SD_1", "rank": 3}
    assert a["items"][1] == {
        "key": "B6",
        "article": "第十一条(二)6",
        "maxPoints": "20",
        "score": "18.25",
        "explanation": "收回贷款利息: 18.25",
        "inputs": {"value": "B6"},
    }
    assert data["appraisals"]["edges"] == [{"node": {"id": str(appraisal.id)}}]
    assert data["drafts"]["totalCount"] == 0
    assert data["manager"]["appraisals"]["edges"] == [
        {"node": {"id": str(appraisal.id), "total": "91.5"}}
    ]
    other = await api(
        "query($id: ID!) { appraisal(id: $id) { id } }", {"id": str(appraisal.id)}, tenant="ah-demo"
    )
    assert other["appraisal"] is None


async def test_office_managers_are_that_offices_own(api: Api, session: AsyncSession) -> None:
    data = await api(
        "{ offices { id managers(first: 100) { totalCount edges { node { office { id } } } } } }"
    )
    for office in data["offices"]:
        expected = await session.scalar(
            select(func.count())
            .select_from(models.Manager)
            .where(
                models.Manager.tenant_id == "sd-demo",
                models.Manager.office_id == uuid.UUID(office["id"]),
            )
        )
        assert office["managers"]["totalCount"] == expected
        assert all(e["node"]["office"]["id"] == office["id"] for e in office["managers"]["edges"])


async def test_customer_class_and_history(api: Api) -> None:
    data = await api(
        """{ customers(first: 20, filter: {classes: [EXIT, RESTRICT]}) { totalCount edges { node {
             class classLabel classHistory { fromClass toClass plugin rules }
             loans { totalCount edges { node { riskClass } } } } } } }""",
        tenant="sx-demo",
    )
    edges = data["customers"]["edges"]
    assert edges
    for edge in edges:
        node = edge["node"]
        assert node["class"] in ("EXIT", "RESTRICT")
        assert node["classHistory"][-1]["toClass"] == node["class"]
        assert node["classHistory"][-1]["plugin"] == "shanxi_customer_class"
        assert node["classLabel"] in ("退出类", "限制类")
