"""Events over GraphQL: grade and class events, subscriptions, webhooks."""
