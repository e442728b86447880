"""Release files for the tests: the seed and the archive sample on disk, the text of a
release in the archive's format, and bad files with the reason each must be refused for."""

from pathlib import Path

from django.conf import settings

SEED = Path(settings.BASE_DIR, "fixtures", "000_134aac580d95912d.txt")
ARCHIVE_SAMPLE = Path(settings.BASE_DIR, "tests", "data", "archive-sample")

RELEASE_TEMPLATE = """\
---
category: {category}
date: '{date}'
permalink: {permalink}
published_time: {date} 10:00:00-05:00
title: {title}
---
{body}"""


def release_text(
    title="Statement on the Harvest Festival",
    category="statements-releases",
    date="2021-03-04",
    slug="statement-on-the-harvest-festival",
    body="The President welcomed the *harvest*.\n",
):
    """Return the text of a release file in the archive's format."""
    year, month, day = date.split("-")
    permalink = f"https://www.whitehouse.gov/briefing-room/{category}/{year}/{month}/{day}/{slug}/"
    return RELEASE_TEMPLATE.format(
        title=title, category=category, date=date, permalink=permalink, body=body
    )


TODAYS_ARCHIVE_TEMPLATE = """\
---
date: '{date}'
published_time: {date} 10:00:00-05:00
source_url: https://archive.example.org/articles/{year}/{month}/{slug}/
tags:
- {tag}
title: '{title}'
---
The President signed a memorandum.
"""


def todays_archive_text(
    title="Fact Sheet: America First Trade",
    tag="Fact Sheets",
    date="2025-02-03",
    slug="america-first-trade",
):
    """Return the text of a release file as the archive is published today: the
    category as a list under `tags`, the permalink as `source_url`."""
    year, month, _ = date.split("-")
    return TODAYS_ARCHIVE_TEMPLATE.format(
        title=title, tag=tag, date=date, year=year, month=month, slug=slug
    )


ALIAS_BOMB = (
    "---\n"
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "title: Bomb\n"
    "---\n"
)

# Each bad file's text, and the words its one-line reason must hold.
BAD_FILES = {
    "no front matter": ("Just a body.\n", "no front matter"),
    "unclosed front matter": ("---\ntitle: Open\n", "not closed"),
    "broken YAML": (
        "---\ntitle: Fine\ncategory: a: b\n---\n",
        "line 3: invalid YAML: mapping values are not allowed",
    ),
    "not a mapping": ("---\n- a\n- list\n---\n", "not a mapping"),
    "missing title": (release_text().replace("title: Statement", "heading: S"), "title: missing"),
    "empty title": (release_text(title="''"), "title: missing or empty"),
    "title is not text": (release_text(title="[a, b]"), "title: expected text"),
    "title with control characters": (release_text(title='"A\\x07B"'), "title: contains"),
    "no date at all": (
        release_text()
        .replace("date: '2021-03-04'\n", "")
        .replace("published_time: 2021-03-04 10:00:00-05:00\n", ""),
        "date: missing",
    ),
    "date that is not a date": (
        release_text().replace("'2021-03-04'", "'March 4th'"),
        "date: 'March 4th' is not a date",
    ),
    "impossible date": (
        release_text().replace("'2021-03-04'", "'2021-02-30'"),
        "date: '2021-02-30' is not a date",
    ),
    "timestamp that is not a timestamp": (
        release_text().replace("2021-03-04 10:00:00-05:00", "teatime"),
        "published_time: 'teatime' is not a timestamp",
    ),
    "timestamp beyond the calendar": (
        release_text().replace("2021-03-04 10:00:00-05:00", "9999-12-31 23:59:59-14:00"),
        "published_time: 9999-12-31T23:59:59-14:00 is outside the years a release may have",
    ),
    "offset beyond a day": (
        release_text().replace("10:00:00-05:00", "10:00:00+99:00"),
        "invalid YAML value: offset must be a timedelta",
    ),
    "permalink that is not http(s)": (
        release_text().replace("permalink: https://", "permalink: javascript://"),
        "permalink: 'javascript://",
    ),
    "missing permalink": (
        "---\ntitle: T\ncategory: blog\ndate: '2021-01-01'\n---\n",
        "permalink: missing",
    ),
    "unsafe YAML tag": (
        "---\ntitle: !!python/object/apply:os.system ['true']\n---\n",
        "line 2: invalid YAML: could not determine a constructor",
    ),
    "alias bomb": (ALIAS_BOMB, "line 3: invalid YAML: aliases are not allowed"),
    "deep nesting": ("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n", "nested"),
}
