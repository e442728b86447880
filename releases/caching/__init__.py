"""Derived data kept per content version: whole pages, counts and facets."""
