"""The rendering benchmark, run small: each figure it prints, and a bad path refused."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tests.release_files import ARCHIVE_SAMPLE

pytestmark = pytest.mark.django_db

ROWS = [
    "render_body (sanitized HTML alone)",
    "page_html, no speakers",
    "page_html, speakers linked",
    "Rendering before (render_body's)",
    "Rendering.of, speakers linked",
    "paragraph_anchor, 3/4 of the way in",
]


def test_the_benchmark_prints_the_cost_of_each_way_of_rendering():
    out = io.StringIO()
    call_command(
        "benchmark_rendering", str(ARCHIVE_SAMPLE / "press-briefings/2021-01"), passes=1, stdout=out
    )
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"\d+ bodies, [1-9]\d* of them transcripts", lines[0])
    for line, name in zip(lines[1:], ROWS, strict=True):
        figure = re.fullmatch(rf"{re.escape(name)} +(\d+\.\d{{3}}) ms a body", line)
        assert figure, line
        assert float(figure[1]) > 0


def test_the_benchmark_refuses_a_path_without_release_files(tmp_path):
    with pytest.raises(CommandError, match="No release files under the paths given"):
        call_command("benchmark_rendering", str(tmp_path), stdout=io.StringIO())
