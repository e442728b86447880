"""What the search index holds for each release, and how its text is split into terms.

Titles and bodies are indexed with their word positions (for phrases), split
and stemmed by one analyzer that the queries use too; a body as readers read
it, rendered and sanitized, so that a search finds what the page shows. The
words of the title and of the body's opening are indexed once more as written
(lower-cased, not stemmed, without positions): the words a "did you mean"
suggestion is made of. Everything a list filters, counts or sorts on is a fast
(columnar) field, read at query time: a scheduled release is indexed with its
publication time and becomes findable when that time comes, with nothing
written then.

Each body is indexed a third time as its word pairs: every two neighbouring
stems joined into one term, at the place of the first. A phrase of the body
is then a phrase of pairs, or for two words a single term: "working families"
reads the postings of one rare pair rather than those of two common words
with all their positions, and finds exactly the same releases.

A transcript's speakers have documents of their own: one for each person
who speaks in a release, holding what they said there (``spoken``: their
turns, each apart from the next by more places than a search's longest
phrase spans, so no phrase matches across two turns), with the release's id
and filter fields. A search scoped to a speaker is a search of these, and
counts each release once, as it holds one such document per person.
"""

import datetime
import itertools

import tantivy

from releases.models import Release
from releases.rendering import (
    RENDERER_VERSION,
    plain_text,
    render_body,
    renderer_settings,
    searchable_text,
)
from releases.search.query import MAX_QUERY_LENGTH, STOP_WORDS
from releases.transcripts.models import Turn

# Part of the analyzers' names, which the schema holds: raise it when the analyzers
# or the text they are given change, and every index built before differs from
# SCHEMA, and is rebuilt (directory.open_index). 2: bodies as readers read them,
# which the renderer's rules decide too: its version is in the names as well.
# 3: the body's word pairs. 4: what each person said, a document per speaker and release.
# 5: what each person said given as its stems (the same terms at the same places).
INDEX_VERSION = 5
ANALYZER_NAME = f"briefing-{INDEX_VERSION}.{RENDERER_VERSION}"
WORDS_ANALYZER_NAME = f"briefing-words-{INDEX_VERSION}.{RENDERER_VERSION}"
PAIRS_ANALYZER_NAME = f"briefing-pairs-{INDEX_VERSION}.{RENDERER_VERSION}"
# Joins the two stems of a pair: neither holds it, being letters and digits.
PAIR_JOINER = "_"
# Holds the place of a word with no pair (it, or the word after it, is not indexed),
# so that pairs on either side of it are not neighbours; the pairs' analyzer drops it.
# In what a speaker said, given as stems, it holds the place of a word not indexed.
NO_PAIR = "_"
# Stems kept for the words met while indexing pairs, before the table starts afresh:
# about 8 MB, whatever the archive; starting afresh costs only stemming words again.
MOST_STEMS_KEPT = 50_000
# Characters of a body whose words suggestions are made of: its opening holds
# the words a reader types, and the whole body cost a quarter of the indexing.
WORDS_CHARACTERS = 2000
# Longer tokens are noise (URLs, hashes) and would bloat the term dictionary.
LONGEST_TERM = 100
# The stems of the places left empty between two turns of one speaker: more than the
# words of the longest search (one letter and a space each), so that no phrase spans two turns.
TURN_GAP = [""] * (MAX_QUERY_LENGTH // 2 + 1)
# A match in the title counts this many times one in the body.
TITLE_BOOST = 3.0
# The document that records the last journal entry the index holds (see
# journal.py); releases' ids start at 1.
POSITION_DOCUMENT_ID = 0

# The number each status is indexed as. Every index built holds these: a
# status keeps its number, and a new status takes one of its own.
STATUS_CODES = {
    Release.Status.DRAFT: 0,
    Release.Status.PUBLISHED: 1,
    Release.Status.WITHDRAWN: 2,
}

EPOCH = datetime.date(1800, 1, 1)
UNIX_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# The newest-first key packs (date, publication time, id) into one number,
# as NEWEST_FIRST orders them: the date's day, the publication time's offset
# from that day (clamped to about 48 days either way) and the id.
OFFSET_BITS = ID_BITS = 23
# What is left of a signed 64-bit number for the day: 1442 to 2158.
DAY_BITS = 63 - OFFSET_BITS - ID_BITS


def analyzer():
    """The analyzer for titles, bodies and queries: words of letters or digits,
    lower-cased, the very common ones dropped (their places kept, for phrases),
    stemmed as English."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(LONGEST_TERM))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


ANALYZER = analyzer()


def words_analyzer():
    """The analyzer of the ``words`` field: the titles' and bodies' words as the
    reader would type them, lower-cased, the very common ones dropped, not stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(LONGEST_TERM))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS)))
        .build()
    )


