"""Hostile cloud servers: a server (or a proxy) that answers with other bytes than asked, says
"not modified" to what it was never asked, drops versions, trickles, streams without end or
echoes secrets must never make hub_v1 return wrong data, crash, hang, grow without bound or
show a secret. Each class is tried with many members, on both clouds' read paths.
"""

from __future__ import annotations

import pickle
import resource
import time
import traceback
import uuid

import hub_v1 as hub
import numpy as np
import pytest
from hostile_object_server import Answer, HostileObjectServer, Request, endless
from hub_v1.errors import CorruptChunkError, InvalidArgumentError, StorageError

CLOUDS = ["s3", "gcs"]
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-0123456789"
ROWS = np.arange(8 * 16, dtype=np.uint16).reshape(8, 16)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _objects(shard: bool, compress: str = "default", values=ROWS) -> dict[str, bytes]:
    """The stored objects of a (8, 16) uint16 array "a" of one row per chunk, sharded or not."""
    template = hub.memory().connect()
    array = template.array(
        "a",
        shape=(8, 16),
        chunk=(1, 16),
        shard=(8, 16) if shard else None,
        dtype="uint16",
        compress=compress,
    )
    array[:] = values
    store = template._store
    return {key: store.get(key) for key in store.list("")}


def _datahub(server: HostileObjectServer, cloud: str, **options) -> hub.DataHub:
    # A bucket name of its own, so that nothing another test cached is revalidated here.
    bucket = f"hostile-{uuid.uuid4().hex[:12]}"
    if cloud == "s3":
        return hub.s3(
            bucket,
            endpoint=server.endpoint,
            region="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key=SECRET,
            **options,
        ).connect()
    return hub.gs(bucket, endpoint=server.endpoint, **options).connect()


@pytest.fixture
def serve():
    servers = []

    def start(objects: dict[str, bytes]) -> HostileObjectServer:
        servers.append(HostileObjectServer(objects))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _is_chunk(request: Request) -> bool:
    return not request.key.endswith("zarr.json")


# ---------------------------------------------------------------------------------------------
# Wrong data, silently: a 206 for another range


RANGE_LIES = {
    # another range, honestly labelled: per-chunk checksums cannot catch it
    "next_chunk": lambda body, first, last, total: (first + 36, last + 36, total, None),
    "previous_chunk": lambda body, first, last, total: (first - 36, last - 36, total, None),
    "shorter": lambda body, first, last, total: (first, last - 5, total, None),
    "a_few_bytes_on": lambda body, first, last, total: (first + 3, last + 3, total, None),
    # labels that do not say what was sent
    "no_content_range": lambda body, first, last, total: (first, last, total, ""),
    "malformed": lambda body, first, last, total: (first, last, total, "bytes 12-x/99"),
    "body_longer_than_label": lambda body, first, last, total: (
        first,
        last,
        total,
        f"bytes {first}-{last - 8}/{total}",
    ),
}


def _lie_about_ranges(server: HostileObjectServer, lie: str, suffixes: bool):
    def misbehave(request: Request, served: Answer) -> Answer | None:
        if served.status != 206 or (request.range[0] is None) != suffixes:
            return None
        value = server.objects[request.key]
        label = served.headers["Content-Range"]
        first, last = (int(n) for n in label[6:].split("/")[0].split("-"))
        first, last, total, header = RANGE_LIES[lie](value, first, last, len(value))
        first, last = max(0, first), min(len(value) - 1, last)
        headers = {k: v for k, v in served.headers.items() if k != "Content-Range"}
        if header is None:
            header = f"bytes {first}-{last}/{total}"
        if header:
            headers["Content-Range"] = header
        return Answer(206, headers, value[first : last + 1])

    server.misbehave = misbehave


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("lie", sorted(RANGE_LIES))
@pytest.mark.parametrize("compress", ["default", "zstd"])
@pytest.mark.parametrize(
    "selection", [np.s_[2, 0:3], np.s_[[1, 4], :5]], ids=["one_inner_chunk", "two"]
)
def test_a_206_for_other_bytes_than_asked_is_refused(serve, cloud, lie, compress, selection):
    server = serve(_objects(shard=True, compress=compress))
    array = _datahub(server, cloud, max_attempts=1).open("a")
    _lie_about_ranges(server, lie, suffixes=False)
    with pytest.raises(StorageError, match=r"byte range|more than"):
        array[selection]


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("lie", ["previous_chunk", "shorter", "malformed", "no_content_range"])
def test_a_shard_index_suffix_answered_with_other_bytes_is_refused(serve, cloud, lie):
    server = serve(_objects(shard=True))
    array = _datahub(server, cloud, max_attempts=1).open("a")
    _lie_about_ranges(server, lie, suffixes=True)
    with pytest.raises((StorageError, CorruptChunkError)):
        array[2, 0:3]


