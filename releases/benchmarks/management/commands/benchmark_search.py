"""Benchmark search on a generated archive, on SQLite and PostgreSQL.

python manage.py benchmark_search --count 100000
"""

import os

from releases.benchmarks import importing as benchmarking
from releases.benchmarks import release_pages
from releases.benchmarks import searching as search_benchmark


class Command(benchmarking.ArchiveBenchmarkCommand):
    help = (
        "Generate and import an archive, rebuild its search index, then print the median and "
        "95th percentile time of searches on the list page (rare and common words, phrases, "
        "prefixes, filters), whole requests and the search engine's share."
    )

    default_count = 100_000

    def add_arguments(self, parser):
        super().add_arguments(parser)
        text = "Requests per search (two at least, for a 95th percentile)."
        benchmarking.add_number(parser, "--repeats", 20, text, minimum=2)
        text = "Searches nobody asked before, each asked once (two at least)."
        benchmarking.add_number(parser, "--fresh", 60, text, minimum=2)
        parser.add_argument(
            "--here",
            action="store_true",
            help="Time the searches on the database configured now (DATABASE_URL), "
            "without generating or importing anything.",
        )

    def handle(self, *args, count, databases, postgres_url, postgres_database, repeats, fresh,
               here, **options):  # fmt: skip
        if here:
            self.time_here(repeats, fresh)
            return
        arguments = (count, databases, postgres_url, postgres_database, self.say)
        for _, url in benchmarking.imported_databases(*arguments):
            self.time_elsewhere(url, repeats, fresh)

    def time_elsewhere(self, url, repeats, fresh):
        """Time the searches in a process of their own, configured for *url*."""
        command = [
            *benchmarking.MANAGE, "benchmark_search", "--here", f"--repeats={repeats}",
            f"--fresh={fresh}",
        ]  # fmt: skip
        environment = {**os.environ, "DATABASE_URL": url}
        output = benchmarking.run_step(command, environment, f"the searches on {url}")
        self.stdout.write(output, ending="")

    def time_here(self, repeats, fresh):
        search_benchmark.add_rare_releases()
        releases, seconds = search_benchmark.time_rebuild()
        self.say(
            f"  search index rebuilt from the database: {releases:,} releases in {seconds:.1f} s"
        )
        self.say(
            f"  {'search':38}{'matches':>9}{'median ms':>11}{'p95 ms':>9}"
            f"{'engine median':>15}{'engine p95':>12}"
        )
        timings = search_benchmark.time_searches(repeats, fresh)
        for timing in timings:
            self.say(
                f"  {timing.label:38}{timing.matches:9,}{timing.median:11.1f}{timing.p95:9.1f}"
                f"{timing.engine_median:15.1f}{timing.engine_p95:12.1f}"
            )
        parts = search_benchmark.ENGINE_PARTS
        self.say("\n  the engine's share by part, median ms:")
        self.say(f"  {'search':38}" + "".join(f"{part:>9}" for part in parts))
        for timing in timings:
            medians = "".join(f"{timing.part_median(part):9.1f}" for part in parts)
            self.say(f"  {timing.label:38}{medians}")
        self.time_release_parts()

    def time_release_parts(self):
        timings = release_pages.time_release_parts()
        releases = len(timings[0].milliseconds)
        self.say(f"\n  a release page's parts, per call over {releases} releases:")
        self.say(f"  {'part':38}{'median ms':>11}{'p95 ms':>9}")
        for timing in timings:
            self.say(f"  {timing.label:38}{timing.median:11.2f}{timing.p95:9.2f}")
