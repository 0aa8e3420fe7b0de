"""How a GraphQL request's transaction ends when it is not a plain commit.

The steps a request left for after its commit, the rollback of a request stopped
part-way, the audit rows of such a request kept in a transaction of their own, and
whether a document's operation is a mutation (which, on SQLite, takes the write lock
up front). Used by the GraphQL route in ``server.app``.
"""

from __future__ import annotations

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db.engine import SQLITE_IMMEDIATE
from server.graphql.context import Context
from server.log_redaction import app_logger

log = app_logger("ruralcredit.http")


async def after_commit(context: Context, request_id: str) -> None:
    """What the request left for after its commit; a failure is logged (a run not handed
    over stays QUEUED, and the next sweep hands it over)."""
    for step in context.after_commit:
        try:
            await step()
        except Exception:
            log.exception("request %s: a step after the commit failed", request_id)


async def roll_back(session: AsyncSession) -> None:
    """Roll back a request stopped part-way. A connection cancelled in the middle of an
    operation may be closed already (SQLite's driver closes it): then it is dropped from
    the pool, and its open transaction, never committed, with it."""
    try:
        await session.rollback()
    except DBAPIError:
        await session.invalidate()


async def keep_audit(
    context: Context, sessionmaker: async_sessionmaker[AsyncSession], sqlite: bool
) -> None:
    """The audit rows of a request stopped part-way, in a session and transaction of their
    own (the stopped one may have lost its connection). On SQLite the write lock is taken
    first, so the rows wait, within the busy timeout, for a cancelled statement still
    holding it; a failure is logged by the trail."""
    if not context.audit.records:
        return
    async with sessionmaker() as fresh:
        if sqlite:
            try:
                await fresh.connection(execution_options={SQLITE_IMMEDIATE: True})
            except OperationalError:
                log.error("request %s: no write lock for its audit rows", context.request_id)
                return
        await context.audit.write_after_rollback(fresh)


def is_mutation(query: str, operation_name: object, max_tokens: int) -> bool:
    try:
        # Past the token limit the document is refused anyway: no need to read it all.
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operation = get_operation_ast(
        document, operation_name if isinstance(operation_name, str) else None
    )
    return operation is not None and operation.operation == OperationType.MUTATION
