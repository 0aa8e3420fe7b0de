"""Appraisal over GraphQL: figures, findings, appraisals and their runs, appeals, violations."""
