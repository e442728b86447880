"""The briefing room's one app: releases, their pages, their import and their admin."""

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "releases"

    def ready(self):
        from releases import changes, revisions
        from releases.admin import sign_in
        from releases.subscriptions import alerts

        revisions.connect()
        sign_in.connect()
        changes.connect()
        alerts.connect()
