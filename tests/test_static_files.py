"""Static files as production serves them: collected, hashed and compressed."""

from django.core.management import call_command


def test_collectstatic_writes_hashed_compressed_stylesheet(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed = [p.name for p in (tmp_path / "releases").glob("briefing.*.css")]
    assert len(hashed) == 1
    assert (tmp_path / "releases" / f"{hashed[0]}.gz").exists()
