"""Loaders over datasets with ragged components: a batch of a ragged component is a list of
tensors (with DataLoader's default collate too), and hub_v1.transforms pipelines turn images
of any size into one stacked tensor, each crop drawn against that image's own size."""

from __future__ import annotations

import io

import hub_v1 as hub
import numpy as np
import pytest
import torch
from hub_v1 import transforms as T
from PIL import Image
from test_transforms import MEAN, STD, _pictures, _reference_train

SIZES = [(40, 60), (75, 50), (64, 64), (33, 90), (90, 33), (50, 70), (61, 47), (80, 100)]


def _encoded(pixels: np.ndarray, image_format: str, mode: str | None = None) -> bytes:
    image = Image.fromarray(pixels)
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, image_format, **({"quality": 95} if image_format == "JPEG" else {}))
    return buffer.getvalue()


def _images(k: int) -> np.ndarray:
    height, width = SIZES[k % len(SIZES)]
    return _pictures(k + 1, height, width)[k]


def _boxes(k: int) -> np.ndarray:
    return np.full((k % 3, 4), k, np.float32)


def _dataset(
    datahub: hub.DataHub, count: int = 16, compress: str = "jpeg", grey: tuple[int, ...] = ()
) -> hub.Dataset:
    image_format = {"jpeg": "JPEG", "png": "PNG"}[compress]
    images = datahub.array(
        "images", shape=(0, None, None, 3), dtype="uint8", compress=compress, shard=4
    )
    boxes = datahub.array("boxes", shape=(0, None, 4), dtype="float32", shard=4)
    captions = datahub.array("captions", shape=(0,), dtype="str")
    labels = datahub.array("labels", shape=(0,), dtype="int64")
    ds = datahub.dataset(
        "train",
        components={"images": images, "boxes": boxes, "captions": captions, "labels": labels},
    )
    ds.extend(
        {
            "images": [
                hub.read(_encoded(_images(k), image_format, "L" if k in grey else None))
                for k in range(count)
            ],
            "boxes": [_boxes(k) for k in range(count)],
            "captions": [f"sample {k}" for k in range(count)],
            "labels": list(range(count)),
        }
    )
    return ds


def _check_batch(batch: dict, indices: list[int]) -> None:
    assert batch["labels"].tolist() == indices
    assert batch["captions"] == [f"sample {k}" for k in indices]
    assert isinstance(batch["boxes"], list) and isinstance(batch["images"], list)
    for k, boxes, image in zip(indices, batch["boxes"], batch["images"], strict=True):
        assert type(boxes) is torch.Tensor and type(image) is torch.Tensor
        torch.testing.assert_close(boxes, torch.from_numpy(_boxes(k)))
        assert tuple(image.shape) == (*SIZES[k % len(SIZES)], 3)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_default_collate_lists_a_ragged_component(local_datahub, num_workers):
    ds = _dataset(local_datahub)
    loader = torch.utils.data.DataLoader(ds.to_pytorch(), batch_size=5, num_workers=num_workers)
    batches = list(loader)
    assert [len(b["labels"]) for b in batches] == [5, 5, 5, 1]
    for first, batch in zip(range(0, 16, 5), batches, strict=True):
        _check_batch(batch, list(range(first, min(16, first + 5))))
    # a per-sample function sees the ragged samples as tensors, and its result is listed too
    doubled = ds.to_pytorch(transform=lambda s: {"boxes": s["boxes"] * 2, "labels": s["labels"]})
    batch = next(iter(torch.utils.data.DataLoader(doubled, batch_size=3)))
    assert [tuple(b.shape) for b in batch["boxes"]] == [(0, 4), (1, 4), (2, 4)]
    torch.testing.assert_close(batch["boxes"][2], torch.from_numpy(_boxes(2) * 2))


def test_the_resumable_loader_and_the_batched_iterable_give_lists(local_datahub):
    ds = _dataset(local_datahub)
    seen = []
    for batch in ds.to_pytorch().loader(batch_size=4, shuffle=True, seed=3):
        indices = batch["labels"].tolist()
        _check_batch(batch, indices)
        seen += indices
    assert sorted(seen) == list(range(16)) and seen != sorted(seen)

    batched = ds.to_pytorch(batch_size=6, shuffle=True, seed=1, components=["boxes", "labels"])
    seen = []
    for batch in torch.utils.data.DataLoader(batched, batch_size=None, num_workers=2):
        for k, boxes in zip(batch["labels"].tolist(), batch["boxes"], strict=True):
            torch.testing.assert_close(boxes, torch.from_numpy(_boxes(k)))
            seen.append(k)
    assert sorted(seen) == list(range(16))


