"""The briefing room's one app: releases, their pages, their import and their admin."""

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "releases"

    def ready(self):
        from django.db.backends.signals import connection_created

        from releases import changes, revisions
        from releases.admin import sign_in
        from releases.db import prepared_statements, wait_limits
        from releases.subscriptions import alerts

        connection_created.connect(prepared_statements.watch)
        revisions.connect()
        sign_in.connect()
        changes.connect()
        alerts.connect()
        wait_limits.connect()
