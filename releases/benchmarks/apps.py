"""Benchmarks of the importer, search and serving: a nested app for their commands.

Nothing outside this package but the tests imports it, so that the site
itself carries none of the harness.
"""

from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "releases.benchmarks"
    label = "benchmarks"
