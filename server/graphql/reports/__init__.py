"""Management reports over GraphQL (``server.services.reports``): figures in the caller's
scope, no person's data."""
