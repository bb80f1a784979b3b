"""Run actions at the same moment in real threads, each with its own database connection.

On PostgreSQL this gives truly concurrent transactions; SQLite serialises every write, so there the actions run
one after the other (and must agree).
"""

import threading

from django.db import connection


def run_concurrently(actions, *, timeout: float = 10) -> list:
    """Start every action together (a barrier), wait for all; re-raise the first error. Results in finishing order."""
    if connection.vendor != "postgresql":
        return [action() for action in actions]
    barrier, results, errors = threading.Barrier(len(actions)), [], []
    lock = threading.Lock()

    def worker(action):
        try:
            barrier.wait(timeout=timeout)
            result = action()
            with lock:
                results.append(result)
        except Exception as error:  # collected and re-raised below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
