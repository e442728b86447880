"""The benchmarks behind ``make bench``, ``bench-search`` and ``bench-serving``, run small."""

import os
import re
import subprocess
import sys
import threading

import pytest
from django.conf import settings

from releases.benchmarks.memory import pss_kb, tree
from tests.services import require_wrk

# Each runs a benchmark command in a process of its own; serving starts gunicorn and wrk.
pytestmark = pytest.mark.slow


def test_benchmark_prints_each_import_against_parse_only_and_the_rebuild():
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    result = subprocess.run(
        [*manage, "benchmark_import", "--count", "60", "--databases", "sqlite"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert out.startswith("Archive: 60 files,")
    assert re.search(r"sqlite: parse-only .* [\d,]+ files/s", out)
    for label in ("first import", "unchanged re-import", "re-import, 1 changed"):
        row = re.search(rf"^  {label} +([\d,]+) +(\d+\.\d\d) +\d+\.\d +(\d+)$", out, re.M)
        assert row, f"no figures for {label}:\n{out}"
        assert int(row[3]) > 0
    rebuild = re.search(r"^  search_index \(releases/s\) +[\d,]+ +\d+\.\d +(\d+)$", out, re.M)
    assert rebuild, f"no figures for the rebuild:\n{out}"
    assert int(rebuild[1]) > 0


def test_search_benchmark_prints_median_and_p95_for_each_search():
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    result = subprocess.run(
        [
            *manage,
            "benchmark_search",
            "--count",
            "40",
            "--databases",
            "sqlite",
            "--repeats",
            "3",
            "--fresh",
            "4",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert re.search(r"search index rebuilt from the database: 50 releases in [\d.]+ s", out)
    # The whole request's median and p95, then the search engine's share of it.
    figure = r" +(\d+\.\d)"
    rows = re.findall(rf"^  (.+?) +([\d,]+){figure * 4}$", out, re.M)
    labels = [label for label, *_ in rows]
    assert "common word" in labels
    assert "rare word (10 releases)" in labels
    assert "4 fresh searches, once each" in labels
    matches = {label: int(count.replace(",", "")) for label, count, *_ in rows}
    assert matches["rare word (10 releases)"] == 10
    assert matches["absent word"] == 0
    assert matches["common word"] == 40
    # The generated transcripts' speakers are found, and only in what they said.
    assert "4 fresh searches, each by a speaker" in labels
    assert 0 < matches["common word, said by"] <= matches["a speaker's releases"] < 40
    parts = re.search(r"^  search +open +count +page +facets +snippets$", out, re.M)
    assert parts, f"no engine share by part:\n{out}"
    for _, _, median, p95, engine_median, engine_p95 in rows:
        assert float(engine_median) <= float(median)
        assert float(engine_p95) <= float(p95)
    # A release page's previous and next, its related releases and citations, per call.
    line = r"^  (previous/next|related|citations) +(\d+\.\d\d) +\d+\.\d\d$"
    parts = dict(re.findall(line, out, re.M))
    assert set(parts) == {"previous/next", "related", "citations"}, f"no release page parts:\n{out}"


BESIDE_THE_READERS = (
    "nothing",
    "a busy process",
    "import_release --jobs 1",
    "the import, --nice 0",
    "an editor saving each second",
)


def test_serving_benchmark_prints_each_page_against_the_bare_view(redis_url):
    require_wrk()
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    arguments = ["--count", "60", "--databases", "sqlite", "--seconds", "1"]
    arguments += ["--churn-seconds", "1", "--churn-files", "20"]
    result = subprocess.run(
        [*manage, "benchmark_serving", *arguments, "--load-seconds", "1", "--admin-repeats", "1"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BRIEFING_BENCHMARK_REDIS": redis_url},
    )
    out = result.stdout
    # A one-second load on a busy machine may finish no request of a slow page: "nan" ms.
    latency = r"(?:[\d.]+|nan)"
    rows = re.findall(
        rf"^    (.+?) +([\d,]+) +(\d+\.\d\d) +{latency} +{latency} +(\d+)$", out, re.M
    )
    labels = [label for label, *_ in rows]
    for label in ("bare view", "list", "filtered list", "search", "detail", "feed", "stylesheet"):
        assert labels.count(label) == 2, f"{label} not measured uncached and cached:\n{out}"
    assert all(ratio == "1.00" for label, _, ratio, _ in rows if label == "bare view")
    assert all(errors == "0" for *_, errors in rows), out
    assert re.search(r"list page, 32 connections for 1 s: [\d,]+ requests/s", out)
    assert re.search(r"worker private memory \(USS\) .*: \d+ MB, [+-]\d+ MB since it started", out)
    assert re.search(r"^    edit page +[\d.]+ ms$", out, re.M)
    for label in BESIDE_THE_READERS:
        row = rf"^    {re.escape(label)} +[\d,]+ +{latency} +{latency} +0\b"
        assert re.search(row, out, re.M), f"the reader mix beside {label}, no errors:\n{out}"
    ratio = rf"{latency}x"
    assert re.search(
        rf"p99 beside the import: {ratio} beside a busy process \({ratio} with --nice 0\); "
        rf"beside the editor: {ratio}",
        out,
    ), out


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["benchmark_import", "--count", "0"], "argument --count: 0 is too small: at least 1"),
        (["benchmark_search", "--repeats", "1"], "argument --repeats: 1 is too small"),
        (["benchmark_serving", "--databases", "mysql"], "choose from sqlite, postgresql"),
        (
            ["benchmark_import", "--count", "3", "--databases", "postgresql",
             "--postgres-url", "postgres://postgres@127.0.0.1:1"],
            "PostgreSQL at postgres://postgres@127.0.0.1:1: connection failed",
        ),
    ],
)  # fmt: skip
def test_a_benchmark_refuses_bad_options_with_a_reason(arguments, reason):
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    result = subprocess.run([*manage, *arguments], capture_output=True, text=True)
    assert result.returncode != 0
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_wrk_latencies_are_read_in_every_unit_it_prints():
    from releases.benchmarks.serving import parse_wrk

    report = (
        "  Latency Distribution\n"
        "     50%   74.59ms\n"
        "     75%  109.14ms\n"
        "     99%    1.99s \n"
        "  3652 requests in 10.01s, 73.09MB read\n"
        "Requests/sec:    364.85\n"
    )
    load = parse_wrk(report)
    assert (load.rate, load.p50, load.p99, load.errors) == (364.85, 74.59, 1990.0, 0)


def test_the_memory_sampler_passes_over_processes_that_exit_as_it_reads_them():
    # Each process is read again and again while it exits and is reaped: its
    # /proc entries vanish between the listing of its threads and their reading.
    for _ in range(300):
        process = subprocess.Popen(["true"])
        reaper = threading.Thread(target=process.wait)
        reaper.start()
        while reaper.is_alive():
            assert tree(process.pid)[0] == process.pid
            assert pss_kb(process.pid) >= 0
        reaper.join()
        assert (tree(process.pid), pss_kb(process.pid)) == ([process.pid], 0)
