"""The rows an admin action is asked to act on, refused unless each is an id.

Django's admin filters by the chosen rows' ids as the form sent them: a
value that is not a number reached the ORM and answered a server error.
Every model of the site, Django's own users and groups among them, is
keyed by a number.
"""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpResponseBadRequest
from django.urls import reverse

# More digits than a 64-bit id can have.
MOST_ID_DIGITS = 19


class AdminChosenRowsMiddleware:
    """Answer 400, in one line, to an admin action on a row that is not an id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path.startswith(reverse("admin:index")):
            chosen = request.POST.getlist(ACTION_CHECKBOX_NAME)
            if not all(is_id(value) for value in chosen):
                return HttpResponseBadRequest(
                    "Refused: the rows chosen for an action must be ids (whole numbers).\n",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


def is_id(value):
    """Whether *value* is written as a row's id: ASCII digits, within a 64-bit number."""
    return value.isascii() and value.isdigit() and len(value) <= MOST_ID_DIGITS
