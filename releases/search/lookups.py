"""A queryset narrowed to a search's matches, for what reads a search through the ORM:
feeds, CSV, the API's cursor, email alerts and the admin's list."""

import json

from django.db.models import BooleanField, Expression

from releases.search.engine import Search


class MatchingIds(Expression):
    """Whether a release is among the index's matches for some Criteria.

    The ids are asked of the index when the query is compiled, once, and
    passed as one parameter: an array on PostgreSQL, a JSON list on SQLite.
    """

    output_field = BooleanField()

    def __init__(self, criteria, search=None):
        super().__init__()
        self.criteria = criteria
        self.search = search
        self.found = None

    def resolve_expression(self, query=None, *args, **kwargs):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def ids(self):
        if self.found is None:
            self.found = (self.search or Search()).all_ids(self.criteria)
        return self.found

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name('id')}"
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", [self.ids()]
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(self.ids())]


def search_releases(queryset, criteria, search=None):
    """Return *queryset* narrowed to the releases matching *criteria*, in the same order;
    found with *search*, or a Search of its own."""
    return queryset.filter(MatchingIds(criteria, search))
