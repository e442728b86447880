"""Search: what a reader typed (query.py), and how each database runs it (backends.py)."""
