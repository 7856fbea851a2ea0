"""hub_v1.ingest: image folders, COCO, WebDataset tars and Parquet made by the tests, read
back sample by sample; bad input named or skipped whole; a SIGKILLed ingest resumed to the
dataset an uninterrupted run gives."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import hub_v1 as hub
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hub_v1.errors import ContainsNodeError, InvalidArgumentError
from hub_v1.ingest import SourceError, parts
from hub_v1.ingest.sources.webdataset import WebDataset
from PIL import Image


def _image(height: int, width: int, seed: int, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    y, x = np.mgrid[0:height, 0:width]  # smooth, so a JPEG of it stays close
    pixels = np.stack([x * 5 + seed, y * 5 + 2 * seed, (x + y) * 3], axis=-1) % 256
    pixels = pixels.astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(
        buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {})
    )
    return buffer.getvalue()


def _folder(root: Path) -> list[tuple[str, bytes, int]]:
    """Three classes of JPEGs (one grey, one in a sub-folder) and PNGs of many sizes; returns
    (relative path, file bytes, label) in the order the ingest must give."""
    files = {
        "bird/a.jpg": _image(20, 31, 1),
        "bird/b.png": _image(12, 9, 2, fmt="PNG"),
        "cat/deep/z.jpg": _image(17, 40, 3),
        "cat/x.jpg": _image(33, 21, 4, mode="L"),
        "cat/notes.txt": b"not an image",
        "dog/y.JPG": _image(8, 8, 5),
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    # torchvision's order: a class folder's files, then its sub-folders'
    order = ["bird/a.jpg", "bird/b.png", "cat/x.jpg", "cat/deep/z.jpg", "dog/y.JPG"]
    labels = {"bird": 0, "cat": 1, "dog": 2}
    return [(path, files[path], labels[path.split("/")[0]]) for path in order]


def test_an_image_folder_comes_in_class_by_class_files_kept(datahub, tmp_path):
    expected = _folder(tmp_path / "photos")
    report = hub.ingest.image_folder(tmp_path / "photos", datahub, "pets/train")
    assert report.skipped == [] and len(report) == len(expected)
    ds = datahub.open("pets/train")
    assert ds["labels"][:].tolist() == [label for _, _, label in expected]
    assert ds["labels"].attrs["class_names"] == ["bird", "cat", "dog"]
    stored = ds["images"].samples_array
    for k, (path, data, _) in enumerate(expected):
        image = Image.open(io.BytesIO(data))
        assert ds["images"][k].shape == (image.height, image.width, 3), path
        if path.endswith("png"):  # another format than the array's: converted
            np.testing.assert_allclose(ds["images"][k], np.asarray(image), atol=24)
        else:
            assert stored[k] == data, path  # byte for byte
    assert datahub.node_kind("pets/train") == "group"  # the record is gone with the commit
    assert not [key for key in datahub._store.list("pets/train") if "hub_ingest" in key]
    again = hub.ingest.image_folder(tmp_path / "photos", datahub, "pets/other")
    assert again.dataset["labels"][:].tolist() == ds["labels"][:].tolist()
    # The same ingest again finds it done; another source needs overwrite.
    assert len(hub.ingest.image_folder(tmp_path / "photos", datahub, "pets/train")) == 5
    with pytest.raises(ContainsNodeError, match="overwrite"):
        hub.ingest.image_folder(tmp_path / "photos", datahub, "pets/train", compress="png")
    replaced = hub.ingest.image_folder(
        tmp_path / "photos", datahub, "pets/train", compress="png", overwrite=True
    )
    assert replaced.dataset["images"].compress == "png"
    assert replaced.dataset["images"].samples_array[1] == expected[1][1]  # the PNG, as it is


def test_a_bad_image_is_named_or_skipped_whole(local_datahub, tmp_path):
    expected = _folder(tmp_path / "photos")
    (tmp_path / "photos" / "cat" / "broken.jpg").write_bytes(b"\xff\xd8 no image here")
    with pytest.raises(SourceError, match=r"broken\.jpg"):
        hub.ingest.image_folder(tmp_path / "photos", local_datahub, "a")
    with pytest.warns(UserWarning, match=r"broken\.jpg"):
        report = hub.ingest.image_folder(tmp_path / "photos", local_datahub, "b", on_error="skip")
    assert len(report.skipped) == 1 and "broken.jpg" in report.skipped[0]
    ds = report.dataset
    assert ds["labels"][:].tolist() == [label for _, _, label in expected]  # nothing shifted
    assert [image.shape[:2] for image in ds["images"][:]][-1] == (8, 8)


def _tars(root: Path) -> list[dict]:
    import webdataset

    samples = []
    for shard in range(2):
        with webdataset.TarWriter(str(root / f"shard-{shard:02d}.tar")) as sink:
            for k in range(3):
                number = 3 * shard + k
                sample = {
                    "__key__": f"sample{number:04d}",
                    "jpg": _image(10 + number, 12, number),
                    "cls": number % 2,
                    "txt": f"caption {number}",
                    "json": json.dumps({"n": number}),
                    "bin": bytes([number]) * number,
                }
                sink.write(sample)
                samples.append(sample)
    return samples


def test_webdataset_shards_come_in_one_component_per_extension(local_datahub, tmp_path):
    samples = _tars(tmp_path)
    report = hub.ingest.webdataset(str(tmp_path / "shard-{00..01}.tar"), local_datahub, "web")
    ds = report.dataset
    assert sorted(ds.keys()) == ["bin", "cls", "jpg", "json", "txt"] and len(ds) == 6
    for k, sample in enumerate(samples):
        assert ds["jpg"].samples_array[k] == sample["jpg"]
        assert int(ds["cls"][k]) == sample["cls"]
        assert ds["txt"][k] == sample["txt"] and json.loads(ds["json"][k]) == {"n": k}
        assert ds["bin"][k] == sample["bin"]
    # A truncated shard: an error naming it, or its lost part skipped with a warning.
    data = (tmp_path / "shard-01.tar").read_bytes()
    (tmp_path / "shard-01.tar").write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"shard-01\.tar"):
        hub.ingest.webdataset(str(tmp_path / "shard-{00..01}.tar"), local_datahub, "cut")
    with pytest.warns(UserWarning, match=r"shard-01\.tar"):
        skipped = hub.ingest.webdataset(
            [tmp_path / "shard-00.tar", tmp_path / "shard-01.tar"],
            local_datahub, "cut2", on_error="skip",
        )  # fmt: skip
    assert len(skipped.skipped) == 1 and 3 <= len(skipped) < 6
    assert skipped.dataset["txt"][:3].tolist() == ["caption 0", "caption 1", "caption 2"]


def test_webdataset_shards_come_from_a_store_too(datahub, tmp_path):
    samples = _tars(tmp_path)
    for shard in ("shard-00.tar", "shard-01.tar"):
        datahub._store.put(f"shards/{shard}", (tmp_path / shard).read_bytes())
    report = hub.ingest.webdataset(
        "shards/shard-{00..01}.tar", hub.memory().connect(), "web", shards_from=datahub
    )
    assert report.dataset["txt"][:].tolist() == [s["txt"] for s in samples]
    assert report.dataset["jpg"].samples_array[5] == samples[5]["jpg"]
    with pytest.raises(SourceError, match="no such tar shard"):
        hub.ingest.webdataset(["shards/shard-00.tar", "shards/gone.tar"], hub.memory().connect(),
                              "web", shards_from=datahub)  # fmt: skip


def _table(rows: int, offset: int = 0) -> pa.Table:
    numbers = list(range(offset, offset + rows))
    return pa.table(
        {
            "id": pa.array(numbers, pa.int64()),
            "score": pa.array([n / 4 for n in numbers], pa.float32()),
            "ok": pa.array([n % 2 == 0 for n in numbers]),
            "name": pa.array([f"row {n}" for n in numbers]),
            "blob": pa.array([bytes([n % 256]) * (n % 5) for n in numbers], pa.binary()),
            "vector": pa.array([[n, n + 1, n + 2] for n in numbers], pa.list_(pa.int16(), 3)),
            "tokens": pa.array([list(range(n % 4)) for n in numbers], pa.list_(pa.int32())),
            "image": pa.array(
                [{"bytes": _image(5 + n % 3, 7, n), "path": f"{n}.jpg"} for n in numbers],
                pa.struct([("bytes", pa.binary()), ("path", pa.string())]),
            ),
        }
    )


def test_parquet_columns_become_components_of_their_types(local_datahub, tmp_path):
    pq.write_table(_table(5), tmp_path / "part-0.parquet")
    pq.write_table(_table(4, offset=5), tmp_path / "part-1.parquet")
    ds = hub.ingest.parquet(str(tmp_path / "part-*.parquet"), local_datahub, "table").dataset
    assert len(ds) == 9
    assert ds["id"][:].tolist() == list(range(9)) and ds["id"].dtype == np.int64
    assert ds["score"].dtype == np.float32 and ds["ok"].dtype == np.bool_
    assert ds["name"][8] == "row 8" and ds["blob"][7] == bytes([7]) * 2
    assert ds["vector"].shape == (9, 3) and ds["vector"][4].tolist() == [4, 5, 6]
    assert isinstance(ds["tokens"], hub.RaggedArray)
    assert [t.tolist() for t in ds["tokens"][:4]] == [[], [0], [0, 1], [0, 1, 2]]
    assert ds["image"].samples_array[6] == _image(5, 7, 6)
    from_table = hub.ingest.parquet(_table(3), local_datahub, "from_table").dataset
    assert from_table["name"][:].tolist() == ["row 0", "row 1", "row 2"]

    nulls = pa.table({"x": pa.array([1, None, 3], pa.int64())})
    with pytest.raises(SourceError, match="row 1: column 'x' is null"):
        hub.ingest.parquet(nulls, local_datahub, "nulls")
    assert hub.ingest.parquet(nulls, local_datahub, "n2", on_error="skip").dataset["x"][
        :
    ].tolist() == [1, 3]
    odd = pa.table({"when": pa.array([1, 2], pa.timestamp("s"))})
    with pytest.raises(InvalidArgumentError, match="column 'when'"):
        hub.ingest.parquet(odd, local_datahub, "odd")


def test_a_hugging_face_dataset_comes_in_with_its_images_kept(local_datahub):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features(
        {
            "label": datasets.ClassLabel(names=["cat", "dog"]),
            "caption": datasets.Value("string"),
            "image": datasets.Image(),
        }
    )
    files = [_image(6 + k, 9, k) for k in range(3)]
    source = datasets.Dataset.from_dict(
        {
            "label": [1, 0, 1],
            "caption": ["a", "b", "c"],
            "image": [{"bytes": data, "path": None} for data in files],
        },
        features=features,
    )
    ds = hub.ingest.parquet(source, local_datahub, "hf").dataset
    assert ds["label"][:].tolist() == [1, 0, 1] and ds["caption"][:].tolist() == ["a", "b", "c"]
    assert [ds["image"].samples_array[k] for k in range(3)] == files
    assert ds["image"][2].shape == (8, 9, 3)


def test_coco_images_come_with_their_boxes_and_categories(local_datahub, tmp_path):
    (tmp_path / "images").mkdir()
    images = []
    for image_id, (height, width) in zip([7, 3, 5], [(10, 12), (20, 8), (9, 9)], strict=True):
        (tmp_path / "images" / f"{image_id}.jpg").write_bytes(_image(height, width, image_id))
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "height": height})
    annotations = [
        {"id": 1, "image_id": 7, "bbox": [1, 2, 3, 4], "category_id": 2, "area": 12.0,
         "segmentation": [[1, 2, 3, 4, 5, 6]], "iscrowd": 0},
        {"id": 2, "image_id": 7, "bbox": [0, 0, 1, 1], "category_id": 1, "area": 1.0,
         "segmentation": [[0, 0, 1, 0, 1, 1]], "iscrowd": 0},
        {"id": 3, "image_id": 3, "bbox": [2, 2, 2, 2], "category_id": 1, "area": 4.0,
         "segmentation": {"size": [20, 8], "counts": "abc"}, "iscrowd": 1},
    ]  # fmt: skip
    document = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
    }
    (tmp_path / "instances.json").write_text(json.dumps(document))
    ds = hub.ingest.coco(tmp_path / "instances.json", tmp_path / "images", local_datahub, "coco")
    ds = ds.dataset
    assert ds["image_id"][:].tolist() == [3, 5, 7]  # id order
    assert ds["boxes"][2].tolist() == [[1, 2, 3, 4], [0, 0, 1, 1]]
    assert ds["boxes"][1].shape == (0, 4) and ds["categories"][2].tolist() == [2, 1]
    assert ds["iscrowd"][0].tolist() == [1] and ds["areas"][2].tolist() == [12.0, 1.0]
    assert json.loads(ds["segmentations"][0]) == [{"size": [20, 8], "counts": "abc"}]
    assert ds["categories"].attrs["names"] == {"1": "cat", "2": "dog"}
    assert ds["images"].samples_array[0] == (tmp_path / "images" / "3.jpg").read_bytes()

    (tmp_path / "images" / "5.jpg").unlink()
    with pytest.raises(SourceError, match="image 5"):
        hub.ingest.coco(tmp_path / "instances.json", tmp_path / "images", local_datahub, "c2")
    with pytest.warns(UserWarning, match="image 5"):
        report = hub.ingest.coco(
            tmp_path / "instances.json", tmp_path / "images", local_datahub, "c3", on_error="skip"
        )
    assert report.dataset["image_id"][:].tolist() == [3, 7]
    assert report.dataset["boxes"][1].tolist() == [[1, 2, 3, 4], [0, 0, 1, 1]]  # not shifted


def _many_images(root: Path, count: int) -> None:
    for k in range(count):
        folder = root / f"class{k % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{k:05d}.jpg").write_bytes(_image(6 + k % 5, 6, k))


def _ingest_forever(root: str, workers: int) -> None:
    parts.SAMPLES_PER_PART = 16  # many parts, so that kills land between and within them
    out = hub.fs(Path(root) / "out").connect()
    hub.ingest.image_folder(Path(root) / "photos", out, "d", workers=workers)
    os._exit(0)


def _parts_recorded(root: Path) -> int:
    """The parts an ingest's record lists (0 without one, or while it is being replaced)."""
    try:
        return len(json.loads((root / "d" / ".hub_ingest.json").read_text())["parts"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_ingest_resumes_to_the_dataset_an_uninterrupted_run_gives(
    tmp_path, monkeypatch, workers
):
    monkeypatch.setattr(parts, "SAMPLES_PER_PART", 16)
    _many_images(tmp_path / "photos", 300)
    reference = hub.ingest.image_folder(
        tmp_path / "photos", hub.fs(tmp_path / "reference").connect(), "d", workers=workers
    ).dataset
    context = multiprocessing.get_context("fork")
    rng = random.Random(4)
    kills = 0
    for _ in range(60):
        child = context.Process(target=_ingest_forever, args=(str(tmp_path), workers))
        child.start()
        # Killed once it has written a few more parts (or none), a moment later: between
        # parts, within one, while workers start or while the commit runs.
        wanted = _parts_recorded(tmp_path / "out") + rng.randint(0, 3)
        deadline = time.perf_counter() + 60
        while _parts_recorded(tmp_path / "out") < wanted and time.perf_counter() < deadline:
            child.join(timeout=0.002)
            if child.exitcode is not None:
                break
        child.join(timeout=rng.uniform(0, 0.01))
        if child.exitcode is not None:
            assert child.exitcode == 0, "the resumed ingest failed"
            break
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        kills += 1
        out = hub.fs(tmp_path / "out").connect()
        for component in ("d/images", "d/labels"):  # staged samples never show before commit
            if out.node_kind(component) in ("array", "ragged"):
                assert len(out.open(component)) in (0, 300)
    else:
        pytest.fail("the ingest never finished")
    assert kills >= 3, kills
    ds = hub.fs(tmp_path / "out").connect().open("d")
    assert len(ds) == 300
    assert ds["labels"][:].tolist() == reference["labels"][:].tolist()
    np.testing.assert_array_equal(ds["images"].shapes[:], reference["images"].shapes[:])
    for k in range(300):
        assert ds["images"].samples_array[k] == reference["images"].samples_array[k]
    assert not [
        key for key in hub.fs(tmp_path / "out").connect()._store.list("d") if "ingest" in key
    ]


def test_the_cli_ingests_and_resumes_with_the_same_command(tmp_path):
    from test_cli import run

    _folder(tmp_path / "photos")
    command = ["ingest", str(tmp_path / "photos"), str(tmp_path / "out" / "pets"),
               "--format", "imagefolder", "--workers", "2"]  # fmt: skip
    done = run(*command)
    assert done.returncode == 0, done.stderr
    assert "5 samples, 0 skipped" in done.stderr
    assert len(hub.fs(tmp_path / "out").connect().open("pets")) == 5
    again = run(*command)  # the same ingest ran to the end: nothing to do
    assert again.returncode == 0 and "5 samples" in again.stderr
    other = run(*command, "--compress", "png")
    assert other.returncode != 0 and "overwrite" in other.stderr
    wrong = run("ingest", str(tmp_path / "photos"), str(tmp_path / "x"), "--format", "coco")
    assert wrong.returncode != 0 and "--annotations" in wrong.stderr


def _table_with_nulls(rows: int, nulls: set[int]) -> pa.Table:
    table = _table(rows)
    ids = [None if n in nulls else n for n in range(rows)]
    return table.set_column(0, "id", pa.array(ids, pa.int64()))


def _same_datasets(one: hub.Dataset, other: hub.Dataset) -> None:
    assert len(one) == len(other) and one.keys() == other.keys()
    for key in one.keys():  # noqa: SIM118 (iterating a Dataset yields samples)
        if isinstance(one[key], hub.RaggedArray):
            np.testing.assert_array_equal(one[key].shapes[:], other[key].shapes[:])
            for k in range(len(one)):
                assert one[key].samples_array[k] == other[key].samples_array[k], (key, k)
        else:
            np.testing.assert_array_equal(one[key][:], other[key][:])


def test_workers_write_parts_side_by_side_and_skips_move_the_parts_after(tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "SAMPLES_PER_PART", 16)  # travels to the workers in each task
    nulls = {3, 16, 17, 40, 95, 150, 151, 152}  # skips in the first part, across parts, late
    table = _table_with_nulls(170, nulls)
    for k, first in enumerate(range(0, 170, 60)):
        pq.write_table(table.slice(first, 60), tmp_path / f"part-{k}.parquet")
    files = str(tmp_path / "part-*.parquet")
    out = hub.fs(tmp_path / "out").connect()
    with pytest.warns(UserWarning, match="row 16"):
        alone = hub.ingest.parquet(files, out, "alone", on_error="skip", workers=1)
    with pytest.warns(UserWarning, match="row 16"):
        together = hub.ingest.parquet(files, out, "together", on_error="skip", workers=2)
    assert together.skipped == alone.skipped and len(together.skipped) == len(nulls)
    assert together.dataset["id"][:].tolist() == [n for n in range(170) if n not in nulls]
    _same_datasets(together.dataset, alone.dataset)
    assert out._store.get("together/.hub_ingest.json") is None
    assert together.dataset.attrs["ingested_from"]["skipped"] == together.skipped

    with pytest.raises(SourceError, match="column 'id' is null"):  # a worker raised it
        hub.ingest.parquet(files, out, "raised", workers=2)
    assert len(out.open("raised")) == 0  # nothing committed


def test_an_ingest_runs_on_a_dask_cluster(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(parts, "SAMPLES_PER_PART", 16)
    _many_images(tmp_path / "photos", 100)
    out = hub.fs(tmp_path / "out").connect()
    reference = hub.ingest.image_folder(tmp_path / "photos", out, "reference", workers=1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with distributed.get_task_stream(client=client) as tasks:
            report = hub.ingest.image_folder(tmp_path / "photos", out, "d", scheduler=client)
        workers_used = {task["worker"] for task in tasks.data if "write_one_part" in task["key"]}
    assert len(workers_used) == 2  # both workers wrote parts
    _same_datasets(report.dataset, reference.dataset)
    with pytest.raises(InvalidArgumentError, match="Dask"):
        hub.ingest.parquet(_table(40), out, "t", scheduler=object())


def test_local_webdataset_shards_are_counted_and_split_among_workers(tmp_path, monkeypatch):
    import webdataset

    monkeypatch.setattr(parts, "SAMPLES_PER_PART", 16)
    for shard in range(4):
        with webdataset.TarWriter(str(tmp_path / f"w-{shard}.tar")) as sink:
            for k in range(shard * 25, shard * 25 + 25):  # parts straddle the shards
                sink.write({"__key__": f"s{k:04d}", "cls": k, "txt": f"caption {k}"})
    urls = str(tmp_path / "w-{0..3}.tar")
    assert WebDataset(urls).count() == 100  # from the headers
    out = hub.fs(tmp_path / "out").connect()
    alone = hub.ingest.webdataset(urls, out, "alone", workers=1)
    together = hub.ingest.webdataset(urls, out, "together", workers=2)
    assert together.dataset["cls"][:].tolist() == list(range(100))
    _same_datasets(together.dataset, alone.dataset)


def test_a_part_plan_moves_the_parts_after_a_skip_and_drops_those_written_too_early():
    from hub_v1.ingest.parts import PartDone, PartPlan

    plan = PartPlan(4, total=14)
    assert plan.wanted(10) == [0, 1, 2, 3] and plan.start_of(3) == 12  # no skips assumed
    assert plan.accept(PartDone(1, 4, 8, 4, ended=False))  # written before part 0
    assert plan.accept(PartDone(2, 8, 12, 4, ended=False))
    assert not plan.accept(PartDone(3, 11, 14, 3, ended=True))  # not where the plan starts it
    assert plan.accept(PartDone(0, 0, 5, 4, ended=False, skipped=("item 2",)))  # a skip
    assert [part.index for part in plan.done()] == [0]  # parts 1 and 2 start at 5 now
    assert plan.start_of(1) == 5 and plan.start_of(3) == 13 and plan.wanted(10) == [1, 2, 3]
    assert plan.accept(PartDone(3, 13, 14, 1, ended=True))
    assert plan.last() is None and plan.wanted(10) == [1, 2]  # nothing after the end
    assert plan.accept(PartDone(1, 5, 9, 4, ended=False))
    assert plan.accept(PartDone(2, 9, 13, 4, ended=False))
    last = plan.last()
    assert last is not None and last.index == 3 and plan.wanted(10) == []
    assert [part.index for part in plan.chain()] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="counts"):
        PartDone.from_json([0, -1, 4, 4, False, []])
    assert PartDone.from_json(last.to_json()) == last
