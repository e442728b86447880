"""The database configured by one address, DATABASE_URL.

The tests run briefing/settings.py itself with the environment they give it, and
read the settings it makes."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings

SETTINGS_FILE = Path(django_settings.BASE_DIR, "briefing", "settings.py")


def settings_from(monkeypatch, **environment):
    """Run briefing/settings.py with *environment*; return the settings it makes."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "USER": "briefing",
    "PASSWORD": "p@ss",
    "PORT": 6432,
    "NAME": "briefing",
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
}


@pytest.mark.parametrize(
    ("url", "database"),
    [
        (
            None,
            {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(django_settings.BASE_DIR / "db.sqlite3"),
                "USER": "",
                "PASSWORD": "",
                "HOST": "",
                "PORT": "",
                "CONN_MAX_AGE": 60,
                "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {
                    "init_command": (
                        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
                        "PRAGMA synchronous=NORMAL;"
                    ),
                    "transaction_mode": "IMMEDIATE",
                },
            },
        ),
        (
            "postgres://briefing:p%40ss@db.example.gov:6432/briefing?sslmode=require",
            {
                **POSTGRES,
                "HOST": "db.example.gov",
                "OPTIONS": {"sslmode": "require", "connect_timeout": 3},
            },
        ),
        (
            "postgresql://briefing:p%40ss@%2Frun%2Fpostgresql:6432/briefing",
            {**POSTGRES, "HOST": "/run/postgresql", "OPTIONS": {"connect_timeout": 3}},
        ),
    ],
    ids=["sqlite-default", "postgres", "postgres-socket"],
)
def test_database_url_gives_the_database_settings_it_always_has(monkeypatch, url, database):
    made = settings_from(monkeypatch, **({"DATABASE_URL": url} if url else {}))
    default = made["DATABASES"]["default"]
    assert not default.pop("DISABLE_SERVER_SIDE_CURSORS", False)  # Django's own default
    assert default == database
