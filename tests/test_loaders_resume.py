"""hub_v1's own batch order with real torch 2.13 (CPU): the batch sampler (ranks, epochs,
drop_last), read-ahead of the batches a process will be asked for, the collate that hands a
whole batch on, and HubDataLoader's state_dict: a resumed epoch yields exactly the batches not
yet yielded, with and without DataLoader workers, for the map-style and batched paths."""

from __future__ import annotations

import threading

import hub_v1 as hub
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hub_v1.integrations.sharding import batches_taken_per_worker  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from training_logs import kill_and_finish  # noqa: E402


@pytest.fixture
def numbered(tmp_path):
    """100 samples whose `index` component holds each sample's own index."""
    datahub = hub.fs(tmp_path).connect()
    index = datahub.array("index", shape=(100,), chunk=(16,), dtype="int64")
    index[:] = np.arange(100)
    pixels = datahub.array("pixels", shape=(100, 4, 4), chunk=(16, 4, 4), dtype="float32")
    pixels[:] = np.arange(100, dtype=np.float32)[:, None, None]
    return datahub.dataset("numbered", components={"index": index, "pixels": pixels})


def _indices(batches) -> list[int]:
    seen = []
    for batch in batches:
        assert (batch["pixels"][:, 0, 0] == batch["index"].float()).all()  # components agree
        seen += batch["index"].tolist()
    return seen


def test_sampler_covers_each_epoch_once_in_a_new_order(numbered):
    sampler = numbered.to_pytorch().batch_sampler(8, shuffle=True, seed=5)
    epochs = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        epochs.append([index for batch in sampler for index in batch])
        assert sorted(epochs[-1]) == list(range(100))
        assert len(sampler) == 13
    assert epochs[0] != epochs[1] != epochs[2]
    sampler.set_epoch(1)
    assert [i for batch in sampler for i in batch] == epochs[1]  # seeded: reproducible


def test_sampler_splits_ranks_and_evens_them_with_drop_last(numbered):
    dataset = numbered.to_pytorch()
    parts = [
        [i for b in dataset.batch_sampler(8, True, 1, num_replicas=3, rank=r) for i in b]
        for r in range(3)
    ]
    assert sorted(parts[0] + parts[1] + parts[2]) == list(range(100))
    even = [dataset.batch_sampler(8, True, 1, True, num_replicas=3, rank=r) for r in range(3)]
    assert len({len(sampler) for sampler in even}) == 1
    assert all(len(batch) == 8 for sampler in even for batch in sampler)
    with pytest.raises(ValueError, match="together"):
        dataset.batch_sampler(8, rank=1)
    with pytest.raises(ValueError, match="outside"):
        dataset.batch_sampler(8, num_replicas=2, rank=2)


def test_map_style_reads_the_next_batches_ahead(numbered, monkeypatch):
    dataset = numbered.to_pytorch(prefetch=3)
    sampler = dataset.batch_sampler(8, shuffle=True, seed=2)
    read, changed = [], threading.Condition()
    original = hub.Array.read

    def recording(array, key=..., out=None):
        if array.name == "index":
            with changed:
                read.append(np.asarray(key).tolist())
                changed.notify_all()
        return original(array, key, out)

    def reads_reach(count: int) -> bool:
        with changed:
            return changed.wait_for(lambda: len(read) >= count, timeout=10)

    monkeypatch.setattr(hub.Array, "read", recording)
    plan = list(sampler)
    first = dataset.__getitems__(plan[0])
    assert reads_reach(4)  # batch 0 and the three after it, before they are asked for
    assert sorted(read) == sorted(plan[:4])
    assert [s["index"].item() for s in first] == plan[0]
    assert first.batch is not None and first.batch["index"].tolist() == plan[0]
    second = dataset.__getitems__(plan[1])
    assert second.batch["index"].tolist() == plan[1]
    assert reads_reach(5) and read[4] == plan[4]  # batch 1 was read ahead; batch 4 is next
    assert len(read) == 5


@pytest.mark.parametrize("num_workers", [0, 2])
def test_map_style_loader_batches_equal_the_default_path(numbered, num_workers):
    dataset = numbered.to_pytorch()
    loader = dataset.loader(batch_size=8, shuffle=True, seed=4, num_workers=num_workers)
    plan = [batch.tolist() for batch in loader.batch_sampler.plan(0)]
    yielded = list(loader)
    assert [batch["index"].tolist() for batch in yielded] == plan
    for batch in yielded:
        reference = torch.utils.data.default_collate([dataset[i] for i in batch["index"]])
        assert torch.equal(batch["pixels"], reference["pixels"])
    assert sorted(_indices(loader)) == list(range(100))  # epoch 1 by itself: a new order
    assert loader.epoch == 2


