"""Every identity a cloud machine runs with signs hub_v1's own reads. AWS (store/aws/): static
keys, the environment, a web identity (EKS IRSA, exchanged at moto's STS), a profile of the
shared credentials file, an ECS container's endpoint and an EC2 instance role (IMDSv2). GCS
(store/gcs/): a service-account key, its RS256 JWT exchanged at a token endpoint that checks
the signature. All on 127.0.0.1. Each costs the reads that static keys (or anonymous reads)
cost, one GET per compressed chunk, counted at a proxy in front of moto's S3 and
fake-gcs-server; temporary credentials are fetched again before they expire and once when
the service says they expired, and no secret shows in an error."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS
from credential_endpoints import (
    CONTAINER_PATH,
    CONTAINER_TOKEN,
    MetadataEndpoints,
    MotoSts,
    OAuthTokenEndpoint,
    jwt_claims,
    signed_jwt_problem,
)
from fault_proxy import FaultProxy

IDENTITY_VARIABLES = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_ENDPOINT_URL_STS", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
]  # fmt: skip
IDENTITIES = [
    "environment", "web_identity", "profile", "credential_process", "container", "instance_role"
]  # fmt: skip
PROCESS_CREDENTIALS = {
    "Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "process-secret",
    "SessionToken": "process-token", "Expiration": "2999-01-01T00:00:00Z",
}  # fmt: skip


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
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config-file"))
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
    elif identity == "credential_process":  # in the config file, as `aws configure` puts it
        script = tmp_path / "print_credentials.py"
        script.write_text(f"import json\nprint(json.dumps({PROCESS_CREDENTIALS!r}))\n")
        (tmp_path / "config").write_text(
            f"[profile training]\ncredential_process = {sys.executable} {script}\n"
        )
        env.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
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
        "credential_process": "ASIAPROCESS",
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


def test_a_broken_identity_is_an_error_without_secrets(proxy, no_identity, metadata, tmp_path):
    prefix = uuid.uuid4().hex
    # Something that answers where the metadata service would be, but is none (a proxy or a
    # firewall's 403): no instance role, no error.
    no_identity.setenv("AWS_EC2_METADATA_DISABLED", "false")
    no_identity.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.endpoint + "/not-imds")
    _reader(proxy, prefix)
    assert metadata.requests["PUT /not-imds/latest/api/token"] >= 1 and metadata.issued == []
    no_identity.setenv("AWS_EC2_METADATA_DISABLED", "true")

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
    no_identity.delenv("AWS_WEB_IDENTITY_TOKEN_FILE")

    # A profile whose credential_process fails, or that takes SSO, which the chain cannot
    # take: errors naming the profile, never what the process printed.
    config = tmp_path / "config"
    no_identity.setenv("AWS_CONFIG_FILE", str(config))
    no_identity.setenv("AWS_PROFILE", "broken")
    config.write_text("[profile broken]\ncredential_process = sh -c 'echo leaked-secret; exit 2'\n")
    with pytest.raises(hub.errors.StorageError, match=r"profile 'broken'.*status 2") as raised:
        _reader(proxy, prefix)
    assert "leaked-secret" not in str(raised.value)
    config.write_text("[profile broken]\nsso_session = corp\nsso_account_id = 1\n")
    with pytest.raises(hub.errors.StorageError, match=r"SSO.*credential_process"):
        _reader(proxy, prefix)


EMAIL = "reader@hub-tests.iam.gserviceaccount.com"


def _key_file(tmp_path: Path, key: Any, token_uri: str, email: str = EMAIL) -> Path:
    """A service-account key file holding `key` (an RSA private key) and `token_uri`."""
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    fields = {
        "type": "service_account",
        "project_id": "hub-tests",
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": email,
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(fields))
    return path


def test_a_google_service_account_signs_reads_that_cost_what_anonymous_ones_cost(
    gcs_endpoint, tmp_path, default_cache
):
    from cryptography.hazmat.primitives.asymmetric import rsa

    prefix = uuid.uuid4().hex
    data = np.random.default_rng(1).integers(0, 9, (20, 32, 32), dtype=np.uint8)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with (
        FaultProxy(int(gcs_endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy,
        OAuthTokenEndpoint(EMAIL, key.public_key()) as tokens,
    ):
        endpoint = f"http://127.0.0.1:{proxy.port}"
        writer = hub.gs("hub-tests", endpoint=endpoint, prefix=prefix).connect()  # anonymous
        array = writer.array(
            "x", shape=data.shape, chunk=(1, 32, 32), dtype="uint8", compress="lz4"
        )
        array[:] = data
        key_file = _key_file(tmp_path, key, tokens.token_uri)
        reader = hub.gs("hub-tests", endpoint=endpoint, prefix=prefix, creds_path=str(key_file))
        opened = reader.connect().open("x")
        hub.set_cache_size(0)
        proxy.clear()
        np.testing.assert_array_equal(opened[:], data)
        assert proxy.requests == {"GET": 20}, proxy.requests  # as anonymous reads
        assert dict(proxy.signers) == {"ya29.test-0": 20}  # every read, one token
        assert tokens.issued == ["ya29.test-0"] and tokens.refused == []

        other = _key_file(tmp_path, key, tokens.token_uri, email="intruder@example.com")
        with pytest.raises(hub.errors.StorageError, match="access token") as raised:
            hub.gs("hub-tests", endpoint=endpoint, prefix=prefix, creds_path=str(other)).connect()
        assert "PRIVATE KEY" not in str(raised.value)
        assert tokens.refused == ["wrong issuer or audience"]

        # Self-signed: the key signs a JWT for the storage API and sends it as the token; the
        # token endpoint is never asked.
        key_file = _key_file(tmp_path, key, tokens.token_uri)  # the reader's again
        self_signed = hub.gs(
            "hub-tests", endpoint=endpoint, prefix=prefix, creds_path=str(key_file),
            self_signed_jwt=True,
        ).connect().open("x")  # fmt: skip
        proxy.clear()
        np.testing.assert_array_equal(self_signed[:], data)
        ((jwt, count),) = proxy.signers.items()  # one token signs every read
        assert count == 20
        problem = signed_jwt_problem(
            jwt, key.public_key(), EMAIL, "https://storage.googleapis.com/"
        )
        assert problem is None, problem
        assert jwt_claims(jwt)["sub"] == EMAIL
        assert tokens.issued == ["ya29.test-0"]  # no exchange since the first reader's


def test_an_instance_role_signs_every_request(
    proxy, no_identity, metadata, tmp_path, default_cache
):
    _use_identity("instance_role", no_identity, tmp_path, metadata, "")
    datahub = _reader(proxy, uuid.uuid4().hex)
    data = np.arange(20 * 16, dtype=np.int32).reshape(20, 16)
    proxy.clear()
    array = datahub.array("x", shape=data.shape, chunk=(4, 16), dtype="int32")
    array[:] = data
    puts = [path for method, path, status in proxy.answered if method == "PUT" and status == 200]
    assert len(puts) == 2 + 5  # the root group's and the array's zarr.json, 5 chunks
    # Every request, listings included, goes through hub_v1's client, signed by the role.
    assert any("list-type=2" in path for _, path, _ in proxy.answered)
    assert proxy.signers == {"ASIAHUBTEST000000000": len(proxy.answered)}, proxy.signers
    np.testing.assert_array_equal(datahub.open("x")[:], data)
    proxy.clear()
    datahub.delete("x")  # ends with one listing and one batched DeleteObjects
    assert [method for method, _, _ in proxy.answered][-2:] == ["GET", "POST"], proxy.answered
    assert proxy.signers == {"ASIAHUBTEST000000000": len(proxy.answered)}, proxy.signers
    assert "x" not in datahub.list()
    assert datahub.node_kind("x") == "missing"
