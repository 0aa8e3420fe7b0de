"""Kept only for ``server.graphql`` until it imports from ``server.outbox``."""

from server.outbox.events import events_after as events_after
from server.outbox.events import latest_cursor as latest_cursor