def test_persistent_workers_still_read_ahead_in_later_epochs(numbered):
    loader = numbered.to_pytorch().loader(
        batch_size=8, shuffle=True, num_workers=2, persistent_workers=True
    )
    for epoch in range(3):
        seen = _indices(loader)
        assert sorted(seen) == list(range(100))
        assert seen == [i for b in loader.batch_sampler.plan(epoch) for i in b]


def test_a_transform_still_gets_samples(numbered):
    dataset = numbered.to_pytorch(transform=lambda s: {"double": s["index"] * 2})
    batch = next(iter(dataset.loader(batch_size=4)))
    assert batch["double"].tolist() == [0, 2, 4, 6]


def test_batches_taken_per_worker_follows_dataloader_round_robin():
    assert batches_taken_per_worker([3, 3], 5) == ([3, 2], 1)
    assert batches_taken_per_worker([1, 4, 2], 6) == ([1, 3, 2], 1)
    assert batches_taken_per_worker([0, 2], 2) == ([0, 2], 0)
    assert batches_taken_per_worker([2, 2, 2], 2, first=2) == ([1, 0, 1], 1)
    with pytest.raises(ValueError):
        batches_taken_per_worker([1, 1], 3)


def _make_loader(numbered, kind: str, num_workers: int):
    if kind == "map-style":
        return numbered.to_pytorch().loader(
            batch_size=8, shuffle=True, seed=3, num_workers=num_workers
        )
    batched = numbered.to_pytorch(batch_size=8, shuffle=True, seed=3)
    return batched.loader(num_workers=num_workers)


@pytest.mark.parametrize("kind", ["map-style", "batched"])
@pytest.mark.parametrize("num_workers", [0, 2])
def test_a_resumed_epoch_yields_exactly_the_batches_not_yet_yielded(numbered, kind, num_workers):
    reference = _make_loader(numbered, kind, num_workers)
    full = [[b["index"].tolist() for b in reference] for _ in range(2)]

    loader = _make_loader(numbered, kind, num_workers)
    iterator = iter(loader)
    before = [next(iterator)["index"].tolist() for _ in range(5)]
    state = loader.state_dict()
    assert state["epoch"] == 0

    resumed = _make_loader(numbered, kind, num_workers)
    resumed.load_state_dict(state)
    iterator = iter(resumed)
    middle = [next(iterator)["index"].tolist() for _ in range(3)]
    second_state = resumed.state_dict()  # a resume of a resume

    again = _make_loader(numbered, kind, num_workers)
    again.load_state_dict(second_state)
    rest = [b["index"].tolist() for b in again]
    assert before + middle + rest == full[0]
    assert again.state_dict()["epoch"] == 1
    assert [b["index"].tolist() for b in again] == full[1]  # the next epoch, whole


def test_state_from_another_configuration_is_refused(numbered):
    state = _make_loader(numbered, "batched", 2).state_dict()
    with pytest.raises(ValueError, match="num_workers: saved 2, now 1"):
        _make_loader(numbered, "batched", 0).load_state_dict(state)
    with pytest.raises(ValueError, match="kind"):
        _make_loader(numbered, "map-style", 2).load_state_dict(state)
    with pytest.raises(ValueError, match="not a hub_v1 loader state"):
        _make_loader(numbered, "map-style", 0).load_state_dict({"epoch": 0})
    with pytest.raises(ValueError, match="persistent"):
        numbered.to_pytorch(batch_size=8).loader(num_workers=2, persistent_workers=True)


def _damaged(state: dict, field: str, value) -> dict:
    damaged = {**state}
    if field == "shard_batches_done[1]":
        damaged["shard_batches_done"] = [*state["shard_batches_done"][:1], value]
    else:
        damaged[field] = value
    return damaged


