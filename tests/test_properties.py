"""Property-based tests: the release parser and importer are safe against any file.

Whatever bytes a file holds, parsing it gives a valid release or a one-line
reason; importing a directory of bad files next to a good one stores exactly
the good one; YAML bombs are refused without the memory they were built to use.
"""

import datetime
import re
import tempfile
import tracemalloc
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.db import transaction
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from releases.benchmarks.generator import format_release
from releases.importing.errors import ReleaseError
from releases.importing.front_matter import MAX_NESTING
from releases.importing.importer import ReleaseImport
from releases.importing.parsing import KNOWN_KEYS, ParsedRelease, parse_release
from releases.importing.preparing import FilePreparer
from releases.models import Release
from tests.release_files import SEED, release_text

UTC = datetime.UTC
FIXTURES = Path(django_settings.BASE_DIR, "fixtures")
FIXTURE_FILES = sorted(
    path for path in [*FIXTURES.rglob("*.md"), *FIXTURES.rglob("*.txt")] if path.name != "README.md"
)
# What the parser allows in no title or address: C0 controls, DEL, lone surrogates.
FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
CATEGORY_SLUG = re.compile(r"[-a-z0-9_]+")
# The line that opens and closes the front matter (as releases.front_matter reads it).
BOUNDARY_LINE = re.compile(r"^---[ \t]*$", re.MULTILINE)
CATEGORIES = [
    "statements-releases",
    "press-briefings",
    "speeches-remarks",
    "presidential-actions",
    "legislation",
    "blog",
]
MEGABYTE = 1024 * 1024
OFFSET_WITH_SECONDS = datetime.timezone(-datetime.timedelta(hours=6, minutes=41, seconds=16))

# No example database: a failing example is pinned below with @example instead.
PURE = settings(max_examples=200, deadline=None, database=None)
MUTATING = settings(max_examples=100, deadline=None, database=None)
DATABASE = settings(max_examples=25, deadline=None, database=None)


def check_outcome(data):
    """Parse *data*; return the ParsedRelease, or None after checking the reason is one line.

    Any exception other than ReleaseError propagates and fails the test.
    """
    try:
        release = parse_release(data)
    except ReleaseError as exc:
        reason = str(exc)
        assert reason.strip(), "the reason is empty"
        assert "\n" not in reason, f"the reason is not one line: {reason!r}"
        assert "\r" not in reason, f"the reason is not one line: {reason!r}"
        return None
    assert isinstance(release, ParsedRelease)
    return release


def wrap(front_matter, body=""):
    return f"---\n{front_matter}---\n{body}"


# Random YAML values: what a front matter could hold, in any shape.
naive_datetimes = st.datetimes()
aware_datetimes = st.datetimes(timezones=st.timezones())
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(),
    naive_datetimes,
    aware_datetimes,
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)
slugs = st.from_regex(r"[a-z0-9]+(-[a-z0-9]+){0,4}", fullmatch=True)


def mostly(plausible, *others):
    """Draw from *plausible* about three times in four, else from one of *others*."""
    return st.one_of(plausible, plausible, plausible, st.one_of(*others))


permalinks = mostly(
    st.builds(
        "{}://www.whitehouse.gov/briefing-room/{}/{}/".format,
        st.sampled_from(["http", "https"]),
        st.sampled_from(CATEGORIES),
        slugs,
    ),
    st.builds(
        "{}://{}/{}".format,
        st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript"]),
        st.sampled_from(["www.whitehouse.gov", "localhost", "[::1]", "", "a b"]),
        st.text(max_size=20),
    ),
    yaml_values,
)
# Each known key: a plausible value most of the time, else anything at all.
known_key_values = {
    "title": mostly(st.text(min_size=1, max_size=60), st.text(max_size=3), yaml_values),
    "category": mostly(
        st.sampled_from(CATEGORIES),
        st.text(max_size=20),
        st.lists(st.text(max_size=20), max_size=2),
        yaml_values,
    ),
    "permalink": permalinks,
    "date": mostly(st.dates(), st.dates().map(datetime.date.isoformat), yaml_values),
    "published_time": mostly(st.one_of(aware_datetimes, naive_datetimes, st.dates()), yaml_values),
    "modified_time": mostly(st.one_of(aware_datetimes, naive_datetimes, st.dates()), yaml_values),
}


def front_matter_with(*required):
    """Mappings holding the *required* known keys, and maybe others."""
    return st.fixed_dictionaries(
        {key: known_key_values[key] for key in required},
        optional={key: value for key, value in known_key_values.items() if key not in required},
    )