# ---------------------------------------------------------------------------------------------
# "Not modified" to what was never asked, or about another version


def _not_modified_unasked(request: Request, served: Answer) -> Answer | None:
    if _is_chunk(request) and not request.condition:
        return Answer(304, {k: v for k, v in served.headers.items() if k != "Content-Range"})
    return None


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("shard", [False, True], ids=["plain", "sharded"])
@pytest.mark.parametrize(
    "selection", [np.s_[:], np.s_[2, 0:3], np.s_[[1, 6]]], ids=["all", "part", "gather"]
)
def test_a_304_to_an_unconditional_read_is_refused_never_fill(serve, cloud, shard, selection):
    server = serve(_objects(shard=shard))
    array = _datahub(server, cloud, max_attempts=1).open("a")
    server.misbehave = _not_modified_unasked
    with pytest.raises(StorageError, match=r"304|not modified"):
        array[selection]


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("shard", [False, True], ids=["plain", "sharded"])
def test_a_304_naming_another_version_is_refused(serve, cloud, shard, default_cache):
    server = serve(_objects(shard=shard))
    array = _datahub(server, cloud, max_attempts=1).open("a")
    assert (array[2, 0:3] == ROWS[2, 0:3]).all()  # cached, at version 1
    for key, value in _objects(shard=shard, values=ROWS + 1000).items():
        if _is_chunk(Request("GET", key, {}, {}, None, "")):
            server.replace(key, value)

    def not_modified_for_the_new_version(request: Request, served: Answer) -> Answer | None:
        if _is_chunk(request) and request.condition:
            version = str(server.generations[request.key])
            return Answer(304, {"ETag": f'"{version}"', "x-goog-generation": version})
        return None

    server.misbehave = not_modified_for_the_new_version
    with pytest.raises(StorageError, match=r"304|not modified"):
        array[2, 0:3]


# ---------------------------------------------------------------------------------------------
# Range answers that cannot prove their version


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("cached", [False, True], ids=["cold", "index_cached"])
def test_inner_chunks_without_a_version_never_mix_with_another_versions_index(
    serve, cloud, cached, default_cache
):
    server = serve(_objects(shard=True))
    array = _datahub(server, cloud, max_attempts=1).open("a")
    if cached:
        assert (array[5, 0:3] == ROWS[5, 0:3]).all()
    newer = ROWS + 1000
    newer[0] = 0  # an empty inner chunk: every later inner chunk moves in the new shard
    shard_key = next(key for key in server.objects if "/c/" in key)
    new_shard = _objects(shard=True, values=newer)[shard_key]

    def replace_then_drop_versions(request: Request, served: Answer) -> Answer | None:
        if served.status != 206 or request.range[0] is None:
            return None
        if server.generations[shard_key] == 1:  # between the index read and this one
            server.replace(shard_key, new_shard)
            served = server.honest_answer(request)
        kept = {"Content-Range", "Content-Length"}
        return Answer(
            served.status, {k: v for k, v in served.headers.items() if k in kept}, served.body
        )

    server.misbehave = replace_then_drop_versions
    got = array[2, 0:3]
    assert (got == newer[2, 0:3]).all() or (got == ROWS[2, 0:3]).all(), got


# ---------------------------------------------------------------------------------------------
# Unbounded time and memory


