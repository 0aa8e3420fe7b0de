"""Long work that owns its transactions.

A job is started by the app (the webhook worker runs for the app's lifetime), by
the ``ruralcredit`` command, or by a mutation that records it (``runAppraisals`` records
the appraisal run, and once committed hands it to the job backend: the PostgreSQL queue
and its ``ruralcredit worker`` processes, or the server process; ``backends``). Daily
jobs (``daily``) go through the same backend. Unlike a service, which works inside its caller's
transaction and never commits, a job takes a session factory, opens and commits
its own transactions (one per step where the work is long, so no transaction
stays open across a slow request or a whole tenant), and calls services and the
outbox for the domain work, acting as the principal it is given: the request's, or
a named system user's with the role the work needs (the command line's).
"""
