"""to_tensorflow with real tensorflow-cpu 2.21: the seed's contract, element_spec, the usual
tf.data operations, and a Keras CNN that learns from a jpeg dataset."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hub_v1 as hub
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
from training_logs import kill_and_finish  # noqa: E402


def test_seed_contract(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    datahub = hub.fs("./data/cache").connect()
    images = datahub.array(
        name="test/dataloaders/images3", shape=(100, 100, 100), chunk=(1, 100, 100), dtype="uint8"
    )
    labels = datahub.array(
        name="test/dataloaders/labels3", shape=(100, 1), chunk=(100, 1), dtype="uint8"
    )
    # Create dataset
    ds = datahub.dataset(
        name="test/loaders/dataset2", components={"images": images, "labels": labels}
    )
    # Transform to Tensorflow
    train_dataset = ds.to_tensorflow()
    # access batch
    batch = next(iter(train_dataset.batch(batch_size=16)))
    assert batch["images"].shape == (16, 100, 100)


@pytest.fixture
def numbered(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    index = datahub.array("index", shape=(300,), chunk=(64,), dtype="int64")
    index[:] = np.arange(300)
    mask = datahub.array("mask", shape=(300, 2), dtype="bool")
    mask[::2] = True
    return datahub.dataset("numbered", components={"index": index, "mask": mask})


def test_element_spec_and_every_sample_once_with_shuffle(numbered):
    dataset = numbered.to_tensorflow(read_batch=64)
    assert len(dataset) == 300
    assert dataset.element_spec == {
        "index": tf.TensorSpec(shape=(), dtype=tf.int64),
        "mask": tf.TensorSpec(shape=(2,), dtype=tf.bool),
    }
    pipeline = dataset.shuffle(100, seed=0).batch(32).prefetch(tf.data.AUTOTUNE)
    seen, masks = [], []
    for batch in pipeline:
        seen += batch["index"].numpy().tolist()
        masks += batch["mask"].numpy()[:, 0].tolist()
    assert sorted(seen) == list(range(300)) and seen != list(range(300))
    assert all(mask == (index % 2 == 0) for index, mask in zip(seen, masks, strict=True))


def test_components_and_transform(numbered):
    dataset = numbered.to_tensorflow(components=["index"], transform=lambda s: s["index"] * 10)
    assert next(iter(dataset.batch(4))).numpy().tolist() == [0, 10, 20, 30]


def test_jpeg_dataset_trains_a_tiny_keras_cnn(tmp_path):
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 64)
    pictures = rng.integers(0, 60, (64, 32, 32, 3)).astype(np.uint8)
    pictures[labels == 1, 8:24, 8:24] = 220
    datahub = hub.fs(tmp_path).connect()
    images = datahub.array(
        "images",
        shape=(64, 32, 32, 3),
        chunk=(16, 32, 32, 3),
        dtype="uint8",
        compress="jpeg",
        quality=90,
    )
    images[:] = pictures
    label = datahub.array("labels", shape=(64,), dtype="int64")
    label[:] = labels
    ds = datahub.dataset("train", components={"images": images, "labels": label})
    data = (
        ds.to_tensorflow()
        .map(lambda s: (tf.cast(s["images"], tf.float32) / 255.0, s["labels"]))
        .shuffle(64, seed=0)
        .batch(16)
    )
    model = tf.keras.Sequential(
        [
            tf.keras.Input((32, 32, 3)),
            tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(0.05),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(data, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def _indices(dataset) -> list[list[int]]:
    return [batch["index"].numpy().tolist() for batch in dataset]


def test_batched_epochs_cover_every_sample_once_in_a_new_order(numbered):
    dataset = numbered.to_tensorflow(batch_size=32, shuffle=True, seed=4, epochs=2)
    assert dataset.element_spec["index"] == tf.TensorSpec(shape=(None,), dtype=tf.int64)
    batches = _indices(dataset)
    assert len(dataset) == len(batches) == 20
    first = [i for batch in batches[:10] for i in batch]
    second = [i for batch in batches[10:] for i in batch]
    assert sorted(first) == sorted(second) == list(range(300))
    assert first != second and first != list(range(300))
    assert all(batch == sorted(batch) for batch in batches)  # one sorted gather each
    # a later call for epoch 1 alone is the same epoch
    assert (
        _indices(numbered.to_tensorflow(batch_size=32, shuffle=True, seed=4, epoch=1))
        == batches[10:]
    )
    masks = next(iter(dataset))
    assert (masks["mask"].numpy()[:, 0] == (masks["index"].numpy() % 2 == 0)).all()


@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_split_each_epoch_without_overlap(numbered, drop_last):
    shards = [
        _indices(
            numbered.to_tensorflow(
                batch_size=16,
                shuffle=True,
                seed=1,
                drop_last=drop_last,
                num_shards=3,
                shard_index=k,
            )
        )
        for k in range(3)
    ]
    seen = [[i for batch in shard for i in batch] for shard in shards]
    everything = sorted(i for shard in seen for i in shard)
    assert len(everything) == len(set(everything))  # no sample in two shards
    if drop_last:
        assert len({len(shard) for shard in shards}) == 1  # the same steps on every shard
        assert all(len(batch) == 16 for shard in shards for batch in shard)
    else:
        assert everything == list(range(300))


def test_input_context_is_shard_semantics(numbered):
    context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1)
    by_context = numbered.to_tensorflow(batch_size=10, shuffle=True, input_context=context)
    explicit = numbered.to_tensorflow(batch_size=10, shuffle=True, num_shards=2, shard_index=1)
    assert _indices(by_context) == _indices(explicit)
    with pytest.raises(ValueError, match="outside 2 shards"):
        numbered.to_tensorflow(batch_size=10, num_shards=2, shard_index=2)


def test_a_checkpointed_iterator_resumes_the_epoch_exactly(numbered, tmp_path):
    def make():
        return numbered.to_tensorflow(batch_size=16, shuffle=True, seed=9, epochs=2)

    uninterrupted = _indices(make())
    iterator = iter(make())
    for _ in range(13):  # into the second epoch
        next(iterator)
    path = tf.train.Checkpoint(iterator=iterator).save(str(tmp_path / "loader"))
    resumed = iter(make())
    tf.train.Checkpoint(iterator=resumed).restore(path)
    assert [batch["index"].numpy().tolist() for batch in resumed] == uninterrupted[13:]


def _image_dataset(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    y, x = np.mgrid[0:30, 0:40]
    pictures = np.stack([(x * 2 + y * k + k * 7) % 256 for k in range(24)])
    pictures = np.repeat(pictures[..., None], 3, axis=3).astype(np.uint8)
    images = datahub.array(
        "images", shape=pictures.shape, chunk=(1, 30, 40, 3), dtype="uint8", compress="png"
    )
    images[:] = pictures
    index = datahub.array("index", shape=(24,), chunk=(4,), dtype="int64")
    index[:] = np.arange(24)
    return datahub.dataset("photos", components={"images": images, "index": index})


def test_engine_transforms_in_both_shapes(tmp_path):
    from hub_v1 import transforms as T

    ds = _image_dataset(tmp_path)
    pipeline = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.ToTensor()], seed=2)
    batched = ds.to_tensorflow(batch_size=8, shuffle=True, epochs=2, transform={"images": pipeline})
    assert batched.element_spec["images"] == tf.TensorSpec((None, 3, 16, 16), tf.float32)
    for position, batch in enumerate(batched):
        indices = batch["index"].numpy()
        expected = pipeline.read(ds["images"], indices, epoch=position // 3)
        np.testing.assert_array_equal(batch["images"].numpy(), expected)
    elements = ds.to_tensorflow(read_batch=5, transform={"images": pipeline})
    for epoch in range(2):  # each pass is the next epoch
        images = np.stack([element["images"].numpy() for element in elements])
        np.testing.assert_array_equal(images, pipeline.read(ds["images"], np.arange(24), epoch))


def test_a_training_loop_killed_mid_epoch_resumes_every_sample_exactly_once(numbered, tmp_path):
    import sys
    from pathlib import Path

    job = Path(__file__).with_name("resumable_tf_job.py")
    state, log = tmp_path / "job" / "state", tmp_path / "job" / "steps.log"
    state.parent.mkdir()
    command = [sys.executable, str(job), str(tmp_path), str(state), str(log), "2"]
    kept = kill_and_finish(command, log, np.random.default_rng(3).integers(1, 16, 3))
    for epoch in range(2):
        seen = [indices for _, e, indices in kept if e == epoch]
        assert sorted(i for batch in seen for i in batch) == list(range(300))
        reference = numbered.to_tensorflow(batch_size=8, shuffle=True, seed=3, epoch=epoch)
        assert seen == _indices(reference)
