from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "releases"

    def ready(self):
        from releases import page_cache, revisions, sign_in_limits

        revisions.connect()
        sign_in_limits.connect()
        page_cache.connect()
