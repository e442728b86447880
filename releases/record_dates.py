"""The years a release's dates may fall in.

A date far outside the public record is a slip of the keyboard (0025 for 2025,
2205 for 2025), and the search index orders releases by one number that holds
the dates from 1442 to 2158 only: the importer and the admin refuse such dates
rather than let one release break every search.
"""

from django.core.exceptions import ValidationError

FIRST_YEAR = 1789
LAST_YEAR = 2149


def out_of_record(value):
    """Return why the date or time *value* cannot be a release's, or None if it can."""
    if FIRST_YEAR <= value.year <= LAST_YEAR:
        return None
    return f"{value.isoformat()} is outside the years a release may have ({FIRST_YEAR}-{LAST_YEAR})"


def within_the_record(value):
    """Validate that the date or time *value* can be a release's."""
    if reason := out_of_record(value):
        raise ValidationError(reason, code="out_of_record")
