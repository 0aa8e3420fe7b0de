"""Root mutations of the organisation: offices and managers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.graphql.context import Ctx
from server.graphql.errors import ErrorType
from server.graphql.inputs import given
from server.graphql.mutation import mutation
from server.graphql.nodes import Manager, Office
from server.graphql.org.inputs import (
    MANAGER_FIELDS,
    QUALIFICATION_FIELDS,
    CreateManagerInput,
    CreateOfficeInput,
    UpdateManagerInput,
)
from server.graphql.paths import camel_case, input_paths
from server.services import managers, offices

CreateOfficeResult = Annotated[Office | ErrorType, strawberry.union("CreateOfficeResult")]
CreateManagerResult = Annotated[Manager | ErrorType, strawberry.union("CreateManagerResult")]
UpdateManagerResult = Annotated[Manager | ErrorType, strawberry.union("UpdateManagerResult")]

IN_QUALIFICATION = {f: f"input.qualification.{camel_case(f)}" for f in QUALIFICATION_FIELDS}
"""The qualification fields sit in ``input.qualification``, not in ``input`` itself."""


@strawberry.type
class OrgMutation:
    @mutation(description="Add an office to the tenant's tree.", fields=input_paths("input"))
    async def create_office(self, info: Ctx, input: CreateOfficeInput) -> CreateOfficeResult:
        ctx = info.context
        row = await offices.create_office(
            ctx.session,
            ctx.principal,
            code=input.code,
            name=input.name,
            kind=input.kind,
            parent_id=input.parent_id,
            has_credit_clerk=input.has_credit_clerk,
        )
        return Office.from_row(row)

    @mutation(
        description="Add a credit customer manager.",
        fields=input_paths("input", overrides=IN_QUALIFICATION),
    )
    async def create_manager(self, info: Ctx, input: CreateManagerInput) -> CreateManagerResult:
        ctx = info.context
        fields = managers.ManagerFields(
            employee_no=input.employee_no,
            name=input.name,
            office_id=str(input.office_id),
            category=input.category,
            hire_date=input.hire_date,
            birth_date=input.birth_date,
            identity_number=input.identity_number,
            status=input.status,
            probation_ends_on=input.probation_ends_on,
            post_started_on=input.post_started_on,
            jurisdiction_households=input.jurisdiction_households,
            rated_households=input.rated_households,
            **given(input.qualification, QUALIFICATION_FIELDS),
        )
        row = await managers.create_manager(
            ctx.session, ctx.registry, ctx.principal, fields, tier_code=input.tier_code
        )
        return Manager.from_row(row)

    @mutation(
        description=(
            "Change a manager's record; only the given fields change; never on your "
            "own record; status changes follow the allowed transitions, licences run at most "
            "the tenant's licenceValidityMonths."
        ),
        fields=input_paths("input", overrides={"manager_id": "id", **IN_QUALIFICATION}),
    )
    async def update_manager(
        self, info: Ctx, id: strawberry.ID, input: UpdateManagerInput
    ) -> UpdateManagerResult:
        ctx = info.context
        changes = given(input, MANAGER_FIELDS)
        changes.update(given(input.qualification, QUALIFICATION_FIELDS))
        row = await managers.update_manager(
            ctx.session,
            ctx.principal,
            manager_id=str(id),
            changes=changes,
            office_moved_on=input.office_moved_on,
        )
        return Manager.from_row(row)
