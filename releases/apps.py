from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "releases"

    def ready(self):
        from releases import revisions

        revisions.connect()
