"""Staff pages: releases and categories, import runs and uploads, subscriptions.

Importing the modules registers their ModelAdmins with the admin site.
"""

from releases.admin import imports, releases, subscriptions  # noqa: F401
