"""Transcripts: the turns of each release's speakers, and the people they resolve to."""

from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "releases.transcripts"
    label = "transcripts"
    verbose_name = "Speakers"

    def ready(self):
        from releases.transcripts import resolving

        resolving.connect()
