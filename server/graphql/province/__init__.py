"""The federation's province over GraphQL: its tenants, their policy and their counts."""
