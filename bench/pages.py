"""Page weight, query count and render time of the learner-facing pages, on the demo content.

Run with `make bench-pages`. Builds a throwaway SQLite database with the demo, then prints one line per
figure as `name: value unit`. Weights count the HTML plus every stylesheet, script and image the page links
(uncompressed and gzip-compressed, as a server with compression would send them).
"""

import gzip
import os
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = 20


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in ("stylesheet", "icon"):
            self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def fetch(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def measure(client, name, url, with_media):
    html = fetch(client, url)
    parser = Assets()
    parser.feed(html.decode())
    raw, compressed = len(html), len(gzip.compress(html))
    for asset in parser.urls:
        if not with_media and asset.startswith(settings.MEDIA_URL):
            continue
        body = fetch(client, asset)
        raw += len(body)
        compressed += len(body) if asset.endswith((".webp", ".png", ".jpg")) else len(gzip.compress(body))
    with CaptureQueriesContext(connection) as queries:
        fetch(client, url)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fetch(client, url)
        timings.append(time.perf_counter() - start)
    print(f"{name}_weight: {raw / 1024:.1f} KB")
    print(f"{name}_weight_gzip: {compressed / 1024:.1f} KB")
    print(f"{name}_queries: {len(queries)} queries")
    print(f"{name}_render_median: {statistics.median(timings) * 1000:.1f} ms")


def main():
    with override_settings(DEBUG=True):
        call_command("migrate", verbosity=0)
        call_command("load_demo_data", stdout=StringIO())
        from django.urls import path
        from django.views.static import serve

        import cms.urls
        from courses.models import CoursePage, LessonPage

        cms.urls.urlpatterns.insert(0, path("media/<path:path>", serve, {"document_root": str(settings.MEDIA_ROOT)}))
        client = Client()
        course = CoursePage.objects.live().first()
        lesson = LessonPage.objects.live().descendant_of(course).first()
        measure(client, "home", "/", with_media=True)
        measure(client, "catalogue", "/cursos/", with_media=True)
        measure(client, "course", course.url, with_media=False)
        measure(client, "lesson", lesson.url, with_media=False)
        measure(client, "search", "/cursos/?q=junta+de+vecinos", with_media=True)


if __name__ == "__main__":
    main()
