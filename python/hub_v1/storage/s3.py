"""S3 and S3-compatible servers: ``hub.s3(bucket, ...).connect()``.

Credentials are read by the engine (hub::ReadAwsCredentialsFile and the credential chain in
cpp/src/store/aws/, the rules C++ programs get too); they are never logged, shown in a repr
or an error, or pickled: a connection pickles as where its credentials come from (a file
path, or the machine's identity).
"""

from __future__ import annotations

import functools
import os
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError
from hub_v1.storage.cloud_reads import (
    DEFAULT_DISK_CACHE_SIZE,
    checked_count,
    checked_flag,
    checked_path,
    checked_read_options,
    checked_text,
)


def _bucket_named_by(path: str, profile: str | None) -> str:
    """The bucket an AWS credentials file names ("" if none), reading it as the engine will
    when the store opens: an unusable file (no keys, no such profile) is an error here
    already. Errors name the file and what is missing, never a value."""
    return dict(_core.read_aws_credentials(str(path), profile or "")).get("bucket", "")


class S3Connection:
    """An S3 bucket (or any S3-compatible server through `endpoint` / ``AWS_ENDPOINT_URL``)."""

    def __init__(
        self,
        bucket: str | None = None,
        aws_creds_filepath: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        prefix: str = "",
        profile: str | None = None,
        max_attempts: int = 6,
        requests_in_flight: int = 32,
        create_bucket: bool = False,
        hedge_after: float | None = None,
        max_staleness: float = 0.0,
        request_timeout: float = 30.0,
        min_bytes_per_second: float = 256 * 1024.0,
        disk_cache: str | os.PathLike[str] | None = None,
        disk_cache_size: int = DEFAULT_DISK_CACHE_SIZE,
    ) -> None:
        # Every argument is checked before any reaches the engine (see cloud_reads).
        aws_access_key_id = checked_text("aws_access_key_id", aws_access_key_id, secret=True)
        aws_secret_access_key = checked_text(
            "aws_secret_access_key", aws_secret_access_key, secret=True
        )
        self.reads = checked_read_options(
            hedge_after,
            max_staleness,
            request_timeout,
            min_bytes_per_second,
            disk_cache=disk_cache,
            disk_cache_size=disk_cache_size,
        )
        self.max_attempts = checked_count("max_attempts", max_attempts, 1, 100)
        self.requests_in_flight = checked_count("requests_in_flight", requests_in_flight, 1, 1024)
        self.create_bucket = checked_flag("create_bucket", create_bucket)
        creds_file = checked_path("aws_creds_filepath", aws_creds_filepath)
        profile = checked_text("profile", profile) or None
        # Which keys sign, the file's or the environment's, and the endpoint by default, are
        # the engine's rules (hub::OpenStore); the file is read here for its bucket only.
        file_bucket = _bucket_named_by(creds_file, profile) if creds_file else ""
        self.bucket = checked_text("bucket", bucket) or file_bucket
        if not self.bucket:
            raise InvalidArgumentError("hub.s3() needs a bucket name")
        if bool(aws_access_key_id) != bool(aws_secret_access_key):
            raise InvalidArgumentError("pass both aws_access_key_id and aws_secret_access_key")
        self._key_id = aws_access_key_id
        self._secret = aws_secret_access_key
        self._creds_file = creds_file or None
        self._explicit_keys = bool(aws_access_key_id)
        self._profile = profile
        self.region = checked_text("region", region)
        self.endpoint = checked_text("endpoint", endpoint)
        self.prefix = checked_text("prefix", prefix).strip("/")

    def connect(self) -> DataHub:
        options = _core.StoreOptions(
            aws_access_key_id=self._key_id,
            aws_secret_access_key=self._secret,
            aws_credentials_file=self._creds_file or "",
            aws_profile=self._profile or "",
            region=self.region,
            endpoint=self.endpoint,
            max_attempts=self.max_attempts,
            requests_in_flight=self.requests_in_flight,
            create_bucket=self.create_bucket,
            **self.reads.engine_arguments(),
        )
        store = _core.open_bucket("s3", self.bucket, self.prefix, options)
        return DataHub(store, self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as where the store is and where its credentials come from (a file, or the
        environment), never as keys: a spawned process reads them afresh."""
        if self._explicit_keys:
            raise InvalidArgumentError(
                "an S3 connection made with explicit keys cannot be sent to another process "
                "(hub_v1 never pickles secrets); pass aws_creds_filepath= or use the "
                "environment's AWS credentials, or fork the workers"
            )
        options: dict[str, Any] = {
            "bucket": self.bucket,
            "aws_creds_filepath": self._creds_file,
            "profile": self._profile,
            "region": self.region,
            "endpoint": self.endpoint,
            "prefix": self.prefix,
            "max_attempts": self.max_attempts,
            "requests_in_flight": self.requests_in_flight,
            **self.reads.connection_arguments(),
        }
        return (functools.partial(S3Connection, **options), ())

    def __repr__(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"hub_v1.s3({where!r}{endpoint})"


def s3(bucket: str | None = None, **kwargs: Any) -> S3Connection:
    """Connect to S3: ``hub.s3("bucket", aws_creds_filepath="~/.aws/credentials").connect()``.

    Credentials come from `aws_creds_filepath` (an AWS credentials INI file, first profile or
    `profile`, or a JSON file with ``aws_access_key_id``, ``aws_secret_access_key`` and
    optionally ``bucket``), from explicit keys, or else from the machine's identity, found as
    AWS's SDKs find it: the environment's keys, a web identity (EKS IRSA), a profile of
    ``~/.aws/credentials`` (``AWS_PROFILE``), an ECS task's or an EC2 instance's role
    (IMDSv2); temporary credentials are fetched again before they expire (see
    docs/storage.md). Workers of a DataLoader or an ingest find it again themselves.
    `endpoint` points at MinIO or any
    S3-compatible server. Requests are retried with backoff, `max_attempts` at most; reads
    and writes keep `requests_in_flight` chunk requests open at once (raise it on links with
    high latency: throughput is about requests_in_flight x chunk size / round-trip time).

    Reads are one request each: a cached chunk is revalidated with a conditional GET
    (``If-None-Match`` on its ETag) answered "not modified", or not at all while younger
    than `max_staleness` seconds (default 0: always ask; other writers' changes are then
    seen on the next read). `hedge_after` (seconds, default off) sends a second, identical
    request for a read that has not finished after that long; the first to finish wins.
    Every request has a deadline, `request_timeout` seconds (default 30) plus its bytes at
    `min_bytes_per_second` (default 256 KiB/s), so a server that trickles bytes cannot hold a
    read for hours; a request past it is retried like a dropped connection.

    ``disk_cache="/path"`` keeps what reads bring back in a folder on local disk, shared by
    the processes of a node (a training job's ranks and workers), at most `disk_cache_size`
    bytes (default 10 GiB, least recently used entries evicted): later epochs read from it,
    each entry confirmed by a conditional request (none within `max_staleness`). See
    docs/storage.md.
    """
    return S3Connection(bucket, **kwargs)
