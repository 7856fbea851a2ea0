"""Cloud connections: ``hub.s3(...)`` and ``hub.gs(...)``, and ``hub.connect(url)``.

Credentials are read here and handed once to the engine; they are never logged, never shown in
a repr or an error, and never pickled: a connection pickles as where its credentials come
from (a file path, or the environment), so spawned workers read them afresh.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError, NotFoundError


def _read_aws_credentials(path: str, profile: str | None) -> dict[str, str]:
    """The engine's reading of an AWS credentials file (hub/store_url.h): an INI file, first
    profile or `profile`, or a JSON object, with ``aws_access_key_id`` and
    ``aws_secret_access_key`` and optionally ``bucket``/``region``. A file that names no usable
    keys is an error naming the file and what is missing (never a value): the identity asked
    for is never silently replaced by the environment's."""
    return dict(_core.read_aws_credentials(str(path), profile or ""))


def _read_tuning(hedge_after: float | None, max_staleness: float) -> tuple[float, float]:
    """Checks the cloud read options: `hedge_after` (seconds before a slow read gets a second,
    identical request; None: never) and `max_staleness` (seconds a cached chunk is used without
    asking the store whether it changed; 0: always ask)."""
    hedge = 0.0 if hedge_after is None else float(hedge_after)
    if not hedge >= 0 or (hedge_after is not None and hedge == 0):
        raise InvalidArgumentError(f"hedge_after must be seconds > 0 or None, got {hedge_after!r}")
    staleness = float(max_staleness)
    if not staleness >= 0:
        raise InvalidArgumentError(f"max_staleness must be seconds >= 0, got {max_staleness!r}")
    return hedge, staleness


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
    ) -> None:
        file_keys = _read_aws_credentials(aws_creds_filepath, profile) if aws_creds_filepath else {}
        self.bucket = bucket or file_keys.get("bucket", "")
        if not self.bucket:
            raise InvalidArgumentError("hub.s3() needs a bucket name")
        self._key_id = aws_access_key_id or file_keys.get("aws_access_key_id", "")
        self._secret = aws_secret_access_key or file_keys.get("aws_secret_access_key", "")
        if bool(self._key_id) != bool(self._secret):
            raise InvalidArgumentError("pass both aws_access_key_id and aws_secret_access_key")
        self._creds_file = aws_creds_filepath
        self._explicit_keys = bool(aws_access_key_id)
        self._profile = profile
        self.region = region or file_keys.get("region", "")
        self.endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL", "")
        self.prefix = prefix.strip("/")
        self.max_attempts = max_attempts
        self.requests_in_flight = requests_in_flight
        self.create_bucket = create_bucket
        self.hedge_after, self.max_staleness = _read_tuning(hedge_after, max_staleness)

    def connect(self) -> DataHub:
        store = _core.s3_store(
            self.bucket,
            self.prefix,
            self._key_id,
            self._secret,
            self.region,
            self.endpoint,
            self.max_attempts,
            self.requests_in_flight,
            self.create_bucket,
            self.hedge_after,
            self.max_staleness,
        )
        return DataHub(store, self)

    def spec(self) -> tuple[str, Any]:
        if self._explicit_keys:
            raise InvalidArgumentError(
                "an S3 connection made with explicit keys cannot be sent to another process "
                "(hub_v1 never pickles secrets); pass aws_creds_filepath= or use the "
                "environment's AWS credentials, or fork the workers"
            )
        return (
            "s3",
            {
                "bucket": self.bucket,
                "aws_creds_filepath": self._creds_file,
                "profile": self._profile,
                "region": self.region,
                "endpoint": self.endpoint,
                "prefix": self.prefix,
                "max_attempts": self.max_attempts,
                "requests_in_flight": self.requests_in_flight,
                "hedge_after": self.hedge_after or None,
                "max_staleness": self.max_staleness,
            },
        )

    def __repr__(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"hub_v1.s3({where!r}{endpoint})"


class GcsConnection:
    """A Google Cloud Storage bucket (or fake-gcs-server via `endpoint` /
    ``STORAGE_EMULATOR_HOST``)."""

    def __init__(
        self,
        bucket: str,
        creds_path: str | None = None,
        endpoint: str | None = None,
        prefix: str = "",
        project_id: str | None = None,
        max_attempts: int = 6,
        requests_in_flight: int = 32,
        hedge_after: float | None = None,
        max_staleness: float = 0.0,
    ) -> None:
        if not bucket:
            raise InvalidArgumentError("hub.gs() needs a bucket name")
        self.bucket = bucket
        self._creds_path = creds_path
        self.endpoint = endpoint or os.environ.get("STORAGE_EMULATOR_HOST", "")
        self.prefix = prefix.strip("/")
        self.project_id = project_id or ""
        self.max_attempts = max_attempts
        self.requests_in_flight = requests_in_flight
        self.hedge_after, self.max_staleness = _read_tuning(hedge_after, max_staleness)

    def connect(self) -> DataHub:
        key = ""
        if self._creds_path:
            try:
                key = Path(self._creds_path).expanduser().read_text()
            except FileNotFoundError:
                raise NotFoundError(f"no credentials file at {self._creds_path!r}") from None
        anonymous = not key and bool(self.endpoint)  # emulators take no credentials
        store = _core.gcs_store(
            self.bucket,
            self.prefix,
            key,
            self.endpoint,
            anonymous,
            self.project_id,
            self.max_attempts,
            self.requests_in_flight,
            self.hedge_after,
            self.max_staleness,
        )
        return DataHub(store, self)

    def spec(self) -> tuple[str, Any]:
        return (
            "gs",
            {
                "bucket": self.bucket,
                "creds_path": self._creds_path,
                "endpoint": self.endpoint,
                "prefix": self.prefix,
                "max_attempts": self.max_attempts,
                "requests_in_flight": self.requests_in_flight,
                "hedge_after": self.hedge_after or None,
                "max_staleness": self.max_staleness,
            },
        )

    def __repr__(self) -> str:
        where = f"gs://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"hub_v1.gs({where!r}{endpoint})"


def s3(bucket: str | None = None, **kwargs: Any) -> S3Connection:
    """Connect to S3: ``hub.s3("bucket", aws_creds_filepath="~/.aws/credentials").connect()``.

    Credentials come from `aws_creds_filepath` (an AWS credentials INI file, first profile or
    `profile`, or a JSON file with ``aws_access_key_id``, ``aws_secret_access_key`` and
    optionally ``bucket``), from explicit keys, or else from the standard AWS chain
    (environment, ``~/.aws``, instance metadata). `endpoint` points at MinIO or any
    S3-compatible server. Requests are retried with backoff, `max_attempts` at most; reads
    and writes keep `requests_in_flight` chunk requests open at once (raise it on links with
    high latency: throughput is about requests_in_flight x chunk size / round-trip time).

    Reads are one request each: a cached chunk is revalidated with a conditional GET
    (``If-None-Match`` on its ETag) answered "not modified", or not at all while younger
    than `max_staleness` seconds (default 0: always ask; other writers' changes are then
    seen on the next read). `hedge_after` (seconds, default off) sends a second, identical
    request for a read that has had no answer for that long; the first answer wins.
    """
    return S3Connection(bucket, **kwargs)


def gs(bucket: str, **kwargs: Any) -> GcsConnection:
    """Connect to Google Cloud Storage: ``hub.gs("bucket", creds_path="key.json").connect()``.

    `creds_path` is a service-account JSON key; without it, Application Default Credentials
    apply (or none, against an emulator given by `endpoint` or ``STORAGE_EMULATOR_HOST``).
    `max_attempts`, `requests_in_flight`, `hedge_after` and `max_staleness` are as for
    :func:`s3` (revalidation uses the object's generation).
    """
    return GcsConnection(bucket, **kwargs)


def connect(url: str, **kwargs: Any) -> DataHub:
    """One entry point for every store: ``s3://bucket/prefix``, ``gs://bucket/prefix``,
    ``file:///path`` or a plain path, and ``memory://``; `kwargs` go to the connection.
    URLs are parsed by the engine (``hub::ParseStoreUrl``), as C++ programs parse them."""
    from hub_v1.connections import fs, memory

    scheme, path, bucket, prefix = _core.parse_store_url(url)
    if scheme == "s3":
        return s3(bucket, prefix=prefix, **kwargs).connect()
    if scheme == "gs":
        return gs(bucket, prefix=prefix, **kwargs).connect()
    if scheme == "memory":
        return memory().connect()
    return fs(path, **kwargs).connect()
