"""Requests holding a NUL character, refused before any of their values can reach a query.

PostgreSQL refuses NUL in text, so a query given such a value fails there
with a server error (on SQLite it finds nothing); no address, token, cookie
or field of the site can hold one. The site's own views read query strings
and forms through Django forms, which refuse a NUL with a message beside its
field; the rest is refused here, in one place, rather than in each of the
ways a value reaches the ORM.
"""

from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse

NUL = "\x00"


class NullCharacterMiddleware:
    """Answer 404 for a NUL in the path, as for any address no page has; 400 for a NUL
    in a cookie, or in the admin's query string or form.

    A cookie reaches the ORM as the session's key. The admin is where forms do
    not stand between a request and the ORM: its change lists filter by their
    query string as written, and its actions take the ids of the rows chosen
    straight from the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            raise Http404("No page has an address with a NUL character.")
        for place, name, value in read_values(request):
            if NUL in name or NUL in value:
                return refused(place, name)
        return self.get_response(request)


def read_values(request):
    """Yield (place, name, value) for each value of *request* that may reach the ORM
    without a form: its cookies, and in the admin its query string and form fields."""
    for name, value in request.COOKIES.items():
        yield "cookie", name, value
    # Most requests carry neither: they are spared looking up the admin's address.
    has_values = request.META.get("QUERY_STRING") or request.method == "POST"
    if has_values and request.path.startswith(reverse("admin:index")):
        for place, data in (("query string field", request.GET), ("form field", request.POST)):
            for name, values in data.lists():
                yield from ((place, name, value) for value in values)


def refused(place, name):
    """The 400 for a NUL in the *place* called *name*: one line saying so."""
    return HttpResponseBadRequest(
        f"Refused: a NUL character in the {place} {name!r}; no value here can hold one.\n",
        content_type="text/plain; charset=utf-8",
    )
