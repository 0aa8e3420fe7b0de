"""Policy over GraphQL: the installed plugins and the tenant's choice of them."""
