"""Engine image transforms in the PyTorch loaders: every path (map-style item reads, plain
DataLoader batches, the read-ahead loader, the batched iterable; with and without workers)
gives each sample exactly the images `Compose.read` gives for (seed, epoch, sample), new
choices each epoch, and the same choices again in a resumed epoch."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1 import transforms as T

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

PIPELINE = T.Compose(
    [T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.Normalize([0.5] * 3, [0.25] * 3)],
    seed=3,
)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """48 png images of 40 x 48 pixels that differ per sample, one per chunk, and indices."""
    datahub = hub.fs(tmp_path_factory.mktemp("photos")).connect()
    y, x = np.mgrid[0:40, 0:48]
    pictures = np.stack([(x * 3 + y * (k % 5) + k * 11) % 256 for k in range(48)])
    pictures = np.repeat(pictures[..., None], 3, axis=3).astype(np.uint8)
    images = datahub.array(
        "images",
        shape=pictures.shape,
        chunk=(1, 40, 48, 3),
        shard=(8, 40, 48, 3),
        dtype="uint8",
        compress="png",
    )
    images[:] = pictures
    index = datahub.array("index", shape=(48,), chunk=(8,), dtype="int64")
    index[:] = np.arange(48)
    return datahub.dataset("photos", components={"images": images, "index": index})


def _check(batch, dataset, epoch):
    indices = batch["index"].numpy()
    expected = PIPELINE.read(dataset["images"], indices, epoch=epoch)
    assert batch["images"].dtype == torch.float32
    np.testing.assert_array_equal(batch["images"].numpy(), expected)
    return indices.tolist()


@pytest.mark.parametrize("num_workers", [0, 2])
def test_read_ahead_loader_transforms_each_epoch_anew(photos, num_workers):
    train = photos.to_pytorch(transform={"images": PIPELINE})
    loader = train.loader(batch_size=8, shuffle=True, seed=1, num_workers=num_workers)
    first_images = {}
    for epoch in range(2):
        seen = []
        for batch in loader:
            seen += _check(batch, photos, epoch)
            for row, index in enumerate(batch["index"].tolist()):
                first_images.setdefault(index, []).append(batch["images"][row].clone())
        assert sorted(seen) == list(range(48))
    changed = sum(not torch.equal(*versions) for versions in first_images.values())
    assert changed > 40  # a new crop for (nearly) every sample in epoch 1


@pytest.mark.parametrize("num_workers", [0, 2])
def test_plain_dataloader_and_item_reads(photos, num_workers):
    train = photos.to_pytorch(transform={"images": PIPELINE})
    train.set_epoch(5)
    loader = DataLoader(train, batch_size=8, shuffle=True, num_workers=num_workers)
    seen = [index for batch in loader for index in _check(batch, photos, 5)]
    assert sorted(seen) == list(range(48))
    item = train[-3]
    np.testing.assert_array_equal(
        item["images"].numpy(), PIPELINE.read(photos["images"], [45], 5)[0]
    )
    assert item["index"].item() == 45
    with pytest.raises(IndexError):
        train[48]


@pytest.mark.parametrize("num_workers", [0, 2])
def test_batched_iterable_transforms(photos, num_workers):
    train = photos.to_pytorch(
        batch_size=8, shuffle=True, transform={"images": [T.CenterCrop(32), T.Resize(16)]}
    )
    pipeline = T.Compose([T.CenterCrop(32), T.Resize(16)])
    seen = []
    for batch in train.loader(num_workers=num_workers):
        assert batch["images"].shape == (8, 16, 16, 3) and batch["images"].dtype == torch.uint8
        expected = pipeline.read(photos["images"], batch["index"].numpy())
        np.testing.assert_array_equal(batch["images"].numpy(), expected)
        seen += batch["index"].tolist()
    assert sorted(seen) == list(range(48))


def test_a_resumed_epoch_makes_the_same_choices(photos):
    train = photos.to_pytorch(transform={"images": PIPELINE})
    loader = train.loader(batch_size=8, shuffle=True, seed=2)
    for _ in loader:  # epoch 0
        pass
    batches = iter(loader)  # epoch 1
    next(batches)
    state = loader.state_dict()
    rest = [batch for batch in batches]
    resumed = photos.to_pytorch(transform={"images": PIPELINE}).loader(
        batch_size=8, shuffle=True, seed=2
    )
    resumed.load_state_dict(state)
    again = list(resumed)
    assert len(again) == len(rest) == 5
    for original, repeat in zip(rest, again, strict=True):
        assert torch.equal(original["index"], repeat["index"])
        assert torch.equal(original["images"], repeat["images"])
        _check(repeat, photos, 1)


def test_transform_mistakes_are_clear(photos):
    with pytest.raises(TypeError, match="apply to one component"):
        photos.to_pytorch(transform=PIPELINE)
    with pytest.raises(KeyError, match="labels"):
        photos.to_pytorch(transform={"labels": PIPELINE})
    with pytest.raises(TypeError, match=r"component 'index'.*uint8 images"):
        photos.to_pytorch(batch_size=4, transform={"index": PIPELINE})
