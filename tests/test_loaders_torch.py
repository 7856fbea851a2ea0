"""to_pytorch with real torch 2.13 (CPU): the seed's contract, every DataLoader option, exact
epoch coverage, sharding, pickling to spawned workers, and a CNN that learns from jpeg data."""

from __future__ import annotations

import pickle
import subprocess
import sys

import hub_v1 as hub
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, DistributedSampler  # noqa: E402


def test_seed_contract(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    datahub = hub.fs("./data/cache").connect()
    images = datahub.array(
        name="test/dataloaders/images3", shape=(100, 100, 100), chunk=(1, 100, 100), dtype="uint8"
    )
    labels = datahub.array(
        name="test/dataloaders/labels3", shape=(100, 1), chunk=(100, 1), dtype="uint8"
    )
    ds = datahub.dataset(
        name="test/loaders/dataset2", components={"images": images, "labels": labels}
    )
    # Transform to Pytorch
    train_dataset = ds.to_pytorch()
    # Create data loader
    train_loader = torch.utils.data.DataLoader(
        train_dataset,
        batch_size=32,
        num_workers=2,
        pin_memory=False,
        shuffle=False,
        drop_last=False,
    )
    # access batch
    batch = next(iter(train_loader))
    assert batch["images"].shape == (32, 100, 100)
    assert batch["labels"].shape == (32, 1)


@pytest.fixture
def numbered(tmp_path):
    """A dataset whose `index` component holds each sample's own index."""
    datahub = hub.fs(tmp_path).connect()
    index = datahub.array("index", shape=(100,), chunk=(16,), dtype="int64")
    index[:] = np.arange(100)
    pixels = datahub.array("pixels", shape=(100, 4, 4), chunk=(16, 4, 4), dtype="float32")
    pixels[:] = np.arange(100, dtype=np.float32)[:, None, None]
    return datahub.dataset("numbered", components={"index": index, "pixels": pixels})


def _seen(loader) -> list[int]:
    seen = []
    for batch in loader:
        assert (batch["pixels"][:, 0, 0] == batch["index"].float()).all()  # components agree
        seen += batch["index"].tolist()
    return seen


@pytest.mark.parametrize("num_workers", [0, 2])
@pytest.mark.parametrize("shuffle", [False, True])
def test_map_style_sees_every_sample_once(numbered, num_workers, shuffle):
    loader = DataLoader(
        numbered.to_pytorch(), batch_size=8, shuffle=shuffle, num_workers=num_workers
    )
    seen = _seen(loader)
    assert sorted(seen) == list(range(100))
    assert (seen != list(range(100))) == shuffle


def test_spawned_workers_reopen_the_dataset(numbered):
    loader = DataLoader(
        numbered.to_pytorch(), batch_size=10, num_workers=2, multiprocessing_context="spawn"
    )
    assert sorted(_seen(loader)) == list(range(100))


def test_persistent_workers_and_pin_memory(numbered):
    loader = DataLoader(
        numbered.to_pytorch(),
        batch_size=10,
        num_workers=2,
        persistent_workers=True,
        pin_memory=True,
    )
    for _ in range(2):
        assert sorted(_seen(loader)) == list(range(100))


def test_distributed_sampler_splits_without_overlap(numbered):
    parts = []
    for rank in range(2):
        sampler = DistributedSampler(numbered.to_pytorch(), num_replicas=2, rank=rank, seed=3)
        parts.append(_seen(DataLoader(numbered.to_pytorch(), batch_size=7, sampler=sampler)))
    assert not set(parts[0]) & set(parts[1])
    assert sorted(parts[0] + parts[1]) == list(range(100))


def test_batched_fetch_equals_item_reads(numbered):
    dataset = numbered.to_pytorch()
    items = dataset.__getitems__([5, 99, 0, 5])
    for position, index in enumerate([5, 99, 0, 5]):
        assert items[position]["index"].item() == index
        assert torch.equal(items[position]["pixels"], dataset[index]["pixels"])


def test_transform_is_applied_per_sample(numbered):
    dataset = numbered.to_pytorch(transform=lambda s: {"double": s["index"] * 2})
    batch = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch["double"].tolist() == [0, 2, 4, 6]
    assert dataset[7]["double"].item() == 14


@pytest.mark.parametrize("num_workers", [0, 2])
def test_batched_path_covers_each_epoch_once_and_reshuffles(numbered, num_workers):
    batched = numbered.to_pytorch(batch_size=12, shuffle=True, seed=1)
    loader = DataLoader(batched, batch_size=None, num_workers=num_workers)
    epochs = []
    for epoch in range(2):
        batched.set_epoch(epoch)
        epochs.append(_seen(loader))
        assert sorted(epochs[-1]) == list(range(100))
    assert epochs[0] != epochs[1]


def test_batched_path_shards_by_rank_and_worker(numbered):
    seen = []
    for rank in range(2):
        batched = numbered.to_pytorch(batch_size=8, shuffle=True, rank=rank, world_size=2)
        seen.append(_seen(DataLoader(batched, batch_size=None, num_workers=2)))
    assert not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(100))


