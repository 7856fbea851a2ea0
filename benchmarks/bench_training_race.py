"""Training from a bucket: two shuffled epochs of a JPEG dataset read from SeaweedFS's S3 on
127.0.0.1 through benchmarks/latency_proxy.py (+20 ms per request), each reader starting with
an empty local cache, in a process of its own.

Data: --count images 256x256x3 (bench_loaders.py's synthetic photos), JPEG quality 90, the
same files stored by each system as they are, with an int label, in 10 class folders:
  hub_v1             hub.ingest.image_folder -> S3; ``ds.to_pytorch().loader(batch_size=64,
                     shuffle=True)`` (no worker processes: its fastest), without and with
                     ``disk_cache=``, and
                     with ``max_staleness=600`` too (data that does not change, as the peers
                     assume: nothing revalidated)
  hub_v1 local disk  the same dataset on local disk (the reference for a cached epoch 2)
  LitData            ``optimize()`` output uploaded; ``StreamingDataset`` with its cache_dir
  Mosaic             ``MDSWriter`` output uploaded; ``StreamingDataset`` with its local cache
  WebDataset         tar shards of 500 samples uploaded; ``WebDataset(..., cache_dir=)``
                     over presigned URLs (curl), shuffled shards and a 1,000-sample buffer
Peers decode with Pillow (libjpeg-turbo) in 2 DataLoader workers, batches of 64; LitData and
Mosaic run in --peers-python (requirements/bench-peers.txt; they pin numpy < 2.2). Prints each
epoch's samples/s (median of --runs) and the targets: epoch 1 >= 1.2x the best peer, epoch 2
with the disk cache >= 0.9x hub_v1 from local disk.

    python benchmarks/bench_training_race.py [--runs 2] [--count 2000] [--peers-python PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED")  # see bench_cloud

import boto3
import hub_v1 as hub
from bench_cloud import latency_proxy
from bench_loaders import synthetic_images
from PIL import Image
from timing import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import seaweedfs

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
BUCKET = "race"
BATCH, WORKERS = 64, 2
# hub_v1's loader decodes on the engine's threads and is fastest without worker processes (see
# bench_loaders.py: torch's shared-memory batches bound every loader with workers here).
HUB_WORKERS = 0
HERE = Path(__file__).resolve().parent


def write_files(folder: Path, count: int) -> list[tuple[Path, int]]:
    """The dataset as JPEG files in 10 class folders; (path, label) in class order."""
    images = synthetic_images(count, 256, 1)
    files = []
    for i, image in enumerate(images):
        label = i % 10
        path = folder / f"class{label:02d}" / f"{i:06d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path, quality=90)
        files.append((path, label))
    return sorted(files, key=lambda entry: (entry[1], entry[0].name))


def upload_folder(client, local: Path, prefix: str) -> None:
    for path in sorted(local.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(local)}")


def write_webdataset(files: list[tuple[Path, int]], folder: Path) -> list[str]:
    """Tar shards of 500 samples (key.jpg, key.cls); their names."""
    folder.mkdir(parents=True)
    names = []
    for first in range(0, len(files), 500):
        name = f"shard-{first // 500:05d}.tar"
        with tarfile.open(folder / name, "w") as tar:
            for path, label in files[first : first + 500]:
                tar.add(path, arcname=f"{path.stem}.jpg")
                info = tarfile.TarInfo(f"{path.stem}.cls")
                payload = str(label).encode()
                info.size = len(payload)
                tar.addfile(info, fileobj=io.BytesIO(payload))
        names.append(name)
    return names


def run_epochs(python: str, source: str, env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run(
        [python, "-c", source], capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})}, cwd=HERE,
    )  # fmt: skip
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "Error" in line or "error" in line]
        raise RuntimeError((lines or ["failed"])[-1][:300])
    return json.loads(done.stdout.strip().splitlines()[-1])


def hub_source(connection: str) -> str:
    return textwrap.dedent(
        f"""
        import hub_v1 as hub
        from epochs import print_two_epochs
        ds = {connection}.connect().open("train")
        loader = ds.to_pytorch().loader(
            batch_size={BATCH}, shuffle=True, num_workers={HUB_WORKERS}
        )
        print_two_epochs(loader, lambda batch: len(batch["images"]))
        """
    )


def webdataset_source(urls: list[str], cache: Path) -> str:
    return textwrap.dedent(
        f"""
        import torch, webdataset as wds
        from torch.utils.data import DataLoader
        from epochs import print_two_epochs
        urls = {urls!r}
        dataset = (
            wds.WebDataset(urls, shardshuffle=len(urls), cache_dir={str(cache)!r},
                           url_to_name=lambda url: url.split("?")[0].rsplit("/", 1)[-1],
                           nodesplitter=wds.split_by_node, workersplitter=wds.split_by_worker)
            .shuffle(1000).decode("rgb8").to_tuple("jpg", "cls")
            .map_tuple(torch.from_numpy, int)
        )
        loader = DataLoader(dataset, batch_size={BATCH}, num_workers={WORKERS})
        print_two_epochs(loader, lambda batch: len(batch[0]))
        """
    )


def one_race(args, endpoint: str, direct: str, client, files, scratch: Path) -> dict:
    """Each reader's epoch seconds, from empty caches."""
    results: dict[str, dict[str, float]] = {}

    def attempt(name: str, make) -> None:
        try:
            results[name] = make()
            if results[name]["samples"] != len(files):
                raise RuntimeError(f"read {results[name]['samples']} samples of {len(files)}")
        except Exception as error:  # a peer that cannot run here
            results.pop(name, None)
            print(f"  {name}: did not run ({type(error).__name__}: {error})")

    def hub_connection(end: str, **options) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in options.items())
        return f"hub.s3({BUCKET!r}, endpoint={end!r}, region='us-east-1', prefix='hub'{extra})"

    cache = scratch / "caches"
    shutil.rmtree(cache, ignore_errors=True)
    (cache / "wds").mkdir(parents=True)
    attempt("hub_v1", lambda: run_epochs(sys.executable, hub_source(hub_connection(endpoint))))
    attempt(
        "hub_v1 disk_cache",
        lambda: run_epochs(
            sys.executable,
            hub_source(hub_connection(endpoint, disk_cache=str(cache / "hub"))),
        ),
    )
    attempt(
        "hub_v1 disk_cache, max_staleness=600",
        lambda: run_epochs(
            sys.executable,
            hub_source(hub_connection(endpoint, disk_cache=str(cache / "hub2"), max_staleness=600)),
        ),
    )
    attempt(
        "hub_v1 local disk",
        lambda: run_epochs(sys.executable, hub_source(f"hub.fs({str(scratch / 'local')!r})")),
    )
    urls = [
        "pipe:curl -s -f '" + client.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": f"wds/{name}"}, ExpiresIn=3600
        ).replace(direct, endpoint) + "'"
        for name in args.wds_shards
    ]  # fmt: skip
    attempt(
        "WebDataset", lambda: run_epochs(sys.executable, webdataset_source(urls, cache / "wds"))
    )
    if args.peers_python:
        for name, system, remote in [
            ("LitData", "litdata", f"s3://{BUCKET}/litdata"),
            ("Mosaic", "mosaic", f"s3://{BUCKET}/mds"),
        ]:
            source = textwrap.dedent(
                f"""
                import sys
                sys.argv = ["peer_readers.py", {system!r}, {endpoint!r}, {remote!r},
                            {str(cache / system)!r}, "{WORKERS}"]
                import peer_readers
                peer_readers.main()
                """
            )
            attempt(name, lambda source=source: run_epochs(args.peers_python, source))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="training from a bucket, two epochs")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--peers-python", help="an interpreter with bench-peers.txt installed")
    args = parser.parse_args()
    if args.peers_python:  # the peers run with the benchmarks' folder as their directory
        args.peers_python = os.path.abspath(args.peers_python)
    print(machine())
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    scratch = Path(tempfile.mkdtemp(prefix="bench_race_"))
    try:
        files = write_files(scratch / "files", args.count)
        with seaweedfs("bench", "bench") as port:
            direct = f"http://127.0.0.1:{port}"
            client = boto3.client("s3", endpoint_url=direct, region_name="us-east-1", **KEYS)
            client.create_bucket(Bucket=BUCKET)
            s3 = hub.s3(BUCKET, endpoint=direct, region="us-east-1", prefix="hub").connect()
            hub.ingest.image_folder(scratch / "files", s3, "train", progress=False)
            local = hub.fs(scratch / "local").connect()
            hub.ingest.image_folder(scratch / "files", local, "train", progress=False)
            args.wds_shards = write_webdataset(files, scratch / "wds")
            upload_folder(client, scratch / "wds", "wds")
            if args.peers_python:
                listing = scratch / "files.json"
                listing.write_text(json.dumps([[str(p), label] for p, label in files]))
                writer = textwrap.dedent(
                    f"""
                    import json
                    from pathlib import Path
                    from peer_writers import store_litdata, store_mosaic
                    files = [(p, int(l)) for p, l in json.loads(Path({str(listing)!r}).read_text())]
                    store_mosaic(files, Path({str(scratch / "mds")!r}), 2)
                    store_litdata(files, Path({str(scratch / "litdata")!r}), 2)
                    """
                )
                subprocess.run([args.peers_python, "-c", writer], check=True, cwd=HERE)
                upload_folder(client, scratch / "mds", "mds")
                upload_folder(client, scratch / "litdata", "litdata")
            with latency_proxy(port) as proxy_port:
                endpoint = f"http://127.0.0.1:{proxy_port}"
                runs = [
                    one_race(args, endpoint, direct, client, files, scratch)
                    for _ in range(args.runs)
                ]
        report(runs, args.count)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(runs: list[dict], count: int) -> None:
    names = [name for name in runs[0] if all(name in run for run in runs)]
    rates = {
        name: {
            epoch: count / statistics.median(run[name][epoch] for run in runs)
            for epoch in ("epoch1", "epoch2")
        }
        for name in names
    }
    print(f"\n== {count} JPEGs 256x256, 2 shuffled epochs from S3 at +20 ms, samples/s ==")
    for name, rate in rates.items():
        print(f"  {name:<38} epoch 1 {rate['epoch1']:8.0f}   epoch 2 {rate['epoch2']:8.0f}")
    peers = [rates[n]["epoch1"] for n in ("LitData", "Mosaic", "WebDataset") if n in rates]
    for name in ("hub_v1 disk_cache", "hub_v1 disk_cache, max_staleness=600"):
        if peers and name in rates:
            ratio = rates[name]["epoch1"] / max(peers)
            print(f"  epoch 1: {name} {ratio:.2f}x the best peer (target 1.2x)")
        if name in rates and "hub_v1 local disk" in rates:
            ratio = rates[name]["epoch2"] / rates["hub_v1 local disk"]["epoch2"]
            print(f"  epoch 2: {name} {ratio:.2f}x hub_v1 from local disk (target 0.9x)")


if __name__ == "__main__":
    main()
