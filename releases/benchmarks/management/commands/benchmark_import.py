"""Benchmark the importer: its ceilings, three imports and a rebuild of the search index,
on SQLite and PostgreSQL, with the peak memory of each.

python manage.py benchmark_import --count 20000
python manage.py benchmark_import --count 100000 --databases sqlite --jobs 1
"""

from pathlib import Path

from releases.benchmarks import importing as benchmarking


class Command(benchmarking.ArchiveBenchmarkCommand):
    help = (
        "Generate an archive and print parse-only throughput, first import, unchanged "
        "re-import, re-import after 1% changed, a rebuild of the search index, and the peak "
        "memory of each (PSS summed over its processes), on SQLite and PostgreSQL."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="import_release's --jobs (default: its own, one worker per CPU).",
        )

    def handle(self, *args, count, databases, postgres_url, postgres_database, jobs, **options):
        self.jobs = jobs
        with benchmarking.temporary_directory() as workdir:
            archive = Path(workdir, "archive")
            seconds = benchmarking.generate_archive(archive, count)
            files = benchmarking.archive_files(archive)
            size = sum(Path(path).stat().st_size for path in files) / 2**20
            self.say(f"Archive: {len(files):,} files, {size:,.0f} MB, written in {seconds:.0f} s")
            makers = benchmarking.Databases(workdir, postgres_url, postgres_database)
            for name in databases:
                url = makers.made(name)
                self.benchmark(name, url, archive, files)

    def benchmark(self, name, url, archive, files):
        # The ceiling is measured again just before each database's imports:
        # the machine's load drifts over a long run, and a ratio should
        # compare figures taken under the same load.
        parse = benchmarking.parse_only(files)
        self.say(
            f"\n{name}: parse-only (read, YAML, validate; one process, no database) "
            f"{parse.rate:,.0f} files/s"
        )
        self.say(f"  {'':28}{'files/s':>9}{'x parse':>9}{'seconds':>9}{'peak MB':>9}")
        first = benchmarking.run_import(url, archive, files, self.jobs)
        self.row("first import", first, parse)
        again = benchmarking.run_import(url, archive, files, self.jobs)
        self.row("unchanged re-import", again, parse)
        changed = benchmarking.change_one_percent(files)
        after = benchmarking.run_import(url, archive, files, self.jobs)
        self.row(f"re-import, {changed:,} changed", after, parse)
        rebuild = benchmarking.run_rebuild(url, len(files))
        self.row("search_index (releases/s)", rebuild)

    def row(self, label, measurement, parse=None):
        ratio = f"{measurement.rate / parse.rate:9.2f}" if parse else f"{'':9}"
        self.say(
            f"  {label:28}{measurement.rate:9,.0f}{ratio}"
            f"{measurement.seconds:9.1f}{measurement.peak_pss_mb:9.0f}"
        )