def test_batched_path_drop_last_and_direct_iteration(numbered):
    batches = list(numbered.to_pytorch(batch_size=32, drop_last=True))
    assert [len(b["index"]) for b in batches] == [32, 32, 32]


def test_memory_store_datasets_fork_but_do_not_travel_to_other_processes():
    datahub = hub.memory().connect()
    x = datahub.array("x", shape=(8,), dtype="int64")
    x[:] = np.arange(8)
    ds = datahub.dataset("d", components={"x": x})
    loader = DataLoader(
        ds.to_pytorch(), batch_size=4, num_workers=2, multiprocessing_context="fork"
    )
    assert sorted(torch.cat([b["x"] for b in loader]).tolist()) == list(range(8))
    assert pickle.loads(pickle.dumps(ds))["x"][3] == 3  # same process: found again
    script = "import pickle, sys, hub_v1; pickle.loads(sys.stdin.buffer.read())"
    result = subprocess.run(
        [sys.executable, "-c", script], input=pickle.dumps(ds), capture_output=True, check=False
    )
    assert result.returncode != 0 and b"only exists in the process that made it" in result.stderr


def _shapes_dataset(datahub):
    """64 tiny jpeg images: bright squares (label 1) or dark squares (label 0) on noise."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    pictures = rng.integers(0, 60, (64, 32, 32, 3)).astype(np.uint8)
    pictures[labels == 1, 8:24, 8:24] = 220
    images = datahub.array(
        "cnn/images",
        shape=(64, 32, 32, 3),
        chunk=(16, 32, 32, 3),
        dtype="uint8",
        compress="jpeg",
        quality=90,
    )
    images[:] = pictures
    label = datahub.array("cnn/labels", shape=(64,), dtype="int64")
    label[:] = labels
    return datahub.dataset("cnn/train", components={"images": images, "labels": label})


def test_jpeg_dataset_trains_a_tiny_cnn(tmp_path):
    torch.manual_seed(0)
    ds = _shapes_dataset(hub.fs(tmp_path).connect())
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader(ds.to_pytorch(), batch_size=16, shuffle=True, num_workers=2)
    losses = []
    for _ in range(6):
        for batch in loader:
            x = batch["images"].permute(0, 3, 1, 2).float() / 255
            loss = torch.nn.functional.cross_entropy(model(x), batch["labels"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:4])


def test_progress_bar_counts_the_epoch(numbered, capsys):
    batches = list(numbered.to_pytorch(batch_size=25, progress=True))
    assert len(batches) == 4
    assert "4/4" in capsys.readouterr().err


def test_tensors_index_arrays_as_numpy_does(numbered):
    index = numbered["index"]
    assert index[torch.tensor(7)] == 7
    assert index[torch.tensor([3, 1])].tolist() == [3, 1]
    assert numbered[torch.tensor(5)]["index"] == 5
    mask = torch.zeros(100, dtype=torch.bool)
    mask[[2, 9]] = True
    assert index[mask].tolist() == [2, 9]
