"""Query functions that several use cases share: session first, the tenant always given."""
