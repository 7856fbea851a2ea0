"""Google Cloud Storage (and fake-gcs-server): ``hub.gs(bucket, ...).connect()``."""

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
        request_timeout: float = 30.0,
        min_bytes_per_second: float = 256 * 1024.0,
        self_signed_jwt: bool = False,
        disk_cache: str | os.PathLike[str] | None = None,
        disk_cache_size: int = DEFAULT_DISK_CACHE_SIZE,
    ) -> None:
        # Every argument is checked before any reaches the engine (see cloud_reads).
        self.bucket = checked_text("bucket", bucket)
        if not self.bucket:
            raise InvalidArgumentError("hub.gs() needs a bucket name")
        self._creds_path = checked_path("creds_path", creds_path) or None
        self.endpoint = checked_text("endpoint", endpoint)  # "": $STORAGE_EMULATOR_HOST
        self.prefix = checked_text("prefix", prefix).strip("/")
        self.project_id = checked_text("project_id", project_id)
        self.self_signed_jwt = checked_flag("self_signed_jwt", self_signed_jwt)
        self.max_attempts = checked_count("max_attempts", max_attempts, 1, 100)
        self.requests_in_flight = checked_count("requests_in_flight", requests_in_flight, 1, 1024)
        self.reads = checked_read_options(
            hedge_after,
            max_staleness,
            request_timeout,
            min_bytes_per_second,
            disk_cache=disk_cache,
            disk_cache_size=disk_cache_size,
        )

    def connect(self) -> DataHub:
        # The engine reads the key file and chooses the identity (hub::OpenStore's rules:
        # the key given, else the token chain; none against an emulator).
        options = _core.StoreOptions(
            gcs_credentials_file=self._creds_path or "",
            gcs_self_signed_jwt=self.self_signed_jwt,
            endpoint=self.endpoint,
            project_id=self.project_id,
            max_attempts=self.max_attempts,
            requests_in_flight=self.requests_in_flight,
            **self.reads.engine_arguments(),
        )
        store = _core.open_bucket("gs", self.bucket, self.prefix, options)
        return DataHub(store, self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as where the store is and the credentials file's path, never its key."""
        options: dict[str, Any] = {
            "bucket": self.bucket,
            "creds_path": self._creds_path,
            "endpoint": self.endpoint,
            "prefix": self.prefix,
            "project_id": self.project_id,
            "self_signed_jwt": self.self_signed_jwt,
            "max_attempts": self.max_attempts,
            "requests_in_flight": self.requests_in_flight,
            **self.reads.connection_arguments(),
        }
        return (functools.partial(GcsConnection, **options), ())

    def __repr__(self) -> str:
        where = f"gs://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"hub_v1.gs({where!r}{endpoint})"


def gs(bucket: str, **kwargs: Any) -> GcsConnection:
    """Connect to Google Cloud Storage: ``hub.gs("bucket", creds_path="key.json").connect()``.

    `creds_path` is a service-account JSON key (hub_v1 signs its RS256 JWT and exchanges it
    for access tokens, fetched again before they expire); without it, Application Default
    Credentials apply (``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's, the metadata server), or
    none against an emulator given by `endpoint` or ``STORAGE_EMULATOR_HOST``. With
    ``self_signed_jwt=True`` a service-account key signs its own tokens (JWTs for the storage
    API, an hour each) instead of exchanging one at its ``token_uri``: no token endpoint is
    asked, as on machines that cannot reach it.
    `max_attempts`, `requests_in_flight`, `hedge_after`, `max_staleness`,
    `request_timeout`, `min_bytes_per_second`, `disk_cache` and `disk_cache_size` are as for
    :func:`s3` (revalidation uses the object's generation).
    """
    return GcsConnection(bucket, **kwargs)
