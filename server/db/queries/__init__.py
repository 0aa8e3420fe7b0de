"""Query functions, session first, the tenant always given: the SQL several use cases
share, and the reads of the GraphQL layer beyond its generic loaders and pages."""
