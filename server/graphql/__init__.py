"""The GraphQL API (Strawberry): one package per domain, the shared pieces beside them."""
