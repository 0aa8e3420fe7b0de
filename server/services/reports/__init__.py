"""Management reports, computed in SQL within the caller's scope.

Each report is one or two grouped statements over the caller's rows (the scope's
conditions are in the statement, ``server.db.scope``): what leaves the database is
counts and sums by office, class, bucket or tier, never a loan. The few grouped rows
are then added up exactly (``Decimal``) into the totals a report shows.

Reports are for the roles that oversee others' business: ``BRANCH_HEAD`` (its office
subtree), ``HR``, ``RISK`` and ``AUDITOR`` (the tenant). A ``MANAGER`` reads its own
records only, and the league table and tier counts name or count other managers, so
the permission table gives the reports no row for ``MANAGER``.
"""