def test_image_pipelines_stack_images_of_any_size_cropped_against_each_size(local_datahub):
    ds = _dataset(local_datahub, compress="png")  # lossless: compare with PIL pixel for pixel
    pipeline = T.Compose(
        [T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)], seed=5
    )
    torch_ds = ds.to_pytorch(transform={"images": pipeline})
    loader = torch.utils.data.DataLoader(torch_ds, batch_size=8)
    torch_ds.set_epoch(2)
    batch = next(iter(loader))
    assert batch["images"].shape == (8, 3, 24, 24) and batch["images"].dtype == torch.float32
    assert isinstance(batch["boxes"], list)
    levels = np.array(STD)[:, None, None] * 255
    for k in range(8):
        expected, _ = _reference_train(_images(k), k, 5, 2, 24)
        assert (np.abs(batch["images"][k].numpy() - expected) * levels).max() <= 1.01, k
    # the batched loader gives the same pixels for the same (epoch, sample)
    batched = ds.to_pytorch(batch_size=8, transform={"images": pipeline})
    batched.set_epoch(2)
    same = next(iter(batched))
    order = same["labels"].numpy()
    np.testing.assert_array_equal(same["images"].numpy(), batch["images"].numpy()[order])


def test_jpeg_crops_decode_only_their_box_and_grey_files_come_out_rgb(local_datahub):
    ds = _dataset(local_datahub, compress="jpeg", grey=(3, 6))
    pipeline = T.Compose([T.RandomResizedCrop(32, scale=(0.3, 1.0))], seed=2)
    out = pipeline.read(ds["images"], np.arange(16), epoch=0)
    assert out.shape == (16, 32, 32, 3) and out.dtype == np.uint8
    decoded = ds["images"][:]
    for k in range(16):
        # the same box of the whole decoded image, resampled: within jpeg's scaled decoding
        expected = pipeline.apply(decoded[k][None], [k], epoch=0)[0]
        assert np.abs(out[k].astype(int) - expected).mean() < 4, k
        if k in (3, 6):  # grey files: every channel the same, as Pillow's convert("RGB")
            assert (out[k][..., 0] == out[k][..., 2]).all()
    eval_pipeline = T.Compose([T.Resize(36), T.CenterCrop(30), T.ToTensor()])
    tensor_batch = next(iter(ds.to_pytorch(batch_size=4, transform={"images": eval_pipeline})))
    assert tensor_batch["images"].shape == (4, 3, 30, 30)


def test_pipelines_that_cannot_give_one_size_are_refused_up_front(local_datahub):
    ds = _dataset(local_datahub, count=2)
    with pytest.raises(ValueError, match=r"'images'.*fixed size"):
        ds.to_pytorch(transform={"images": T.Compose([T.Resize(32)])})
    with pytest.raises(TypeError, match="'boxes'"):
        ds.to_pytorch(transform={"boxes": T.Compose([T.RandomResizedCrop(8)])})
    images = ds["images"]
    with pytest.raises(hub.errors.InvalidArgumentError, match="image 1"):  # box outside it
        images.read_images([1], np.array([[0.0, 0.0, 500.0, 10.0]]), np.zeros(1, bool), 8, 8,
                           False, [], [])  # fmt: skip
    with pytest.raises(hub.errors.OutOfBoundsError):
        images.read_images([2], np.array([[0.0, 0.0, 1.0, 1.0]]), np.zeros(1, bool), 8, 8,
                           False, [], [])  # fmt: skip


def test_tensorflow_gives_ragged_tensors_and_dense_elements(local_datahub):
    tf = pytest.importorskip("tensorflow")
    ds = _dataset(local_datahub, count=10)
    elements = list(ds.to_tensorflow(read_batch=4))
    assert len(elements) == 10
    for k, element in enumerate(elements):
        assert isinstance(element["images"], tf.Tensor)  # each sample dense, its own shape
        assert tuple(element["images"].shape) == (*SIZES[k % len(SIZES)], 3)
        np.testing.assert_array_equal(element["boxes"].numpy(), _boxes(k))
        assert element["captions"].numpy().decode() == f"sample {k}"
    ragged = ds.to_tensorflow(components=["boxes", "labels"]).ragged_batch(4)
    assert next(iter(ragged))["boxes"].row_lengths().numpy().tolist() == [0, 1, 2, 0]

    batches = list(ds.to_tensorflow(batch_size=4, shuffle=True, seed=2))
    seen = []
    for batch in batches:
        images, boxes = batch["images"], batch["boxes"]
        assert isinstance(images, tf.RaggedTensor) and images.ragged_rank == 2
        assert isinstance(boxes, tf.RaggedTensor) and boxes.ragged_rank == 1
        for row, k in enumerate(batch["labels"].numpy().tolist()):
            np.testing.assert_array_equal(boxes[row].numpy(), _boxes(k))
            height, width = SIZES[k % len(SIZES)]
            assert images[row].to_tensor().shape == (height, width, 3)
            seen.append(k)
    assert sorted(seen) == list(range(10))
    pipeline = T.Compose([T.RandomResizedCrop(16), T.Normalize(MEAN, STD)])
    stacked = next(iter(ds.to_tensorflow(batch_size=4, transform={"images": pipeline})))
    assert isinstance(stacked["images"], tf.Tensor) and stacked["images"].shape == (4, 3, 16, 16)
