"""Page numbers that stay fast deep into an archive."""

from django.core.paginator import Paginator
from django.db.models import QuerySet


class DeepPaginator(Paginator):
    """A Paginator that finds a page's ids first, then reads only those rows.

    With OFFSET, the database reads every row before the page to skip it:
    page 2,000 of a list read 40,000 rows for 20. The ids come from the
    listing index alone, so skipping costs index entries, not rows.
    *rows* reads the releases for a list of ids, as {id: release}. The list
    is a queryset, or an object that counts and gives a window's ids itself
    (search.RankedResults).
    """

    def __init__(self, object_list, per_page, *, rows, **options):
        super().__init__(object_list, per_page, **options)
        self.rows = rows

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if isinstance(self.object_list, QuerySet):
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        else:
            ids = self.object_list.ids(bottom, top)
        # Read by id alone, and put in order here: given the list's filters
        # and order too, the database may walk a whole listing index looking
        # for these few rows instead of fetching them.
        rows = self.rows(ids)
        return self._get_page([rows[pk] for pk in ids], number, self)
