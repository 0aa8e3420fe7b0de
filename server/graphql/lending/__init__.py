"""Lending over GraphQL: customers, loans, admission, blacklist, duties, transfers, snapshots."""
