"""The audit trail over GraphQL: the recording of every mutation, and ``auditLog``."""
