"""Long work that owns its transactions."""
