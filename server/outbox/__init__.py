"""The outbox: events are rows first, written in the transaction of the change they report.

Every grade and customer-class change writes its event row together with the
change (core.md, Events), so an event exists exactly when its change committed.
Live delivery reads the rows: subscriptions through :mod:`server.outbox.hub`,
webhooks through :mod:`server.jobs.webhook_delivery`. A PostgreSQL NOTIFY is
only a wake-up.

- :mod:`server.outbox.events`: cursors, :func:`~server.outbox.events.emit`, reads.
- :mod:`server.outbox.payloads`: the payloads integrators receive.
- :mod:`server.outbox.hub`: wake-ups and per-tenant feeds for subscribers.
- :mod:`server.outbox.signing`: the signed bytes a webhook receiver gets.

This is infrastructure: it knows rows and payloads, not the rules behind a change.
"""
