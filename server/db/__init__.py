"""Database layer: engine, models, migrations and thin query functions."""
