"""The GraphQL API (Strawberry): types, loaders, queries and mutations."""
