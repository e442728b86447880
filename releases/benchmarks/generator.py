"""Write realistic release files, in the archive's exact format, for benchmarks and tests.

The files look like the real archive's: PyYAML's dump style (escaped unicode
titles, quoted dates, timestamps with UTC offsets), the four main categories
and a few rare ones, dates from 2009 to 2025, bodies of 1 to 30 KB with
paragraphs, lists, emphasis and accented names, a third without
``modified_time``. Press briefings and remarks are transcripts: their
paragraphs said in turns by two of a few people the archive names and by
reporters, each turn opening with its speaker's label.
"""

import datetime
import random
import textwrap
import zoneinfo
from pathlib import Path

from django.utils.text import slugify

from releases.exporting import dump_front_matter

OFFICE_ZONE = zoneinfo.ZoneInfo("America/New_York")
CATEGORIES = [
    ("statements-releases", 50),
    ("press-briefings", 15),
    ("speeches-remarks", 17),
    ("presidential-actions", 15),
    ("legislation", 1),
    ("blog", 1),
    ("fact-sheets", 1),
]
PEOPLE = [
    "Andrés Manuel López Obrador",
    "François Legault",
    "Angela Müller",
    "José Ramírez Núñez",
    "Søren Kierkegaard Jensen",
    "Chloé Dubois",
    "Zoë Ng",
    "Mateus Gonçalves",
    "the Vice President",
    "the Secretary of State",
]
PLACES = ["Mexico City", "Montréal", "São Paulo", "Zürich", "Pittsburgh", "Reykjavík", "Bogotá"]
TOPICS = [
    "the economy",
    "infrastructure",
    "public health",
    "climate resilience",
    "trade",
    "migration",
    "veterans’ benefits",
    "rural broadband",
]
TITLE_FORMS = [
    "Statement by the Press Secretary on {topic}",
    "Remarks by the President and {person} in {place}",
    "Press Briefing by the Press Secretary on {topic}",
    "Readout of the President’s Call with {person}",
    "Executive Order on {topic}",
    "Fact Sheet: The Administration’s Plan for {topic}",
]
# The categories whose releases are transcripts, and the labels of their speakers
# (each transcript has two of them, and reporters).
TRANSCRIPTS = {"press-briefings", "speeches-remarks"}
SPEAKERS = ["MS. PSAKI", "MS. JEAN-PIERRE", "MR. KIRBY", "MR. SULLIVAN", "DR. FAUCI", "MR. ZIENTS"]
REPORTER_SHARE = 0.4
# How often a paragraph goes on with the turn before it.
TURN_GOES_ON = 0.3
PROSE = (
    "the administration will continue to work with partners across the country to deliver "
    "results for working families and to strengthen our economy while protecting public "
    "health and expanding opportunity in every community we serve today"
)
WORDS = PROSE.split()


class ArchiveGenerator:
    """Generate releases from a seeded random source, so every run writes the same files."""

    def __init__(self, seed=2021):
        self.random = random.Random(seed)
        # Bodies are drawn from a pool of blocks: writing a large archive stays quick.
        self.blocks = [self.list_block() for _ in range(60)]
        self.blocks += [self.paragraph() for _ in range(600)]

    def write(self, directory, count):
        """Write *count* release files under *directory*; return their paths."""
        directory = Path(directory)
        return [self.write_one(directory, number) for number in range(count)]

    def write_one(self, directory, number):
        fields, body = self.release(number)
        published = fields["published_time"]
        path = directory / fields["category"] / f"{published:%Y-%m}"
        path.mkdir(parents=True, exist_ok=True)
        path /= f"{fields['date']}-{fields['permalink'].rstrip('/').rsplit('/', 1)[1]}.md"
        path.write_text(format_release(fields, body), encoding="utf-8")
        return path

    def release(self, number):
        """Return the front matter and body of release *number*."""
        pick = self.random.choice
        category = self.random.choices(*zip(*CATEGORIES, strict=True))[0]
        title = pick(TITLE_FORMS).format(
            topic=pick(TOPICS), person=pick(PEOPLE), place=pick(PLACES)
        )
        published = self.published_time()
        slug = f"{slugify(title)}-{number}"
        fields = {
            "category": category,
            "date": f"{published:%Y-%m-%d}",
            "permalink": (
                f"https://www.whitehouse.gov/briefing-room/{category}/{published:%Y/%m/%d}/{slug}/"
            ),
            "published_time": published,
            "title": title,
        }
        if self.random.random() >= 1 / 3:
            fields["modified_time"] = published + datetime.timedelta(
                seconds=self.random.randrange(60, 400 * 86400)
            )
        body = self.body(self.random.randrange(1_000, 30_000))
        if category in TRANSCRIPTS:
            body = transcript(body, random.Random(number))
        return fields, body

    def published_time(self):
        start = datetime.datetime(2009, 1, 20, tzinfo=OFFICE_ZONE)
        moment = start + datetime.timedelta(seconds=self.random.randrange(16 * 365 * 86400))
        # The archive writes fixed offsets, as PyYAML reads them back.
        offset = datetime.timezone(moment.utcoffset())
        return moment.astimezone(offset).replace(microsecond=0)

    def body(self, size):
        parts = [" \n"]
        length = 0
        while length < size:
            part = self.random.choice(self.blocks)
            parts.append(part)
            length += len(part)
        return "".join(parts)

    def paragraph(self):
        sentences = [self.sentence() for _ in range(self.random.randrange(2, 7))]
        return textwrap.fill(" ".join(sentences), width=72) + "\n\n"

    def sentence(self):
        words = self.random.choices(WORDS, k=self.random.randrange(8, 24))
        if self.random.random() < 0.3:
            words.insert(self.random.randrange(len(words)), self.random.choice(PEOPLE))
        if self.random.random() < 0.05:
            words.append("Andr**é**s")
        text = " ".join(words)
        return f"{text[0].upper()}{text[1:]}."

    def list_block(self):
        items = [f"- {self.sentence()}" for _ in range(self.random.randrange(2, 6))]
        return "\n".join(items) + "\n\n"


def transcript(body, chooser):
    """Return *body* as a transcript: its paragraphs said in turns by two SPEAKERS and
    reporters, drawn by *chooser* (of its own: the other releases stay as they were)."""
    hosts = chooser.sample(SPEAKERS, 2)
    parts = ["The James S. Brady Press Briefing Room"]
    for paragraph in filter(None, (part.strip() for part in body.split("\n\n"))):
        if paragraph.startswith("- ") or (len(parts) > 1 and chooser.random() < TURN_GOES_ON):
            parts.append(paragraph)
        elif chooser.random() < REPORTER_SHARE:
            parts.append(f"Q  {paragraph}")
        else:
            parts.append(f"{chooser.choice(hosts)}:  {paragraph}")
    return "\n\n".join([*parts, "END"]) + "\n"


def format_release(fields, body):
    """Return a release file's text: PyYAML's dump of *fields*, then *body*."""
    return f"---\n{dump_front_matter(fields)}---\n{body}"
