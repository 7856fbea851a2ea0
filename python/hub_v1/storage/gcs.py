"""Google Cloud Storage (and fake-gcs-server): ``hub.gs(bucket, ...).connect()``."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError, NotFoundError
from hub_v1.storage.cloud_reads import checked_read_options


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
        self.hedge_after, self.max_staleness = checked_read_options(hedge_after, max_staleness)

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as where the store is and the credentials file's path, never its key."""
        options: dict[str, Any] = {
            "bucket": self.bucket,
            "creds_path": self._creds_path,
            "endpoint": self.endpoint,
            "prefix": self.prefix,
            "project_id": self.project_id,
            "max_attempts": self.max_attempts,
            "requests_in_flight": self.requests_in_flight,
            "hedge_after": self.hedge_after or None,
            "max_staleness": self.max_staleness,
        }
        return (functools.partial(GcsConnection, **options), ())

    def __repr__(self) -> str:
        where = f"gs://{self.bucket}/{self.prefix}".rstrip("/")
        endpoint = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"hub_v1.gs({where!r}{endpoint})"


def gs(bucket: str, **kwargs: Any) -> GcsConnection:
    """Connect to Google Cloud Storage: ``hub.gs("bucket", creds_path="key.json").connect()``.

    `creds_path` is a service-account JSON key; without it, Application Default Credentials
    apply (or none, against an emulator given by `endpoint` or ``STORAGE_EMULATOR_HOST``).
    `max_attempts`, `requests_in_flight`, `hedge_after` and `max_staleness` are as for
    :func:`s3` (revalidation uses the object's generation).
    """
    return GcsConnection(bucket, **kwargs)
