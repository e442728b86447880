"""A staff member's session with a running server, over plain HTTP: cookies,
CSRF tokens and the forms of the admin, filled in as a browser would."""

import http.cookiejar
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The values a browser would submit from the form with id *form_id*."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.select, self.textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in {"submit", "checkbox", "file"}:
            self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


class StaffBrowser:
    """A staff member's session with one server: cookies, CSRF tokens and forms."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def sign_in(self, username, password):
        """Sign in to the admin; return the page it leads to."""
        return self.submit(
            "/admin/login/", "login-form", username=username, password=password, next="/admin/"
        )

    def submit(self, path, form_id, **changes):
        """Submit the form *form_id* on the page at *path* with *changes*; return the
        final page."""
        fields = FormFields(form_id)
        fields.feed(self.get(path))
        data = urllib.parse.urlencode({**fields.values, **changes}).encode()
        request = urllib.request.Request(self.base + path, data, headers={"Referer": self.base})
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()
