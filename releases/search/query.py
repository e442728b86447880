"""Read what a reader typed in the search box: words, "quoted phrases" and prefixes.

The query is parsed here, once, into terms that every release must match:
compiling.py writes them out as a query of the index, and the marks in the
results and the corrections offered are made from the same terms.
"""

import dataclasses
import re

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
# A shorter prefix matches most of the archive, and costs seconds to search.
MIN_PREFIX = 3
# A quoted phrase (a missing closing quote is forgiven) or a bare token.
TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
WORD = re.compile(r"[^\W_]+")
# Control characters separate words, like spaces: they are never part of one
# (and PostgreSQL refuses NUL outright).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# PostgreSQL's English stop words (tsearch_data/english.stop). They would match
# nearly every release, so the index's analyzer leaves them out (schema.py) and
# a query of them alone has nothing to find.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


class SearchQueryError(ValueError):
    """A query that cannot be searched for, with the reason to show the reader."""


@dataclasses.dataclass(frozen=True)
class Term:
    """Words that must appear together, in this order; the last may be a *prefix*.

    *text* is the term as typed (without a prefix's ``*``), to name it back
    to the reader.
    """

    text: str
    words: tuple[str, ...]
    prefix: bool = False


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """A parsed query: every term must match."""

    text: str
    terms: tuple[Term, ...]

    def __str__(self):
        return self.text

    @property
    def quoted(self):
        """The query as a heading quotes it: in curly quotes, unless it opens with its own."""
        return self.text if self.text.startswith('"') else f"“{self.text}”"


def parse_search(text):
    """Return the SearchQuery for *text*; raise SearchQueryError if it has nothing to find."""
    text = " ".join(CONTROL.sub(" ", text).split())
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchQueryError(f"Search for at most {MAX_QUERY_LENGTH} characters.")
    terms = [term for match in TOKEN.finditer(text) if (term := read_term(*match.groups()))]
    if not terms:
        raise SearchQueryError(
            "There is nothing to search for: use words of letters or digits "
            "(very common words such as “the” are ignored)."
        )
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(f"Search for at most {MAX_TERMS} words or phrases.")
    short = [term.text for term in terms if term.prefix and len(term.words[-1]) < MIN_PREFIX]
    if short:
        raise SearchQueryError(
            f"A word ending in * needs at least {MIN_PREFIX} letters before it: {short[0]}*"
        )
    return SearchQuery(text, tuple(dict.fromkeys(terms)))


def read_term(phrase, token):
    """Return the Term for a quoted *phrase* or a bare *token*, or None if it has no words.

    A token such as ``covid-19`` is the phrase of its words, as the index's
    analyzer splits it; a token ending in ``*`` is a prefix.
    """
    prefix = phrase is None and token.endswith("*")
    text = token.rstrip("*") if phrase is None else phrase
    words = tuple(word.lower() for word in WORD.findall(text))
    if not words or (not prefix and all(word in STOP_WORDS for word in words)):
        return None
    return Term(text, words, prefix)
