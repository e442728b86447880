"""Reading release files and storing them: parse, prepare, store, record, undo, upload."""
