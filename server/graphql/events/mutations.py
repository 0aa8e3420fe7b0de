"""Root mutations of events: an integrator registers webhooks, rotates their secrets,
resumes paused ones."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.graphql.context import Ctx
from server.graphql.errors import ErrorType
from server.graphql.events.types import Webhook, WebhookRegistered
from server.graphql.mutation import mutation
from server.graphql.paths import input_paths
from server.services import webhooks

RegisterWebhookResult = Annotated[
    WebhookRegistered | ErrorType, strawberry.union("RegisterWebhookResult")
]
RotateWebhookSecretResult = Annotated[
    WebhookRegistered | ErrorType, strawberry.union("RotateWebhookSecretResult")
]
ResumeWebhookResult = Annotated[Webhook | ErrorType, strawberry.union("ResumeWebhookResult")]


@strawberry.type
class WebhookMutation:
    @mutation(
        description="Register a URL (http or https) for the tenant's events, of the kinds "
        "given (all by default), from now on; the answer holds the signing secret, shown "
        "only this once. The URL's host must stand for public addresses only (checked "
        "again at every delivery).",
        fields=input_paths(),
    )
    async def register_webhook(
        self, info: Ctx, url: str, kinds: list[str] | None = None
    ) -> RegisterWebhookResult:
        ctx = info.context
        row, secret = await webhooks.register_webhook(
            ctx.session, ctx.principal, url=url, kinds=kinds, addresses=ctx.webhook_addresses
        )
        return WebhookRegistered(webhook=Webhook.from_row(row), secret=secret)

    @mutation(
        description="Replace a webhook's secret; deliveries are signed with the new one at "
        "once and the old one stops working.",
        fields=input_paths(overrides={"webhook_id": "id"}),
    )
    async def rotate_webhook_secret(
        self, info: Ctx, id: strawberry.ID
    ) -> RotateWebhookSecretResult:
        ctx = info.context
        row, secret = await webhooks.rotate_webhook_secret(
            ctx.session, ctx.principal, webhook_id=str(id)
        )
        return WebhookRegistered(webhook=Webhook.from_row(row), secret=secret)

    @mutation(
        description="Start delivering to a paused webhook again, beginning with the event "
        "it stopped at.",
        fields=input_paths(overrides={"webhook_id": "id"}),
    )
    async def resume_webhook(self, info: Ctx, id: strawberry.ID) -> ResumeWebhookResult:
        ctx = info.context
        row = await webhooks.resume_webhook(ctx.session, ctx.principal, webhook_id=str(id))
        return Webhook.from_row(row)