front_matters = st.builds(
    lambda extra, known: {**extra, **known},
    st.dictionaries(
        st.one_of(st.sampled_from(sorted(KNOWN_KEYS)), st.text(max_size=15)),
        yaml_values,
        max_size=3,
    ),
    mostly(
        # Every key a release needs...
        st.one_of(
            front_matter_with("title", "category", "permalink", "date"),
            front_matter_with("title", "category", "permalink", "published_time"),
        ),
        # ...or any of them missing.
        front_matter_with(),
    ),
)
# Text a file can hold after the front matter (NUL makes any file binary).
bodies = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300)


@PURE
@given(st.binary(max_size=4096))
def test_random_bytes_give_a_release_or_a_one_line_reason(data):
    check_outcome(data)


# Pieces of YAML syntax, so that random front matter reaches the YAML constructors.
YAML_TOKENS = [
    "title", "date", "published_time", "x", "1", "2021-06-08", "''", '"', "'", "\\",
    ": ", "- ", "? ", "\n", "  ", "[", "]", "{", "}", ",", "&a ", "*a ", "<<: ", "#", "|", ">",
    "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!!binary ",
    "!!set ", "!!omap ", "!!pairs ", "!!seq ", "!!map ", "!foo ", "%YAML 1.1\n", "...",
]  # fmt: skip
yaml_token_text = st.lists(st.sampled_from(YAML_TOKENS), max_size=30).map("".join)


@PURE
@given(st.one_of(st.text(), yaml_token_text))
# Minimal failures found by Hypothesis, pinned so that they are always tried.
@example("\x08")  # PyYAML's ReaderError message spans two lines
@example("!!timestamp")  # AttributeError in PyYAML's timestamp constructor
@example("!!bool")  # KeyError
@example("!!int")  # IndexError
@example("!!float")  # IndexError
def test_random_front_matter_text_gives_a_release_or_a_one_line_reason(front_matter):
    check_outcome(wrap(front_matter + "\n").encode("utf-8"))


@PURE
@given(front_matters, bodies)
@example(
    # PyYAML writes an offset with seconds as an explicitly tagged !!timestamp string.
    {"published_time": datetime.datetime(1921, 1, 1, tzinfo=OFFSET_WITH_SECONDS)},
    "",
)
def test_random_yaml_front_matter_parses_only_to_valid_values(fields, body):
    dumped = yaml.safe_dump(fields)
    # A line of its own reading '---' inside the YAML would close the front matter early.
    assume(not BOUNDARY_LINE.search(dumped))
    release = check_outcome(wrap(dumped, body).encode("utf-8"))
    if release is None:
        return
    assert isinstance(release.title, str)
    assert release.title.strip()
    assert not FORBIDDEN_CHARACTERS.search(release.title)
    assert CATEGORY_SLUG.fullmatch(release.category)
    assert release.published_at.tzinfo is UTC
    assert release.modified_at is None or release.modified_at.tzinfo is UTC
    assert release.permalink.lower().startswith(("http://", "https://"))
    assert release.body == body.replace("\r\n", "\n")


# Mutations of a real file's bytes.
mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2**32), st.integers(1, 255)),
    st.tuples(st.just("delete"), st.integers(0, 2**32), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, 2**32), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("duplicate_line"), st.integers(0, 2**32)),
    st.tuples(st.just("truncate"), st.integers(0, 2**32)),
)


def mutate(data, steps):
    data = bytearray(data)
    for step in steps:
        kind, where = step[0], step[1] % (len(data) + 1)
        if kind == "flip" and data:
            data[where % len(data)] ^= step[2]
        elif kind == "delete":
            del data[where : where + step[2]]
        elif kind == "insert":
            data[where:where] = step[2]
        elif kind == "duplicate_line":
            lines = bytes(data).splitlines(keepends=True)
            if lines:
                number = where % len(lines)
                lines.insert(number, lines[number])
                data = bytearray(b"".join(lines))
        elif kind == "truncate":
            del data[where:]
    return bytes(data)


@MUTATING
@given(st.sampled_from(FIXTURE_FILES), st.lists(mutations, min_size=1, max_size=6))
@example(SEED, [("insert", 4, b"\x01")])  # the two-line ReaderError message again
def test_mutated_real_files_give_a_release_or_a_one_line_reason(path, steps):
    check_outcome(mutate(path.read_bytes(), steps))


@MUTATING
@given(st.sampled_from(FIXTURE_FILES), st.lists(mutations, min_size=1, max_size=6))
# "category: !!bool statements-releases": PyYAML's KeyError reaches the catch-all.
@example(SEED, [("insert", 14, b"!!bool ")])
def test_mutated_real_files_never_fail_through_the_catch_all(path, steps):
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory, path.name)
        target.write_bytes(mutate(path.read_bytes(), steps))
        prepared = FilePreparer().prepare(target)
    assert not prepared.reason.startswith("unexpected "), prepared.reason


