"""Telling a lost database connection from an ordinary database error.

A background task whose connection was cut (the server restarted, an operator ran ``pg_terminate_backend``, the
network dropped) did nothing wrong: it must go back to the queue and run again, not be recorded as failed. Shared
by the worker (``cms.ops.worker``) and the tasks that record their own failures (``certificates.tasks``).
"""

from django.db import InterfaceError, OperationalError

# SQLSTATE codes of a connection that the server closed or refused: class 08 (connection exception) and the
# shutdown codes of class 57 (57P01 admin_shutdown: pg_terminate_backend; 57P02 crash_shutdown; 57P03
# cannot_connect_now: the server is starting).
_LOST_STATES = {"57P01", "57P02", "57P03"}


def connection_lost(error: BaseException) -> bool:
    """True when ``error`` (or an exception it was raised from) says the database connection is gone.

    Only drivers that report SQLSTATE codes (psycopg) can lose a connection; SQLite's errors ("database is locked")
    are ordinary failures.
    """
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, InterfaceError | OperationalError):
            cause = current.__cause__
            if cause is not None and hasattr(cause, "sqlstate"):
                state = cause.sqlstate
                if state is None or state.startswith("08") or state in _LOST_STATES:
                    return True
        current = current.__cause__ or current.__context__
    return False
