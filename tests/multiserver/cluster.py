"""Two app servers behind HAProxy for the tests (README, "Producción con varios servidores").

Each server is its own gunicorn (``cms.wsgi``) on a free port, with its own empty local folders; both share the
database, Redis and an S3-compatible server. HAProxy (Debian's package, ``make haproxy``) spreads requests round
robin and says in the ``X-Servidor`` response header which server answered; a request carrying ``X-Servidor: a``
or ``b`` goes to that server, so a test can walk a person from one server to the other through the balancer."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.s3server import free_port

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

HAPROXY_CONFIG = """\
global
    maxconn 200

defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout check 10s

frontend escuela
    bind 127.0.0.1:{lb_port}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /salud/ ver HTTP/1.1 hdr Host localhost
    http-response set-header X-Servidor %[srv_name]
    use-server a if {{ req.hdr(X-Servidor) -m str a }}
    use-server b if {{ req.hdr(X-Servidor) -m str b }}
    server a 127.0.0.1:{port_a} check inter 2s fall 10 rise 1
    server b 127.0.0.1:{port_b} check inter 2s fall 10 rise 1
"""


@dataclass
class AppServer:
    name: str
    port: int
    folders: dict[str, Path]
    process: subprocess.Popen
    log: Path

    def local_files(self) -> list[str]:
        """Files this server wrote to its own disk (H5P scratch space included): none, when all goes to the store."""
        return sorted(
            str(path.relative_to(folder))
            for folder in self.folders.values()
            for path in folder.rglob("*")
            if path.is_file()
        )


@dataclass
class Cluster:
    url: str
    servers: dict[str, AppServer]
    balancer: subprocess.Popen
    tmp: Path
    cache_prefix: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def session(self) -> requests.Session:
        return requests.Session()

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{server.log.read_text(errors='replace')[-4000:]}" for name, server in self.servers.items()
        )

    def stop(self) -> None:
        for process in [*self.processes, self.balancer]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.processes, self.balancer]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _wait(url: str, process: subprocess.Popen, *, seconds: float = 60, server: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            response = requests.get(url, headers={"Host": "localhost", "X-Servidor": server}, timeout=5)
            if response.status_code == 200 and response.headers.get("X-Servidor", "") == server:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def start_cluster(*, database_url: str, storage_env: dict[str, str], redis_url: str, credential_keys: Path) -> Cluster:
    tmp = Path(tempfile.mkdtemp(prefix="escuela-multiserver-"))
    prefix = f"multiserver-{uuid.uuid4().hex[:8]}"
    servers: dict[str, AppServer] = {}
    processes = []
    try:
        for name in ("a", "b"):
            folders = {kind: tmp / name / kind for kind in ("media", "h5p", "private")}
            for folder in folders.values():
                folder.mkdir(parents=True)
            port = free_port()
            env = {
                **os.environ,
                **storage_env,
                "DJANGO_SETTINGS_MODULE": "tests.multiserver.server_settings",
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "CACHE_KEY_PREFIX": prefix,
                "DJANGO_MEDIA_ROOT": str(folders["media"]),
                "H5P_ROOT": str(folders["h5p"]),
                "CERTIFICATES_PRIVATE_ROOT": str(folders["private"]),
                "CERTIFICATES_CREDENTIAL_KEY_DIR": str(credential_keys),
                "DJANGO_TRUSTED_PROXY_IPS": "127.0.0.1",  # HAProxy: the client's address comes in X-Forwarded-For
            }
            log = tmp / f"{name}.log"
            with open(log, "w") as handle:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "cms.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                    + ["--workers", "1", "--threads", "4", "--timeout", "60", "--graceful-timeout", "3"],
                    env=env,
                    cwd=ROOT,
                    stdout=handle,
                    stderr=handle,
                    stdin=subprocess.DEVNULL,
                )
            processes.append(process)
            servers[name] = AppServer(name=name, port=port, folders=folders, process=process, log=log)
        lb_port = free_port()
        config = tmp / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(lb_port=lb_port, port_a=servers["a"].port, port_b=servers["b"].port))
        balancer = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp
        )
        cluster = Cluster(
            url=f"http://127.0.0.1:{lb_port}",
            servers=servers,
            balancer=balancer,
            tmp=tmp,
            cache_prefix=prefix,
            processes=processes,
        )
    except BaseException:
        for process in processes:
            process.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        for server in servers.values():
            _wait(f"http://127.0.0.1:{server.port}/salud/", server.process)
        for name in servers:  # both behind the balancer (its health checks passed)
            _wait(f"{cluster.url}/salud/", balancer, server=name)
    except BaseException:
        logs = cluster.logs()
        cluster.stop()
        raise RuntimeError(logs) from None
    return cluster