def _refused_in_bounded_time_and_memory(read, errors, server: HostileObjectServer) -> None:
    """`read()` raises one of `errors` within 10 s, its peak memory grows by under 64 MB, and
    the client stopped reading long before the server would have stopped sending."""
    before, start = _peak_rss_mb(), time.monotonic()
    with pytest.raises(errors):
        read()
    assert time.monotonic() - start < 10
    assert _peak_rss_mb() - before < 64
    # What the kernel's socket buffers take in before the client hangs up varies with load.
    assert server.sent < server.most_bytes // 4


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("what", ["whole_chunk", "inner_chunk", "shard_index", "unstated_length"])
def test_a_trickling_server_is_cut_off_by_the_request_deadline(serve, cloud, what):
    server = serve(_objects(shard=what in ("inner_chunk", "shard_index")))
    array = _datahub(server, cloud, max_attempts=2, request_timeout=0.5).open("a")

    def trickle(request: Request, served: Answer) -> Answer | None:
        if not _is_chunk(request):
            return None
        suffix = request.range is not None and request.range[0] is None
        if (what == "shard_index" and not suffix) or (what == "inner_chunk" and suffix):
            return None
        body = served.body if what != "unstated_length" else iter([served.body] * 1000)
        return Answer(served.status, served.headers, body, bytes_per_second=4)

    server.misbehave = trickle
    start = time.monotonic()
    with pytest.raises(StorageError, match="deadline"):
        array[2, 0:3] if what != "whole_chunk" else array[:]
    assert time.monotonic() - start < 8


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("status", [400, 403, 500, 503])
def test_an_error_answer_with_an_endless_body_is_cut_off(serve, cloud, status):
    server = serve(_objects(shard=False))
    array = _datahub(server, cloud, max_attempts=2).open("a")
    server.misbehave = lambda request, served: (
        Answer(status, {}, endless()) if _is_chunk(request) else None
    )
    # 403 is a PermissionDeniedError, a StorageError too
    _refused_in_bounded_time_and_memory(lambda: array[:], StorageError, server)


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("what", ["inner_chunk", "shard_index"])
@pytest.mark.parametrize("length", ["unstated", "huge"])
def test_a_range_answered_with_an_endless_body_is_cut_off(serve, cloud, what, length):
    server = serve(_objects(shard=True))
    array = _datahub(server, cloud, max_attempts=1).open("a")

    def ignore_the_range(request: Request, served: Answer) -> Answer | None:
        if request.range is None or (request.range[0] is None) != (what == "shard_index"):
            return None
        headers = {k: v for k, v in served.headers.items() if k != "Content-Range"}
        if length == "huge":
            headers["Content-Length"] = str(2**50)
        return Answer(200, headers, endless())

    server.misbehave = ignore_the_range
    _refused_in_bounded_time_and_memory(
        lambda: array[2, 0:3], (StorageError, CorruptChunkError), server
    )


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_hedged_read_into_the_result_is_bounded_like_an_unhedged_one(serve, cloud):
    server = serve(_objects(shard=False))
    array = _datahub(server, cloud, max_attempts=1, hedge_after=0.05).open("a")

    def slow_then_endless(request: Request, served: Answer) -> Answer | None:
        if not _is_chunk(request):
            return None

        def body():
            time.sleep(0.2)  # past hedge_after: the read is hedged
            yield from endless()

        return Answer(200, served.headers, body())

    server.misbehave = slow_then_endless
    _refused_in_bounded_time_and_memory(lambda: array[:], CorruptChunkError, server)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_hedging_applies_after_the_status_line_too(serve, cloud):
    server = serve(_objects(shard=False))
    array = _datahub(server, cloud, max_attempts=1, hedge_after=0.1).open("a")
    stalled = []

    def stall_the_first_body(request: Request, served: Answer) -> Answer | None:
        if not _is_chunk(request) or stalled:
            return None
        stalled.append(request)

        def body():
            time.sleep(3)  # the status line went out at once; the body comes late
            yield served.body

        return Answer(200, served.headers, body())

    server.misbehave = stall_the_first_body
    start = time.monotonic()
    assert (array[3] == ROWS[3]).all()
    assert time.monotonic() - start < 2  # the hedge answered; the stalled body was dropped


@pytest.mark.parametrize("maker", ["s3", "gs"])
@pytest.mark.parametrize(
    "options",
    [
        {"hedge_after": float("inf")},
        {"hedge_after": float("nan")},
        {"hedge_after": -1},
        {"hedge_after": 0},
        {"hedge_after": 10**9},
        {"max_staleness": float("nan")},
        {"request_timeout": 0},
        {"request_timeout": float("inf")},
        {"min_bytes_per_second": 0},
        {"min_bytes_per_second": float("inf")},
    ],
    ids=lambda options: "-".join(f"{k}={v}" for k, v in options.items()),
)
def test_read_options_out_of_range_are_refused(maker, options):
    with pytest.raises(InvalidArgumentError):
        getattr(hub, maker)("bucket", endpoint="http://127.0.0.1:9", **options)


@pytest.mark.parametrize("scheme", ["s3", "gs"])
@pytest.mark.parametrize("hedge_after", [float("inf"), float("nan"), -1.0, 1e300])
def test_the_engine_refuses_hedge_after_out_of_range_too(scheme, hedge_after):
    options = hub._core.StoreOptions(endpoint="http://127.0.0.1:9", hedge_after=hedge_after)
    with pytest.raises(InvalidArgumentError, match="hedge_after"):
        hub._core.open_store(f"{scheme}://bucket", options)


# ---------------------------------------------------------------------------------------------
# Secrets in errors


def _shows_nothing_of(error: BaseException, *secrets: str) -> None:
    shown = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(pickle.loads(pickle.dumps(error))),
    ]
    for text in shown:
        for secret in secrets:
            assert secret not in text, text


