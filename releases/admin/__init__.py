"""Staff pages: releases and categories, import runs and uploads, people, subscriptions, and
Django's own users and groups.

Importing the modules registers their ModelAdmins with the admin site.
"""

from releases.admin import accounts, imports, people, releases, subscriptions  # noqa: F401
