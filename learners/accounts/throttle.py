"""Failed log-in throttling, the sign-up limit and email rate limits. Counters live in Django's cache, which must
be shared by every server process (Redis in production) for the limits to hold across processes.

Log-in rule (README, "Intentos de ingreso"):

- Failures are counted per pair (account name as typed, client IP) within ``LEARNERS_LOGIN_WINDOW_SECONDS``. From
  the ``LEARNERS_LOGIN_FAILURE_LIMIT``-th failure of a pair, that pair waits before trying again:
  ``LEARNERS_LOGIN_FIRST_DELAY_SECONDS`` after that failure, doubling with each further one, at most
  ``LEARNERS_LOGIN_LOCKOUT_SECONDS``. Nobody else is slowed down: the owner logging in from another address, or
  other people behind the same address.
- An IP whose failures touch ``LEARNERS_LOGIN_IP_ACCOUNT_LIMIT`` different account names within the window
  (credential stuffing) is refused for ``LEARNERS_LOGIN_LOCKOUT_SECONDS``, whatever the account.
- A successful log-in clears its pair; choosing a new password from a reset link clears every lock on the account.
- Each lock in force is a ``LoginLock`` row, which staff see and lift in the admin (Escuela Ciudadana → Bloqueos
  de ingreso). Nothing ever locks an account for everyone.
"""

import hashlib
import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from learners.accounts.models import LoginLock
from learners.privacy.audit import audit_record

PREFIX = "learners:accounts"


def _now() -> datetime:
    return timezone.now()


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def count_hit(key: str, *, window: int) -> int:
    """Add one to the counter ``key``, which lives ``window`` seconds from its first hit; returns the new count.
    The rate limits of the project (log-ins, certificate lookups, xAPI statements) all count with this. With
    ``cms.cache.ReusingRedisCache`` (REDIS_URL) it is one atomic round trip (its ``count_hit``)."""
    counter = getattr(cache, "count_hit", None)
    if counter is not None:
        return counter(key, window=window)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def client_ip(request) -> str:
    """The address the request came from.

    REMOTE_ADDR, unless it is one of ``TRUSTED_PROXY_IPS`` (the load balancer or reverse proxy in front of several
    app servers, DJANGO_TRUSTED_PROXY_IPS): then the nearest address in ``X-Forwarded-For`` that is not itself a
    trusted proxy. Without that, every visitor behind the balancer would share its address, and the per-address
    limits would lock out everyone at once. A client's own X-Forwarded-For is never believed: only the entries
    added after the first untrusted hop are read.
    """
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_IPS", ())
    if remote not in proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if hop in proxies:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote  # a malformed chain: count the proxy itself (stricter, never looser)
    return remote


def _account(account: str) -> str:
    return account.strip().lower()[:254]


def _pair_key(account: str, ip: str) -> str:
    return f"{PREFIX}:failures:pair:{_digest(account)}:{ip}"


def _ip_key(ip: str) -> str:
    return f"{PREFIX}:failures:ip-accounts:{ip}"


def seconds_locked(*, account: str, ip: str) -> int:
    """Seconds until this account may try to log in again from this IP; 0 when it may now. One query."""
    now = _now()
    condition = Q(kind=LoginLock.Kind.PAIR, account=_account(account), ip=ip[:45])
    if ip:
        condition |= Q(kind=LoginLock.Kind.IP, ip=ip[:45])
    until = LoginLock.objects.filter(condition, locked_until__gt=now).aggregate(until=Max("locked_until"))["until"]
    return 0 if until is None else max(1, math.ceil((until - now).total_seconds()))


def _lock(*, kind: str, account: str, ip: str, seconds: int, failures: int) -> None:
    now = _now()
    values = {"locked_until": now + timedelta(seconds=seconds), "failures": failures}
    LoginLock.objects.filter(locked_until__lte=now).delete()  # ended locks: nothing to keep
    lookup = {"kind": kind, "account": account, "ip": ip[:45]}
    if LoginLock.objects.filter(**lookup).update(**values):
        return
    try:
        with transaction.atomic():
            LoginLock.objects.create(**lookup, **values)
    except IntegrityError:  # another process created it meanwhile
        LoginLock.objects.filter(**lookup).update(**values)