# 100 samples in batches of 8: 13 batches an epoch, 7 and 6 for each of 2 workers.
DAMAGE = {
    "map-style": [
        ("batches_done", -2),
        ("batches_done", -1),
        ("batches_done", 14),
        ("batches_done", 10**6),
        ("batches_done", 2.0),
        ("batches_done", "3"),
        ("batches_done", True),
        ("batches_done", None),
        ("epoch", -1),
        ("epoch", 2**40),
        ("epoch", 0.5),
    ],
    "batched": [
        ("shard_batches_done[1]", -2),
        ("shard_batches_done[1]", 7),
        ("shard_batches_done[1]", 10**6),
        ("shard_batches_done[1]", "1"),
        ("shard_batches_done", [1]),
        ("shard_batches_done", [1, 1, 1]),
        ("shard_batches_done", "11"),
        ("shard_batches_done", None),
        ("next_shard", -1),
        ("next_shard", 2),
        ("next_shard", 1.0),
        ("epoch", -3),
        ("epoch", "0"),
        ("config", []),
    ],
}


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [(kind, field, value) for kind, cases in DAMAGE.items() for field, value in cases],
)
def test_a_state_out_of_range_or_of_the_wrong_type_is_refused(numbered, kind, field, value):
    workers = 2 if kind == "batched" else 0  # a batched state counts per worker
    loader = _make_loader(numbered, kind, workers)
    iterator = iter(loader)
    for _ in range(3):
        next(iterator)
    state = loader.state_dict()
    del iterator
    with pytest.raises(ValueError, match="loader state"):
        _make_loader(numbered, kind, workers).load_state_dict(_damaged(state, field, value))
    _make_loader(numbered, kind, workers).load_state_dict(state)  # the state itself is fine


def test_a_state_for_an_epoch_of_another_length_is_refused(numbered, tmp_path):
    state = _make_loader(numbered, "map-style", 0).state_dict()
    state["batches_done"] = 13  # the whole epoch: fine
    _make_loader(numbered, "map-style", 0).load_state_dict(state)
    state["config"] = {**state["config"], "length": 50}
    with pytest.raises(ValueError, match="length: saved 50, now 100"):
        _make_loader(numbered, "map-style", 0).load_state_dict(state)
    with pytest.raises(ValueError, match="loader state is a dict"):
        _make_loader(numbered, "map-style", 0).load_state_dict([("epoch", 0)])


def test_plain_dataloader_with_the_sampler_reads_ahead_too(numbered):
    dataset = numbered.to_pytorch()
    sampler = dataset.batch_sampler(10, shuffle=True)
    loader = DataLoader(dataset, batch_sampler=sampler, num_workers=2)
    assert sorted(_indices(loader)) == list(range(100))


def test_ranks_found_by_themselves_split_the_data_under_every_start_method(numbered, tmp_path):
    """Two gloo ranks on 127.0.0.1, each with 2 DataLoader workers forked, spawned or
    forkserved, and no rank passed: their samples are disjoint and cover the dataset."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from servers import free_port

    job = Path(__file__).with_name("distributed_rank_job.py")
    root, port = str(tmp_path), free_port()  # `numbered` lives in tmp_path
    outputs = [tmp_path / f"rank{rank}.json" for rank in range(2)]
    ranks = [
        subprocess.Popen(
            [sys.executable, str(job), root, str(rank), "2", str(port), str(outputs[rank])]
        )
        for rank in range(2)
    ]
    assert [process.wait(timeout=240) for process in ranks] == [0, 0]
    seen = [json.loads(output.read_text())["seen"] for output in outputs]
    assert len(seen[0]) == 9
    for name in seen[0]:
        assert not set(seen[0][name]) & set(seen[1][name]), name
        assert sorted(seen[0][name] + seen[1][name]) == list(range(100)), name


@pytest.mark.parametrize("kind", ["map-style", "batched"])
def test_a_training_loop_killed_mid_epoch_resumes_every_sample_exactly_once(
    numbered, tmp_path, kind
):
    import sys
    from pathlib import Path

    job = Path(__file__).with_name("resumable_training_job.py")
    checkpoint, log = tmp_path / "checkpoint.json", tmp_path / "steps.log"
    command = [sys.executable, str(job), str(tmp_path), kind, "2", str(checkpoint), str(log), "2"]
    kept = kill_and_finish(command, log, np.random.default_rng(7).integers(1, 9, 3))
    reference = _make_loader(numbered, kind, 2)
    for epoch in range(2):
        seen = [indices for _, e, indices in kept if e == epoch]
        assert sorted(i for batch in seen for i in batch) == list(range(100))  # once each
        assert seen == [b["index"].tolist() for b in reference]  # in the uninterrupted order
