"""How H5P files are best served from an object store (README, "Producción con varios servidores"): streamed by
the site, or redirected to a short-lived signed address of the store.

The player of one activity loads about 20 files (content.json, media, the libraries' JS and CSS). This measures,
per file, against the tests' S3 server (moto, on this machine) and the local file system:

- ``h5p_stream_s3_ms``: what the view does with the store (open: one HEAD; read: one GET, pooled connection);
- ``h5p_stream_local_ms``: the same on the local file system (one server, development);
- ``h5p_sign_ms``: the site's work for a redirect instead (signing the address, no request to the store);
- ``h5p_signed_fetch_ms``: what the phone then does on top of the redirect's round trip to the site: a new
  connection to the store's origin and the GET (a real phone adds TLS and its network latency to each).

Wall-clock figures are noisy on a shared machine; CPU time of this process is printed too.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.test import override_settings  # noqa: E402

from courses import h5p_files  # noqa: E402
from tests.s3server import start_s3_server  # noqa: E402

FILES = 20
ROUNDS = 10
SIZE = 12 * 1024  # a typical library script or content.json


def stream_all(names):
    for name in names:
        handle = h5p_files.open_file("libraries/H5P.Bench-1.0.0-0000", name)
        handle.read()
        handle.close()


def main():
    server = start_s3_server()
    try:
        bucket = server.new_bucket("bench")
        names = [f"js/archivo-{n}.js" for n in range(FILES)]
        with override_settings(STORAGES={"default": {}, **server.storages(bucket)}):
            store = h5p_files.storage()
            for name in names:
                store.save(f"libraries/H5P.Bench-1.0.0-0000/{name}", ContentFile(b"x" * SIZE))
            stream_all(names)  # warm the connection pool
            cpu, wall = time.process_time(), []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                stream_all(names)
                wall.append((time.perf_counter() - start) * 1000 / FILES)
            stream_cpu = (time.process_time() - cpu) * 1000 / (ROUNDS * FILES)
            s3_stream = statistics.median(wall)

            cpu, wall, urls = time.process_time(), [], []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                urls = [store.url(f"libraries/H5P.Bench-1.0.0-0000/{name}") for name in names]
                wall.append((time.perf_counter() - start) * 1000 / FILES)
            sign = statistics.median(wall)
            sign_cpu = (time.process_time() - cpu) * 1000 / (ROUNDS * FILES)

            wall = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                for url in urls:
                    with requests.Session() as phone:  # a new connection to another origin, as after a redirect
                        if phone.get(url, timeout=30).status_code != 200:
                            raise RuntimeError(url)
                wall.append((time.perf_counter() - start) * 1000 / FILES)
            fetch = statistics.median(wall)

        with tempfile.TemporaryDirectory() as folder, override_settings(H5P_ROOT=folder, STORAGES={"default": {}}):
            local = FileSystemStorage(location=folder)
            for name in names:
                local.save(f"libraries/H5P.Bench-1.0.0-0000/{name}", ContentFile(b"x" * SIZE))
            wall = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                stream_all(names)
                wall.append((time.perf_counter() - start) * 1000 / FILES)
            local_stream = statistics.median(wall)
    finally:
        server.stop()
    print(f"h5p_stream_s3_ms: {s3_stream:.2f} ms")
    print(f"h5p_stream_s3_cpu_ms: {stream_cpu:.2f} ms")
    print(f"h5p_stream_local_ms: {local_stream:.3f} ms")
    print(f"h5p_sign_ms: {sign:.3f} ms")
    print(f"h5p_sign_cpu_ms: {sign_cpu:.3f} ms")
    print(f"h5p_signed_fetch_ms: {fetch:.2f} ms")


if __name__ == "__main__":
    main()
