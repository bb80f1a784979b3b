"""The password hasher: Argon2id with the OWASP Password Storage Cheat Sheet's first configuration.

OWASP's cheat sheet (cheatsheetseries.owasp.org, "Password Storage Cheat Sheet") puts Argon2id first and gives its
minimum configuration as 19 MiB of memory, an iteration count of 2 and 1 degree of parallelism. Django's own
``Argon2PasswordHasher`` uses 100 MiB and 8 lanes, which is neither a minimum nor a fit for two cores; this
subclass sets the cheat sheet's figures so that they are written down in one place:

- ``memory_cost = 19456`` KiB (19 MiB): the memory an attacker must hold for each guess, the reason for Argon2id
  (a GPU or an ASIC gets no cheap parallelism from it, unlike PBKDF2);
- ``time_cost = 2`` passes over that memory;
- ``parallelism = 1`` lane: one core per hash, so two gunicorn processes hash two log-ins at once.

Cost measured on the project's 2-core machine (README, "Lanzamiento nacional"): about 23 ms of CPU per hash,
against about 262 ms for Django 5.2's PBKDF2 (1,000,000 iterations of SHA-256); the memory is 19 MiB per hash in
progress, freed at once: with deploy/gunicorn.conf.py's 2 processes of 4 threads, 152 MiB at most.

``PASSWORD_HASHERS`` (cms/settings/base.py) keeps Django's PBKDF2 hashers after this one: a password stored with
PBKDF2 still verifies, and Django stores it again with this hasher at that log-in (``check_password``'s setter),
as it does for an Argon2 hash whose parameters differ from these.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1 (OWASP's minimum); the algorithm name stays ``argon2``, Django's."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
