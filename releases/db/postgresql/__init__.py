"""The PostgreSQL backend the site runs on: Django's, with a cheaper health check (``base.py``)."""
