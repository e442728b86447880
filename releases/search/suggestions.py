"""Did you mean: for a search that finds a handful of releases or none, the closest
search that finds far more.

Each plain word that finds no more than a handful of releases in the list by
itself is replaced by a word of the index's own within two edits (one for a
word of four letters or fewer), the closest first and, among equally close
ones, the one in the most releases of the list; a word that finds some
releases may also stay as typed. Quoted phrases, prefixes and words with
digits are kept as typed. A suggestion is only made if it finds releases, and
for a search that finds some, FAR_MORE times as many: the archive has typos of
its own ("presidnet" is in two releases), and a rare word is often meant.

Candidates are the words starting with the typed word's first letter, as
spelling checkers commonly assume (Lucene's DirectSpellChecker among them):
few misspellings are in the first letter, and reading every word of the
index would cost more than the search.
"""

import dataclasses
import itertools
import typing

import tantivy

from releases.search.compiling import filter_query
from releases.search.query import STOP_WORDS, TOKEN, WORD, SearchQueryError, parse_search
from releases.search.schema import SCHEMA

WORDS_FIELD = "words"
# Words this short are too many edits from anything meant: no corrections.
SHORTEST_CORRECTED = 3
# Words up to this long are corrected within one edit; longer ones within two.
ONE_EDIT_UP_TO = 4
# Corrections tried per word, and corrected searches counted, at most.
CANDIDATES = 3
TRIES = 9
# A search, or a word alone, that finds this many releases or fewer may be
# misspelt: only then are corrections looked for, so a search that finds
# plenty costs nothing more.
HANDFUL = 5
# A correction of a search that finds a few releases must find this many
# times as many: a rare word the reader meant stays unquestioned.
FAR_MORE = 10


class Suggestion(typing.NamedTuple):
    """A search to offer instead (its text, "" for none), and the releases it finds."""

    text: str
    found: int


NO_SUGGESTION = Suggestion("", 0)


def suggested_search(search, criteria, found):
    """Return the Suggestion of the search the reader probably meant, for *criteria*
    that find *found* releases (a HANDFUL at most) in *search* (an engine Search).

    Of the corrected searches that find enough, the fewest edits away wins,
    and of those the one that finds the most releases: words that go together.
    """
    if search.searcher is None:
        return NO_SUGGESTION
    pieces = []
    for match in TOKEN.finditer(criteria.search.text):
        options = spellings(search, criteria, match)
        if not options:
            return NO_SUGGESTION
        pieces.append(options)
    enough = max(1, FAR_MORE * found)
    best = (0, 0, "")
    for choice in itertools.islice(itertools.product(*pieces), TRIES):
        edits = sum(distance for distance, _ in choice)
        text = " ".join(word for _, word in choice)
        count = releases_found(search, criteria, text) if edits else 0
        if count >= enough and (not best[2] or (edits, -count) < best[:2]):
            best = (edits, -count, text)
    return Suggestion(best[2], -best[1])


def spellings(search, criteria, match):
    """Return the (edits, text) a token of the search (a TOKEN *match*) may be
    written as: as typed, unless it is a word that finds a handful of releases
    or none by itself; then its corrections too, or only them if it finds none
    ([] if there are none).

    As typed comes first: the searches tried first then correct one word each.
    """
    typed = [(0, match.group(0))]
    word = correctable_word(*match.groups())
    if not word:
        return typed
    alone = releases_found(search, criteria, word)
    if alone > HANDFUL:
        return typed
    return (typed if alone else []) + corrections(search, criteria, word)


def correctable_word(phrase, token):
    """Return the one word of a bare *token*, lower-cased, if a suggestion may
    correct it; None for a phrase, a prefix, a number or a very common word."""
    if phrase is not None or token.endswith("*"):
        return None
    words = WORD.findall(token)
    if len(words) != 1 or words[0] != token:
        return None
    word = token.lower()
    if len(word) < SHORTEST_CORRECTED or word in STOP_WORDS or not word.isalpha():
        return None
    return word


def releases_found(search, criteria, text):
    """How many releases searching for *text* with the list's filters finds."""
    try:
        query = parse_search(text)
    except SearchQueryError:
        return 0
    return search.count(dataclasses.replace(criteria, search=query))


def corrections(search, criteria, word):
    """Return up to CANDIDATES (edits, word) of the list's releases' words close
    to *word*, the closest first, then the most common."""
    limit = 1 if len(word) <= ONE_EDIT_UP_TO else 2
    within_list = list_filter(search, criteria)
    if not anything_close(search, within_list, word, limit):
        return []
    letters = set(word)
    found = []
    for term, count in search.searcher.terms_with_prefix(
        WORDS_FIELD, word[0], filter_query=within_list
    ):
        # Each edit adds or removes at most one letter, and changes the set of
        # letters by at most two: cheap tests that spare most words the full one.
        if abs(len(term) - len(word)) > limit or len(letters ^ set(term)) > 2 * limit:
            continue
        distance = edit_distance(word, term, limit)
        if distance is not None:
            found.append((distance, -count, term))
    return [(distance, term) for distance, _, term in sorted(found)[:CANDIDATES]]


def list_filter(search, criteria):
    """The list's filters (public, category, dates) as one query."""
    return filter_query(criteria, search.now)


def anything_close(search, within_list, word, limit):
    """Whether any release of the list holds a word within *limit* edits of *word*:
    the index's own automaton answers a word close to nothing at once."""
    close = tantivy.Query.fuzzy_term_query(SCHEMA, WORDS_FIELD, word, distance=limit)
    close = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, close), (tantivy.Occur.Must, within_list)]
    )
    return search.searcher.search(close, 1, count=True).count > 0


def edit_distance(first, second, limit):
    """Return the edits (insertions, deletions, substitutions, swaps of two
    neighbours) that turn *first* into *second* if they are 1 to *limit*; else None.

    What the two share at either end costs nothing and is cut first; then only
    the cells within *limit* of the diagonal are computed: any other is more
    than *limit* edits away, and counts as just one more.
    """
    if first == second:
        return None
    first, second = without_common_ends(first, second)
    far = limit + 1
    width = len(second)
    before, previous = None, [min(j, far) for j in range(width + 1)]
    for i, a in enumerate(first, 1):
        current = [min(i, far)] + [far] * width
        for j in range(max(1, i - limit), min(width, i + limit) + 1):
            b = second[j - 1]
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if before is not None and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, before[j - 2] + 1)
            current[j] = cost
        if min(current) > limit:
            return None
        before, previous = previous, current
    return previous[width] if previous[width] <= limit else None


def without_common_ends(first, second):
    """Return *first* and *second* less the letters they begin and end with alike."""
    start = 0
    while start < min(len(first), len(second)) and first[start] == second[start]:
        start += 1
    end = 0
    while end < min(len(first), len(second)) - start and first[-1 - end] == second[-1 - end]:
        end += 1
    return first[start : len(first) - end], second[start : len(second) - end]
