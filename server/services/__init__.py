"""Use cases: one module each. Services load data, apply rules, write rows.

A service takes the session first and the caller's tenant, raises a
``DomainError`` for an expected failure and never commits: the transaction
belongs to the edge (the request, the job, the test).
"""
