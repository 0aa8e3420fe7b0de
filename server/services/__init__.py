"""Use cases: one module (or package) each.

A use case acts for someone. It takes the session first, then (where it calls
policies) the registry, then the acting :class:`~server.principal.Principal` —
whose tenant bounds every row it reads or writes, whose user it records, whose
roles it checks — and then its inputs. It loads what it needs (shared SQL is in
``server.db.queries``), calls the tenant's policy hooks through the registry's
typed calls, writes and flushes; it never commits: the transaction belongs to the
edge (the request, the job, the test).

An expected failure is a ``DomainError`` (``server.errors``) that names its fields
in the domain's words: the use case's own keyword arguments and dataclass fields,
snake_case, dotted for nesting (``contract_no``, ``facts.industry_policy``,
``findings[2].loan_id``). The GraphQL boundary spells them as the client's input
paths (``server.graphql.paths``). Read helpers that need only a tenant
(``selection``, ``prepare``, ``duties_for``…) take its id.

A use case that checks a rule before it writes locks the rows the check reads
before it reads anything, so that two transactions cannot both pass a check that
only one of them may (two loans under one ceiling, a loan and a transfer of its
customer). Rows are locked in one order on every path — the customer, then the
manager, then loan rows — so that two use cases never wait for each other in a
circle. A row whose change would invalidate the check is locked ``for_update``
when the check also guards what is written next to it (the customer: its loans'
total and its office), ``for_share`` when it is only read (the manager: status,
licence, tier). SQLite ignores row locks; there a writing transaction holds the
database's one write lock from its first statement (``BEGIN IMMEDIATE``, taken by
the edge for every mutation), so writers run one after another anyway.
"""
