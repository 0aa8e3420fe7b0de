"""Kept only for ``server.graphql`` until it imports from ``server.outbox``."""

from server.outbox.hub import EventHub as EventHub
