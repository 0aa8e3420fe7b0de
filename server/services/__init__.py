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
"""