BAD_ARGUMENTS = [
    {"max_attempts": "6"},
    {"max_attempts": 6.0},
    {"requests_in_flight": 1.5},
    {"create_bucket": "yes"},
    {"hedge_after": "0.5"},
    {"max_staleness": [1]},
    {"region": 5},
    {"endpoint": b"http://127.0.0.1:9"},
    {"prefix": object()},
]


@pytest.mark.parametrize("bad", BAD_ARGUMENTS, ids=lambda bad: "-".join(bad))
@pytest.mark.parametrize("keys_from", ["arguments", "file"])
def test_a_bad_argument_beside_s3_keys_never_shows_them(bad, keys_from, tmp_path):
    keys = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": SECRET}
    if keys_from == "file":
        path = tmp_path / "credentials"
        path.write_text(
            f"[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = {SECRET}\n"
        )
        keys = {"aws_creds_filepath": path}  # a Path, as users pass it
    with pytest.raises((TypeError, ValueError)) as refused:
        hub.s3("bucket", **keys, **bad).connect()
    _shows_nothing_of(refused.value, SECRET)


@pytest.mark.parametrize("bad", BAD_ARGUMENTS[:3], ids=lambda bad: "-".join(bad))
def test_a_bad_argument_beside_a_gcs_key_never_shows_it(bad, tmp_path):
    private_key = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-EXAMPLE\\n"
    path = tmp_path / "key.json"
    path.write_text(
        '{"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com", '
        f'"private_key": "{private_key}", "token_uri": "http://127.0.0.1:9/token"}}'
    )
    with pytest.raises((TypeError, ValueError)) as refused:
        hub.gs("bucket", creds_path=path, **bad).connect()
    _shows_nothing_of(refused.value, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")


@pytest.mark.parametrize(
    "call",
    [
        lambda: hub._core.StoreOptions(
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SECRET, max_attempts="6"
        ),
        lambda: hub._core.StoreOptions(aws_secret_access_key=SECRET, max_staleness="x"),
        lambda: hub._core.StoreOptions(aws_secret_access_key=SECRET.encode()),
        lambda: setattr(hub._core.StoreOptions(), "aws_secret_access_key", [SECRET]),
    ],
    ids=["keyword", "read-option", "bytes", "attribute"],
)
def test_the_bindings_that_take_secrets_never_print_their_arguments(call):
    with pytest.raises(TypeError, match="argument '") as refused:
        call()
    _shows_nothing_of(refused.value, SECRET)


def test_store_options_never_give_secrets_back():
    options = hub._core.StoreOptions(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key=SECRET)
    assert SECRET not in repr(options) and "AKIDEXAMPLE" not in repr(options)
    with pytest.raises(AttributeError):
        options.aws_secret_access_key  # noqa: B018 (write-only)
    with pytest.raises(TypeError, match="no option 'secret'"):
        hub._core.StoreOptions(secret=SECRET)


def _echo_headers(status: int, cloud: str):
    """An error answer that echoes the request's headers, as some proxies and servers do."""

    def misbehave(request: Request, served: Answer) -> Answer | None:
        if not _is_chunk(request):
            return None
        echoed = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
        if cloud == "s3":
            body = f"<Error><Code>InvalidRequest {echoed}</Code></Error>".encode()
        else:
            body = f'{{"error": {{"code": {status}, "message": "bad request {echoed}"}}}}'.encode()
        return Answer(status, {}, body)

    return misbehave


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("status", [400, 403, 503])
def test_a_server_error_that_echoes_headers_is_scrubbed(serve, cloud, status, monkeypatch, caplog):
    server = serve(_objects(shard=False))
    if cloud == "s3":  # keys from the environment, so that a session token is sent too
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
        datahub = hub.s3(
            f"hostile-{uuid.uuid4().hex[:12]}",
            endpoint=server.endpoint,
            region="us-east-1",
            max_attempts=2,
        )
        array = datahub.connect().open("a")
    else:
        array = _datahub(server, cloud, max_attempts=2).open("a")
    server.misbehave = _echo_headers(status, cloud)
    caplog.set_level("DEBUG")
    with pytest.raises(StorageError) as refused:
        array[:]
    hub._core.deliver_log_records()  # the retry's log records, queued by the engine
    _shows_nothing_of(refused.value, SECRET, TOKEN)
    assert TOKEN not in caplog.text and SECRET not in caplog.text
    if cloud == "s3":
        signature = server.requests[-1].headers["authorization"].split("Signature=")[1]
        _shows_nothing_of(refused.value, signature)
