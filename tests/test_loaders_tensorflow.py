"""to_tensorflow with real tensorflow-cpu 2.21: the seed's contract, element_spec, the usual
tf.data operations, and a Keras CNN that learns from a jpeg dataset."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hub_v1 as hub  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

tf = pytest.importorskip("tensorflow")


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
