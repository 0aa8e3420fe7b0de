"""The organisation over GraphQL: the tenant, its offices, its managers, the caller."""
