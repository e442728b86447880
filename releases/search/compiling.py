"""A parsed search and a list's filters, written out as one query of the index.

Every term must match, in the title or the body; a title match is boosted
over a body match, so BM25 ranks it higher. A phrase is found in the body
through its word pairs (schema.py). Filters (status, publication time,
category, dates) are read from fast fields and add nothing to the score.

A search scoped to a speaker asks the speakers' documents instead: every
term must be in what that person said (``spoken``, its phrases through its
word pairs as the body's), a phrase within one turn, and not in the title or
anywhere else in the release.
"""

import dataclasses
import datetime
import itertools
import re

import tantivy
from django.utils import timezone

from releases.search.query import STOP_WORDS
from releases.search.schema import (
    ANALYZER,
    SCHEMA,
    STATUS_CODES,
    TITLE_BOOST,
    day_number,
    instant,
    pair_term,
)

TEXT_FIELDS = ("title", "body")
# The fields whose word pairs are indexed, and the field that holds them.
PAIRS = {"body": "pairs", "spoken": "spoken_pairs"}
Occur = tantivy.Occur
Integer = tantivy.FieldType.Integer


@dataclasses.dataclass(frozen=True)
class Criteria:
    """What a list asks of the index: the search, and the filters beside it.

    *categories* are category ids (None: any); *first_day* and *last_day*
    bound the listing date; *public* keeps the releases readers see (published,
    their time come), as ReleaseQuerySet.published() does, or with False every
    release (the admin's search). *speaker* is a Person's id: the search is of
    what they said; without a search, the releases where they speak.
    """

    search: object
    categories: tuple[int, ...] | None = None
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None
    public: bool = True
    speaker: int | None = None


def compiled(criteria, now=None):
    """Return the tantivy Query for *criteria*, as of *now*."""
    if criteria.speaker is not None:
        return spoken_query(criteria, now)
    return tantivy.Query.boolean_query(
        [(Occur.Must, text_query(criteria.search)), *filter_clauses(criteria, now)]
    )


def spoken_query(criteria, now=None):
    """*criteria*'s search in what its speaker said, or with none in what anyone said
    (without a search, every release where they speak): one document per speaker and
    release, so its matches counted by speaker are the releases each person said it in."""
    terms = criteria.search.terms if criteria.search is not None else ()
    clauses = [(Occur.Must, field_query(term, "spoken")) for term in terms]
    if criteria.speaker is not None:
        clauses.append((Occur.Must, speaker_filter(criteria.speaker)))
    return tantivy.Query.boolean_query([*clauses, *filter_clauses(criteria, now)])


def speaker_filter(person_id):
    """The documents of what the person *person_id* said, adding nothing to the score."""
    said = tantivy.Query.term_query(SCHEMA, "speaker", person_id)
    return tantivy.Query.const_score_query(said, 0.0)


def filter_query(criteria, now=None):
    """*criteria*'s filters alone, as one query: every release they let through."""
    return tantivy.Query.boolean_query(
        [(Occur.Must, tantivy.Query.all_query()), *filter_clauses(criteria, now)]
    )


def filter_clauses(criteria, now=None):
    """Return the (Occur, Query) clauses that narrow a query to *criteria*'s filters,
    none of them adding to the score.

    What readers may see is written as exclusions (drafts, withdrawn releases,
    a publication time to come): nearly every release is public, and leaving
    out the few took a quarter of the time of keeping the many.
    """
    clauses = []
    if criteria.public:
        for status in ("draft", "withdrawn"):
            hidden = tantivy.Query.term_query(SCHEMA, "status", STATUS_CODES[status])
            clauses.append((Occur.MustNot, hidden))
        moment = instant(now or timezone.now())
        to_come = tantivy.Query.range_query(
            SCHEMA, "published", Integer, lower_bound=moment, include_lower=False
        )
        clauses.append((Occur.MustNot, to_come))
    if criteria.categories is not None:
        chosen = tantivy.Query.term_set_query(SCHEMA, "category", list(criteria.categories))
        clauses.append((Occur.Must, tantivy.Query.const_score_query(chosen, 0.0)))
    if criteria.first_day or criteria.last_day:
        first = day_number(criteria.first_day) if criteria.first_day else None
        last = day_number(criteria.last_day) if criteria.last_day else None
        dated = tantivy.Query.range_query(SCHEMA, "day", Integer, first, last)
        clauses.append((Occur.Must, tantivy.Query.const_score_query(dated, 0.0)))
    return clauses


