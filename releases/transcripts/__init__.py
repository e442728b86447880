"""Transcripts: a body read as the turns of its speakers (DESIGN.md, Transcripts)."""