def pairs_analyzer():
    """The analyzer of the ``pairs`` field, whose text word_pairs() writes: its terms as
    they are, the places without a pair left empty."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.custom_stopword([NO_PAIR]))
        .build()
    )


# Splits text into words as the analyzer does, one a place, each as written.
WORDS_AT_PLACES = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
ANALYZERS = {
    ANALYZER_NAME: ANALYZER,
    WORDS_ANALYZER_NAME: words_analyzer(),
    PAIRS_ANALYZER_NAME: pairs_analyzer(),
}


def register_analyzers(index):
    """Tell *index* the analyzers its fields name: they are not stored with it."""
    for name, text_analyzer in ANALYZERS.items():
        index.register_tokenizer(name, text_analyzer)


def build_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    # The title and slug are kept too, for the links to related releases.
    builder.add_text_field(
        "title", stored=True, tokenizer_name=ANALYZER_NAME, index_option="position"
    )
    builder.add_text_field("slug", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("body", tokenizer_name=ANALYZER_NAME, index_option="position")
    builder.add_text_field("pairs", tokenizer_name=PAIRS_ANALYZER_NAME, index_option="position")
    # Which releases hold a word, no more: the smallest postings there are.
    builder.add_text_field("words", tokenizer_name=WORDS_ANALYZER_NAME, index_option="basic")
    # A speaker's document only: who speaks (a Person's id), and the turns they said.
    builder.add_integer_field("speaker", indexed=True, fast=True)
    # Given as the stems the analyzer would find, one a place (spoken_stems): its words
    # are split and stemmed once, for it and its pairs.
    builder.add_text_field("spoken", tokenizer_name=PAIRS_ANALYZER_NAME, index_option="position")
    builder.add_text_field(
        "spoken_pairs", tokenizer_name=PAIRS_ANALYZER_NAME, index_option="position"
    )
    for name in ("category", "status"):
        builder.add_integer_field(name, indexed=True, fast=True)
    for name in ("published", "day", "year", "month", "newest", "journal"):
        builder.add_integer_field(name, fast=True)
    return builder.build()


SCHEMA = build_schema()


def pair_term(stem, next_stem):
    """The term of the ``pairs`` field for *stem* followed by *next_stem*."""
    return f"{stem}{PAIR_JOINER}{next_stem}"


def word_pairs(text):
    """Return the text of the ``pairs`` field for *text*: at each place the term of its
    stem and the next one, or NO_PAIR where either word is not indexed."""
    return pairs_of(stems_at_places(text))


def spoken_stems(texts):
    """Return the stem of each place of *texts* (a speaker's turns) one after the
    other, TURN_GAP's places between each two ("" where a word is not indexed)."""
    stems = []
    for number, text in enumerate(texts):
        if number:
            stems += TURN_GAP
        stems += stems_at_places(text)
    return stems


def stems_text(stems):
    """Return the text of the ``spoken`` field for *stems*, one a place: as the analyzer
    would index the words, at the same places, with NO_PAIR where it drops one."""
    return " ".join([stem or NO_PAIR for stem in stems])


def stems_at_places(text):
    """Return the stem of each word of *text*, one a place ("" where it is not indexed)."""
    words = WORDS_AT_PLACES.analyze(text)
    stems = list(map(STEMS.get, words))
    if None in stems:
        # Words met for the first time: most bodies have none.
        stems = [
            stem_of(word) if stem is None else stem for stem, word in zip(stems, words, strict=True)
        ]
    return stems


def pairs_of(stems):
    """Return the text of the ``pairs`` field for words of *stems*, one a place."""
    # pair_term() written out: a call for each word of every body and speaker cost more.
    return " ".join(
        [
            f"{stem}{PAIR_JOINER}{next_stem}" if stem and next_stem else NO_PAIR
            for stem, next_stem in itertools.pairwise(stems)
        ]
    )


STEMS = {}


def stem_of(word):
    """Return *word*'s stem as the analyzer indexes it, or "" for a word it drops."""
    stem = STEMS.get(word)
    if stem is None:
        if len(STEMS) >= MOST_STEMS_KEPT:
            STEMS.clear()
        stem = STEMS[word] = next(iter(ANALYZER.analyze(word)), "")
    return stem


def day_number(date):
    """The date as a count of days, as the ``day`` field holds it."""
    return (date - EPOCH).days


def instant(moment):
    """*moment* (an aware datetime) as whole microseconds, as the ``published`` field holds it:
    exact, so a release is findable at the same microsecond the database shows it."""
    return (moment - UNIX_EPOCH) // datetime.timedelta(microseconds=1)


def newest_key(date, published_at, pk):
    """Return the number that sorts releases as NEWEST_FIRST does, largest first."""
    midnight = datetime.datetime.combine(date, datetime.time(), tzinfo=datetime.UTC)
    offset = int((published_at - midnight).total_seconds()) + (1 << (OFFSET_BITS - 1))
    offset = min(max(offset, 0), (1 << OFFSET_BITS) - 1)
    # The index holds 64 bits: a date the record refuses (record_dates.py) and a
    # row written around the importer and the admin sorts at the end of the range
    # rather than breaking every write to the index.
    day = min(max(day_number(date), -(1 << DAY_BITS)), (1 << DAY_BITS) - 1)
    return (day << (OFFSET_BITS + ID_BITS)) | (offset << ID_BITS) | min(pk, (1 << ID_BITS) - 1)


def release_document(pk, title, text, category_id, date, published_at, status, slug):
    """Return the index document of one release, from its stored values and *text*,
    the words a reader sees in its body (Release.body_text)."""
    return tantivy.Document(
        id=pk,
        title=title,
        slug=slug,
        body=text,
        pairs=word_pairs(text),
        words=[title, text[:WORDS_CHARACTERS]],
        **filter_fields(pk, category_id, date, published_at, status),
    )


def filter_fields(pk, category_id, date, published_at, status):
    """Return the fields a release's documents are filtered, counted and ordered by."""
    return {
        "category": category_id,
        "status": STATUS_CODES[status],
        "published": instant(published_at),
        "day": day_number(date),
        "year": date.year,
        "month": date.month,
        "newest": newest_key(date, published_at, pk),
    }


def speaker_documents(pk, category_id, date, published_at, status, turns):
    """Return a document for each person who speaks in the release *pk*: their turns'
    words, apart (TURN_GAP), under the release's id and filter fields.

    *turns* are the release's (person id, plain text) in order, people only: a
    reporter's question and an anonymous role speak for no one. Their word pairs
    are indexed as the body's: none across TURN_GAP, whose places hold no word.
    """
    said = {}
    for person_id, text in turns:
        said.setdefault(person_id, []).append(text)
    fields = filter_fields(pk, category_id, date, published_at, status) if said else {}
    documents = []
    for person_id, texts in said.items():
        stems = spoken_stems(texts)
        spoken = {"spoken": stems_text(stems), "spoken_pairs": pairs_of(stems)}
        documents.append(tantivy.Document(id=pk, speaker=person_id, **spoken, **fields))
    return documents


def position_document(journal_entry):
    """Return the document that says the index holds the journal up to *journal_entry*."""
    return tantivy.Document(id=POSITION_DOCUMENT_ID, journal=journal_entry)


# The columns release_document() reads, in its order.
INDEXED_COLUMNS = (
    "pk",
    "title",
    "rendered_text",
    "category_id",
    "date",
    "published_at",
    "status",
    "slug",
)


def indexed_documents(releases, chunk_size):
    """Yield, for each of *releases*, the list of its index documents: its own, and
    its speakers' (speaker_documents), read *chunk_size* releases at a time."""
    rows = indexed_rows(releases, chunk_size)
    while chunk := list(itertools.islice(rows, chunk_size)):
        turns = spoken_turns([row[0] for row in chunk])
        for pk, title, text, category_id, date, published_at, status, slug in chunk:
            own = release_document(pk, title, text, category_id, date, published_at, status, slug)
            spoken = turns.get(pk, ())
            yield [own, *speaker_documents(pk, category_id, date, published_at, status, spoken)]


def spoken_turns(release_ids):
    """Return {release id: [(person id, plain text)]} of the turns of *release_ids*
    that a person said, in order, in one query."""
    turns = {}
    rows = (
        Turn.objects.filter(release_id__in=release_ids, person__isnull=False)
        .order_by("release_id", "position")
        .values_list("release_id", "person_id", "text")
    )
    for release_id, person_id, text in rows:
        turns.setdefault(release_id, []).append((person_id, plain_text(text)))
    return turns


def indexed_rows(releases, chunk_size):
    """Yield the values release_document() takes for each of *releases*, read
    *chunk_size* rows at a time: each body's
    text as kept when it was saved, or found again from its body where it was
    rendered under other settings (Release.rendering)."""
    current = renderer_settings()
    rows = releases.values_list(*INDEXED_COLUMNS, "rendered_under")
    for *row, rendered_under in rows.iterator(chunk_size=chunk_size):
        if rendered_under != current:
            body = Release.objects.filter(pk=row[0]).values_list("body", flat=True).first()
            row[2] = searchable_text(render_body(body or ""))
        yield row