def text_query(search):
    """Every term of *search* (a parsed SearchQuery), each in the title or the body."""
    return tantivy.Query.boolean_query([(Occur.Must, term_query(term)) for term in search.terms])


def matched_in(search, field, ids):
    """The releases of *ids* whose *field* holds any term of *search*."""
    terms = [(Occur.Should, field_query(term, field)) for term in search.terms]
    chosen = tantivy.Query.term_set_query(SCHEMA, "id", list(ids))
    return tantivy.Query.boolean_query(
        [(Occur.Must, tantivy.Query.boolean_query(terms)), (Occur.Must, chosen)]
    )


def term_query(term):
    """One term, matched in the title (boosted) or in the body."""
    title, body = (field_query(term, field) for field in TEXT_FIELDS)
    return tantivy.Query.boolean_query(
        [(Occur.Should, tantivy.Query.boost_query(title, TITLE_BOOST)), (Occur.Should, body)]
    )


def positioned_stems(words):
    """Return [(position, stem)] of *words*, the very common ones left out but counted,
    as the analyzer indexes them."""
    stems = []
    for place, word in enumerate(words):
        if word in STOP_WORDS:
            continue
        stems += [(place, stem) for stem in ANALYZER.analyze(word)]
    return stems


def field_query(term, field):
    """*term* in one field: a word, a phrase, or either ending in a prefix."""
    words = term.words[:-1] if term.prefix else term.words
    stems = positioned_stems(words)
    if term.prefix:
        # The prefix is stemmed as the text was: "presidential*" finds "presidentially".
        prefix = (ANALYZER.analyze(term.words[-1]) or [term.words[-1]])[0]
        pattern = re.escape(prefix) + ".*"
        if not stems:
            return tantivy.Query.regex_query(SCHEMA, field, pattern)
        literal = [(place, re.escape(stem)) for place, stem in stems]
        patterns = [*literal, (len(term.words) - 1, pattern)]
        # The pairs' joiner stands for itself in a regular expression.
        if field in PAIRS and (pairs := paired(patterns)):
            if len(pairs) == 1:
                return tantivy.Query.regex_query(SCHEMA, PAIRS[field], pairs[0][1])
            return tantivy.Query.regex_phrase_query(SCHEMA, PAIRS[field], pairs)
        return tantivy.Query.regex_phrase_query(SCHEMA, field, patterns)
    if not stems:
        # A word the analyzer drops (too long to be indexed) matches nothing.
        return tantivy.Query.empty_query()
    if len(stems) == 1:
        return tantivy.Query.term_query(SCHEMA, field, stems[0][1])
    if field in PAIRS and (pairs := paired(stems)):
        if len(pairs) == 1:
            return tantivy.Query.term_query(SCHEMA, PAIRS[field], pairs[0][1])
        return tantivy.Query.phrase_query(SCHEMA, PAIRS[field], pairs)
    return tantivy.Query.phrase_query(SCHEMA, field, stems)


def paired(stems):
    """Return the phrase *stems* ([(place, stem)]) as [(place, pair)] of the ``pairs``
    field, or None if a stem has no neighbour in it (the words on either side of it
    are dropped): only the body's own positions can place that one.

    Each pair holds where both its stems are, one place apart, so the pairs, each
    at its place, hold exactly where the whole phrase does. The stems may be
    regular expressions, a phrase ending in a prefix.
    """
    pairs, paired_stems = [], set()
    for at, ((place, stem), (next_place, next_stem)) in enumerate(itertools.pairwise(stems)):
        if next_place == place + 1:
            pairs.append((place, pair_term(stem, next_stem)))
            paired_stems |= {at, at + 1}
    return pairs if len(paired_stems) == len(stems) else None
