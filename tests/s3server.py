"""An S3-compatible server for the tests, started as its own process on a free port (README, "Producción con
varios servidores"). No S3 server that stores objects for real (MinIO, Garage, SeaweedFS, Ceph) installs from the
registries reachable here (PyPI, npm, Debian), so this is moto's S3 server: a protocol emulator that answers the
same HTTP API (signed requests, multipart uploads, listings, presigned URLs) that boto3 and django-storages use.
The code under test only ever sees an endpoint, a bucket and a key pair, exactly as with a real provider."""

import json
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field

import boto3

ACCESS_KEY, SECRET_KEY, REGION = "escuela-test", "escuela-test-secret", "us-east-1"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    buckets: list[str] = field(default_factory=list)

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self, prefix: str = "escuela") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        self.buckets.append(name)
        return name

    def allow_public_read(self, bucket: str, prefix: str) -> None:
        """The bucket policy of README "Almacenamiento de objetos": anyone may read ``prefix*``, nothing else."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LecturaPublica",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*"],
                }
            ],
        }
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def environment(self, bucket: str) -> dict[str, str]:
        """The variables that point cms.settings at ``bucket`` (as in production, README)."""
        return {
            "DJANGO_STORAGE": "s3",
            "DJANGO_S3_BUCKET": bucket,
            "DJANGO_S3_ENDPOINT_URL": self.endpoint,
            "DJANGO_S3_REGION": REGION,
            "DJANGO_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "DJANGO_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def storages(self, bucket: str) -> dict[str, dict]:
        """STORAGES entries for ``bucket``, for override_settings in this process."""
        from cms.storage_settings import s3_storages

        return s3_storages(
            bucket=bucket, endpoint_url=self.endpoint, region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_s3_server(*, attempts: int = 3) -> S3Server:
    """Start moto's S3 server on a free port and wait until it answers."""
    for _ in range(attempts):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = S3Server(endpoint=f"http://127.0.0.1:{port}", process=process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.client().list_buckets()
                return server
            except Exception:  # not listening yet
                time.sleep(0.1)
        server.stop()
    raise RuntimeError("moto's S3 server did not start")
