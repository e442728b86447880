"""Prepared statements on PostgreSQL, kept working when a migration changes a table.

With BRIEFING_PREPARED_STATEMENTS (``briefing/settings.py``) psycopg prepares
each query at its fifth run on a connection. A migration run while the site
serves may then change what a prepared query returns (a column's type, as a
longer ``varchar``), and PostgreSQL refuses that statement for the rest of the
connection's life: "cached plan must not change result type". Outside a
transaction, the connection's prepared statements are dropped and the query is
run once more, prepared afresh later; inside one, the error stands, and the
transaction's rollback drops them (psycopg does so at every rollback).
"""

from django.db import NotSupportedError

# PostgreSQL's code for the refusal (feature_not_supported) and the words that say
# which feature: other refusals under the code are not a stale statement.
FEATURE_NOT_SUPPORTED = "0A000"
STALE_STATEMENT = "cached plan must not change result type"


def run_again_if_stale(execute, sql, params, many, context):
    """Run a query (a Django execute wrapper); once more, with the connection's
    prepared statements dropped, if a change to a table made its statement stale."""
    try:
        return execute(sql, params, many, context)
    except NotSupportedError as error:
        database = context["connection"]
        if database.in_atomic_block or not is_stale_statement(error):
            raise
        # psycopg forgets its prepared statements when it sees this command run.
        database.connection.execute("DEALLOCATE ALL")
        return execute(sql, params, many, context)


def is_stale_statement(error):
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == FEATURE_NOT_SUPPORTED and STALE_STATEMENT in str(
        cause
    )


def watch(sender, connection, **kwargs):
    """Give each new PostgreSQL connection run_again_if_stale (a connection_created
    receiver); a connection opened again keeps the one it has."""
    if connection.vendor == "postgresql" and run_again_if_stale not in connection.execute_wrappers:
        connection.execute_wrappers.append(run_again_if_stale)
