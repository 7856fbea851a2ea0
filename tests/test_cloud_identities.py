"""Every AWS identity a cloud machine runs with signs hub_v1's own reads (store/aws/): static
keys, the environment, a web identity (EKS IRSA, exchanged at moto's STS), a profile of the
shared credentials file, an ECS container's endpoint and an EC2 instance role (IMDSv2), all
on 127.0.0.1. Each costs the reads the requests static keys cost (one GET per compressed
chunk, counted at a proxy in front of moto's S3), temporary credentials are fetched again
before they expire and once when S3 says a token expired, and no secret shows in an error."""

from __future__ import annotations

import uuid
from pathlib import Path

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS
from credential_endpoints import CONTAINER_PATH, CONTAINER_TOKEN, MetadataEndpoints, MotoSts
from fault_proxy import FaultProxy

IDENTITY_VARIABLES = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_ENDPOINT_URL_STS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
]  # fmt: skip
IDENTITIES = ["environment", "web_identity", "profile", "container", "instance_role"]


@pytest.fixture
def proxy(s3_endpoint):
    hub.s3(
        "hub-tests", endpoint=s3_endpoint, region="us-east-1", create_bucket=True, **S3_KEYS
    ).connect()
    with FaultProxy(int(s3_endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as running:
        yield running


@pytest.fixture
def no_identity(monkeypatch, tmp_path):
    """An environment with no AWS identity at all (not even the machine's own)."""
    for name in IDENTITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials-file"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def metadata():
    with MetadataEndpoints() as endpoints:
        yield endpoints


def _use_identity(identity: str, env, tmp_path: Path, metadata, sts_endpoint: str) -> None:
    if identity == "environment":
        env.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
        env.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    elif identity == "web_identity":
        (tmp_path / "token").write_text("a-kubernetes-service-account-token\n")
        env.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "token"))
        env.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/hub-reader")
        env.setenv("AWS_ENDPOINT_URL_STS", sts_endpoint)
    elif identity == "profile":
        (tmp_path / "credentials").write_text(
            "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n"
            "[training]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p-secret\n"
        )
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
        env.setenv("AWS_PROFILE", "training")
    elif identity == "container":
        env.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", metadata.endpoint + CONTAINER_PATH)
        (tmp_path / "container-token").write_text(CONTAINER_TOKEN)
        env.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(tmp_path / "container-token"))
    else:
        env.setenv("AWS_EC2_METADATA_DISABLED", "false")
        env.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.endpoint)


def _write_chunks(proxy: FaultProxy, prefix: str) -> np.ndarray:
    data = np.random.default_rng(0).integers(0, 9, (20, 32, 32), dtype=np.uint8)
    writer = hub.s3(
        "hub-tests", endpoint=f"http://127.0.0.1:{proxy.port}", region="us-east-1",
        prefix=prefix, **S3_KEYS,
    ).connect()  # fmt: skip
    array = writer.array("x", shape=data.shape, chunk=(1, 32, 32), dtype="uint8", compress="lz4")
    array[:] = data
    return data


def _reader(proxy: FaultProxy, prefix: str) -> hub.DataHub:
    """The store opened with no keys: whatever identity the machine has."""
    return hub.s3(
        "hub-tests", endpoint=f"http://127.0.0.1:{proxy.port}", region="us-east-1", prefix=prefix
    ).connect()


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_identity_signs_reads_that_cost_what_static_keys_cost(
    identity, proxy, no_identity, metadata, tmp_path, default_cache
):
    prefix = uuid.uuid4().hex
    data = _write_chunks(proxy, prefix)
    with MotoSts() as sts:
        _use_identity(identity, no_identity, tmp_path, metadata, sts.endpoint)
        array = _reader(proxy, prefix).open("x")
        hub.set_cache_size(0)  # every read goes to the store
        proxy.clear()
        np.testing.assert_array_equal(array[:], data)
    assert proxy.requests == {"GET": 20}, proxy.requests  # as with static keys
    (signer,) = proxy.signers  # every read signed, all by the identity's key
    expected = {
        "environment": "AKIAENVIRONMENT",
        "profile": "AKIAPROFILE",
        "container": "ASIAHUBTEST000000000",
        "instance_role": "ASIAHUBTEST000000000",
    }
    if identity == "web_identity":
        assert signer.startswith("ASIA")  # moto STS's temporary key
    else:
        assert signer == expected[identity]
    if identity == "instance_role":
        assert metadata.requests["PUT /latest/api/token"] >= 1  # IMDSv2, never v1
        assert metadata.issued == ["ASIAHUBTEST000000000"]  # fetched once, then cached


def test_credentials_about_to_expire_are_fetched_again_and_an_expired_token_once_at_once(
    proxy, no_identity, tmp_path, default_cache
):
    prefix = uuid.uuid4().hex
    data = _write_chunks(proxy, prefix)
    with MetadataEndpoints(lifetime=240) as metadata:  # inside the 5 minutes kept in hand
        _use_identity("instance_role", no_identity, tmp_path, metadata, "")
        array = _reader(proxy, prefix).open("x")
        hub.set_cache_size(0)
        before = len(metadata.issued)
        np.testing.assert_array_equal(array[:2], data[:2])
        assert len(metadata.issued) > before  # refreshed rather than used to the end
    with MetadataEndpoints(lifetime=3600) as metadata:
        _use_identity("instance_role", no_identity, tmp_path, metadata, "")
        array = _reader(proxy, prefix).open("x")
        hub.set_cache_size(0)
        (stale,) = metadata.issued
        proxy.expired_keys.add(stale)  # S3 now says that session's token expired
        proxy.clear()
        np.testing.assert_array_equal(array[:], data)
        (_, fresh) = metadata.issued  # fetched again once, however many reads were told
        assert proxy.signers[fresh] == 20  # every chunk read again, signed afresh
        assert proxy.requests["GET"] == 20 + proxy.signers[stale]


def test_no_identity_sends_unsigned_reads_and_a_broken_one_is_an_error_without_secrets(
    proxy, no_identity, tmp_path, default_cache
):
    prefix = uuid.uuid4().hex
    _write_chunks(proxy, prefix)
    proxy.clear()
    with pytest.raises(hub.errors.PermissionDeniedError, match="check the credentials"):
        _reader(proxy, prefix).open("x")  # unsigned, as for a public bucket: this one is not
    assert set(proxy.signers) == {""}

    (tmp_path / "token").write_text("secret-web-identity-token")
    no_identity.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "token"))
    no_identity.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/hub-reader")
    no_identity.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{proxy.port}/no-sts-here")
    with pytest.raises(hub.errors.StorageError, match="AssumeRoleWithWebIdentity") as raised:
        _reader(proxy, prefix)
    assert "secret-web-identity-token" not in str(raised.value)
    no_identity.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "missing-token"))
    with pytest.raises(hub.errors.StorageError, match="missing-token"):
        _reader(proxy, prefix)