def record_failure(*, account: str, ip: str) -> int:
    """Count a failed log-in for the (account, IP) pair and for the IP's set of accounts; start or lengthen a
    lock when a limit is reached. Returns the seconds this pair must now wait (0 when it need not)."""
    account = _account(account)
    window = _setting("LEARNERS_LOGIN_WINDOW_SECONDS", 60 * 60)
    longest = _setting("LEARNERS_LOGIN_LOCKOUT_SECONDS", 15 * 60)
    failures = count_hit(_pair_key(account, ip), window=window)
    limit = _setting("LEARNERS_LOGIN_FAILURE_LIMIT", 5)
    if failures >= limit:
        delay = _setting("LEARNERS_LOGIN_FIRST_DELAY_SECONDS", 60) * 2 ** min(failures - limit, 16)
        _lock(kind=LoginLock.Kind.PAIR, account=account, ip=ip, seconds=min(delay, longest), failures=failures)
    if ip and cache.add(f"{PREFIX}:seen:{ip}:{_digest(account)}", 1, timeout=window):
        accounts = count_hit(_ip_key(ip), window=window)
        if accounts >= _setting("LEARNERS_LOGIN_IP_ACCOUNT_LIMIT", 30):
            _lock(kind=LoginLock.Kind.IP, account="", ip=ip, seconds=longest, failures=accounts)
    return seconds_locked(account=account, ip=ip)


def record_success(*, account: str, ip: str) -> None:
    """A successful log-in: forget this pair's failures (other addresses keep theirs)."""
    account = _account(account)
    cache.delete(_pair_key(account, ip))
    LoginLock.objects.filter(kind=LoginLock.Kind.PAIR, account=account, ip=ip[:45]).delete()


def account_locks_clear(*, account: str) -> None:
    """The owner chose a new password from a reset link: lift every lock on her account, from any address."""
    account = _account(account)
    locks = LoginLock.objects.filter(kind=LoginLock.Kind.PAIR, account=account)
    cache.delete_many([_pair_key(account, ip) for ip in locks.values_list("ip", flat=True)])
    locks.delete()


def active_locks() -> QuerySet:
    """The locks in force, the ones ending last first (for the admin)."""
    return LoginLock.objects.filter(locked_until__gt=_now()).order_by("-locked_until", "pk")


@transaction.atomic
def lock_lift(*, lock: LoginLock, by: AbstractBaseUser) -> None:
    """Staff lift a lock: it ends now and its failures are forgotten. Recorded in the audit log (no email or IP)."""
    if lock.kind == LoginLock.Kind.PAIR:
        cache.delete(_pair_key(lock.account, lock.ip))
    else:
        cache.delete(_ip_key(lock.ip))
    audit_record(actor=by, action="login_lock.lifted", data={"kind": lock.kind, "failures": lock.failures})
    LoginLock.objects.filter(pk=lock.pk).delete()


def email_send_allowed(*, purpose: str, email: str, seconds: int = 60) -> bool:
    """At most one message of this purpose per address every ``seconds``, so nobody can flood an inbox."""
    return cache.add(f"{PREFIX}:sent:{purpose}:{_digest(email)}", 1, timeout=seconds)


def signup_limited(*, ip: str, targets: list[str]) -> bool:
    """Count one sign-up submission from ``ip`` and for each of its ``targets`` (its email, its RUN or document);
    True when any of them went over its limit within ``LEARNERS_SIGNUP_WINDOW_SECONDS``: at most
    ``LEARNERS_SIGNUP_IP_LIMIT`` sign-ups per IP (a computer room signs up a whole class) and
    ``LEARNERS_SIGNUP_TARGET_LIMIT`` per email, RUN or document. Targets are hashed in the keys."""
    window = getattr(settings, "LEARNERS_SIGNUP_WINDOW_SECONDS", 60 * 60)
    over = False
    if ip:
        over |= count_hit(f"{PREFIX}:signup:ip:{ip}", window=window) > getattr(settings, "LEARNERS_SIGNUP_IP_LIMIT", 50)
    target_limit = getattr(settings, "LEARNERS_SIGNUP_TARGET_LIMIT", 5)
    for target in targets:
        over |= count_hit(f"{PREFIX}:signup:target:{_digest(target)}", window=window) > target_limit
    return over