# Valid releases in the archive's canonical form.
titles = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=500
).filter(str.strip)
offsets = st.integers(-12 * 60, 14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
instants = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 12, 31, 23, 59, 59)),
    offsets,
)
canonical_dates = st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))
canonical_bodies = bodies.filter(lambda body: "\r\n" not in body)


@PURE
@given(
    titles,
    st.sampled_from(CATEGORIES),
    canonical_dates,
    instants,
    st.none() | instants,
    slugs,
    canonical_bodies,
)
def test_valid_releases_keep_their_values(title, category, date, published, modified, slug, body):
    fields = {
        "category": category,
        "date": date.isoformat(),
        "permalink": f"https://www.whitehouse.gov/briefing-room/{category}/{date:%Y/%m/%d}/{slug}/",
        "published_time": published,
        "title": title,
    }
    if modified is not None:
        fields["modified_time"] = modified
    release = parse_release(format_release(fields, body).encode("utf-8"))
    assert release.title == title
    assert release.category == category
    assert release.date == date
    assert release.published_at == published
    assert release.modified_at == modified
    assert release.slug == slug
    assert release.body == body


def refused(data):
    """Return whether *data* is not a release (for whatever reason)."""
    try:
        parse_release(data)
    except Exception:
        return True
    return False


# Files that are not releases: noise, or a real release with noise in its front matter.
bad_files = st.one_of(
    st.binary(max_size=2048),
    st.builds(
        lambda text, where, noise: text[:where] + noise + text[where:],
        st.just(release_text().encode("utf-8")),
        st.integers(0, len(release_text().split("---\n")[1]) + 4),
        st.binary(min_size=1, max_size=8),
    ),
)


@pytest.mark.django_db
@DATABASE
@given(st.lists(bad_files, min_size=1, max_size=3))
def test_bad_files_beside_a_good_one_store_only_the_good_one(files):
    # Noise can leave a release valid: such a file would rightly be stored.
    assume(all(refused(data) for data in files))
    good_title = "Statement on the Harvest Festival"
    # The test's transaction is shared by every example: undo each one's rows.
    with transaction.atomic(), tempfile.TemporaryDirectory() as directory:
        Path(directory, "good.md").write_text(release_text(title=good_title), encoding="utf-8")
        for number, data in enumerate(files):
            Path(directory, f"bad-{number}.md").write_bytes(data)
        importer = ReleaseImport([directory], jobs=0)
        importer.run()
        rows = list(Release.objects.all())
        assert [row.title for row in rows] == [good_title]
        assert importer.summary["failed"] == len(files)
        assert importer.summary["created"] == 1
        for row in rows:
            assert row.title.strip()
            assert row.body_html.strip() or not row.body.strip()
        transaction.set_rollback(True)


def billion_laughs(levels=9):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        references = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{references}]")
    return "\n".join(lines) + "\n"


def deep_nesting(depth=10_000):
    return f"title: {'[' * depth}{']' * depth}\n"


def refusal_and_peak_memory(data):
    tracemalloc.start()
    try:
        with pytest.raises(ReleaseError) as excinfo:
            parse_release(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(excinfo.value), peak


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        pytest.param(billion_laughs(), "aliases are not allowed", id="billion-laughs"),
        pytest.param(deep_nesting(), "nested", id="deep-flow-nesting"),
    ],
)
def test_yaml_bombs_are_refused_in_small_memory(front_matter, expected):
    data = wrap(front_matter, "Body.\n").encode("utf-8")
    reason, peak = refusal_and_peak_memory(data)
    assert expected in reason
    assert "\n" not in reason
    assert peak < 20 * MEGABYTE, f"parsing took {peak / MEGABYTE:.1f} MB"


def test_mutations_start_from_the_real_fixture_files():
    assert len(FIXTURE_FILES) >= 30
    assert all(parse_release(path.read_bytes()) for path in FIXTURE_FILES)


# Not a Hypothesis test: Hypothesis raises the recursion limit while it runs a test,
# which would hide the RecursionError that an import meets at depth 400.
@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 400, 1000, 5000])
def test_deep_block_nesting_is_refused_like_flow_nesting(depth):
    # "- - - x" nests sequences without any '[' or '{' to send it to the strict loader.
    nested = "extra:\n" + "- " * depth + "x\ntitle:"
    data = release_text().replace("title:", nested, 1).encode("utf-8")
    with pytest.raises(ReleaseError, match="nest"):
        parse_release(data)
