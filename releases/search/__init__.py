"""Search: what a reader typed (query.py), and the tantivy index beside the database
that answers it (see "How search works" in docs/developers.md)."""
