"""The import benchmark behind ``make bench``, run small."""

import re
import subprocess
import sys

from django.conf import settings


def test_benchmark_prints_each_import_against_parse_only():
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
