"""hub_v1.transforms against a plain PIL/numpy implementation of the same pipeline.

The reference below is torchvision's algorithm written out one image at a time (its
RandomResizedCrop box choice fed the same uniform draws, Resize and CenterCrop with its
rounding, then Pillow's bilinear resize, a mirror and numpy normalisation, each as a separate
step on a decoded image). The engine does the whole pipeline as one box, one resample and
one flip per image; for lossless png images it must agree within one level (Pillow rounds
to uint8 between its passes, the engine once), and for jpeg images, which the engine decodes
at a reduced scale where the output allows, within 3 levels on average.

One stated difference: a random crop is resampled as Pillow's ``resize(box=...)`` does, its
edge pixels filtered with the source pixels just outside the crop, where torchvision crops
first and then resizes. The two agree within one level away from the crop's outermost output
pixels (checked below too).
"""

from __future__ import annotations

import math

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1 import transforms as T
from hub_v1.transforms.random import uniforms
from PIL import Image

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def _pictures(count: int, height: int, width: int) -> np.ndarray:
    """Smooth images (so jpeg keeps them well) that differ per sample."""
    y, x = np.mgrid[0:height, 0:width]
    base = (x * 1.5 + y * 0.7)[None, :, :, None] + np.arange(count)[:, None, None, None] * 23
    waves = 40 * np.sin(x / 9.0)[None, :, :, None] * np.array([1, -1, 0.5])
    return ((base + waves + np.array([0, 60, 120])) % 256).astype(np.uint8)


def _reference_rrc_box(u, height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, one image, with draws `u` (10 x 4)."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for attempt in range(10):
        a, r, i, j = u[attempt]
        target_area = area * (scale[0] + a * (scale[1] - scale[0]))
        aspect = math.exp(log_ratio[0] + r * (log_ratio[1] - log_ratio[0]))
        w = round(math.sqrt(target_area * aspect))
        h = round(math.sqrt(target_area / aspect))
        if 0 < w <= width and 0 < h <= height:
            return int(i * (height - h + 1)), int(j * (width - w + 1)), h, w
    in_ratio = width / height
    if in_ratio < ratio[0]:
        w, h = width, round(width / ratio[0])
    elif in_ratio > ratio[1]:
        h, w = height, round(height * ratio[1])
    else:
        h, w = height, width
    return (height - h) // 2, (width - w) // 2, h, w


def _reference_train(image, index, seed, epoch, size, crop_first=False):
    """RandomResizedCrop(size) + RandomHorizontalFlip() + Normalize, step by step in PIL;
    the crop resized with Pillow's box, or (`crop_first`) cut out first as torchvision does.
    Also returns the crop's height and width."""
    height, width = image.shape[:2]
    u = uniforms(seed, epoch, 0, np.array([index]), 40)[0].reshape(10, 4)
    top, left, h, w = _reference_rrc_box(u, height, width, (0.08, 1.0), (3 / 4, 4 / 3))
    box = (left, top, left + w, top + h)
    if crop_first:
        resized = Image.fromarray(image).crop(box).resize((size, size), Image.BILINEAR)
    else:
        resized = Image.fromarray(image).resize((size, size), Image.BILINEAR, box=box)
    pixels = np.asarray(resized)
    if uniforms(seed, epoch, 1, np.array([index]), 1)[0, 0] < 0.5:
        pixels = pixels[:, ::-1]
    chw = pixels.transpose(2, 0, 1) / 255.0
    return (chw - np.array(MEAN)[:, None, None]) / np.array(STD)[:, None, None], (h, w)


def _reference_eval(image, resize, crop):
    """Resize(resize) then CenterCrop(crop), step by step in PIL, uint8 HWC."""
    height, width = image.shape[:2]
    if height <= width:
        size = (int(resize * width / height), resize)
    else:
        size = (resize, int(resize * height / width))
    resized = Image.fromarray(image).resize(size, Image.BILINEAR)
    top = round((size[1] - crop) / 2.0)
    left = round((size[0] - crop) / 2.0)
    return np.asarray(resized.crop((left, top, left + crop, top + crop)))


def _image_array(tmp_path, compress, pictures, **options):
    datahub = hub.fs(tmp_path).connect()
    quality = {"quality": 95} if compress == "jpeg" else {}
    array = datahub.array(
        "images", shape=pictures.shape, dtype="uint8", compress=compress, **quality, **options
    )
    array[:] = pictures
    return array


def test_random_crop_boxes_are_torchvisions_choices():
    """The vectorised box choice equals the one-image-at-a-time algorithm, including images
    whose aspect forces the central fallback."""
    for height, width, scale in [
        (120, 160, (0.08, 1.0)),
        (50, 400, (0.9, 1.0)),
        (300, 20, (0.5, 1)),
    ]:
        pipeline = T.Compose([T.RandomResizedCrop(16, scale=scale)], seed=7)
        indices = np.arange(200)
        views = pipeline.plan(indices, height, width, epoch=3)
        draws = uniforms(7, 3, 0, indices, 40)
        for k in indices:
            expected = _reference_rrc_box(
                draws[k].reshape(10, 4), height, width, scale, (3 / 4, 4 / 3)
            )
            np.testing.assert_array_equal(views.boxes[k], expected)
        assert views.grid_size() == (16, 16)


def test_plans_for_images_of_any_size_match_each_size_planned_alone():
    """A batch of images of many sizes (a ragged array's) gets, image by image, the boxes
    that image's size alone would get: the plan is vectorised over sizes, not approximated."""
    sizes = np.array([(120, 160), (50, 400), (300, 20), (224, 224), (375, 500), (7, 9)] * 5)
    indices = np.arange(len(sizes)) + 1000
    for transforms in (
        [T.RandomResizedCrop(32, scale=(0.5, 1)), T.RandomHorizontalFlip()],
        [T.Resize(40), T.CenterCrop(6), T.RandomHorizontalFlip()],
        [T.Resize((20, 30))],
    ):
        pipeline = T.Compose(transforms, seed=3)
        together = pipeline.plan(indices, sizes[:, 0], sizes[:, 1], epoch=2)
        for k, (height, width) in enumerate(sizes):
            alone = pipeline.plan(indices[k : k + 1], height, width, epoch=2)
            np.testing.assert_array_equal(together.boxes[k], alone.boxes[0])
            assert together.flips[k] == alone.flips[0]
            assert together.grid_size() == alone.grid_size()
    varying = T.Compose([T.Resize(40)]).plan(indices, sizes[:, 0], sizes[:, 1])
    with pytest.raises(ValueError, match="fixed size"):
        varying.grid_size()
    assert T.Compose([T.RandomResizedCrop(8), T.ToTensor()]).output_shape((None, None, 3)) == (
        3,
        8,
        8,
    )
    with pytest.raises(ValueError, match="fixed size"):
        T.Compose([T.Resize(40)]).output_shape((None, None, 3))


@pytest.mark.parametrize("compress", ["png", "jpeg"])
def test_training_pipeline_matches_pil(tmp_path, compress):
    pictures = _pictures(12, 120, 160)
    array = _image_array(tmp_path, compress, pictures, chunk=(1, 120, 160, 3))
    pipeline = T.Compose(
        [T.RandomResizedCrop(64), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)], seed=11
    )
    indices = np.array([9, 0, 4, 4, 11, 2, 7])
    out = pipeline.read(array, indices, epoch=2)
    assert out.shape == (7, 3, 64, 64) and out.dtype == np.float32
    decoded = array[:]
    levels = np.array(STD)[:, None, None] * 255  # one level of a normalised channel
    flipped = 0
    for k, index in enumerate(indices):
        expected, (h, w) = _reference_train(decoded[index], index, 11, 2, 64)
        difference = np.abs(out[k] - expected) * levels
        if compress == "png":
            assert difference.max() <= 1.01, k
            # torchvision's crop-then-resize: the same away from the crop's edge pixels
            cropped_first, _ = _reference_train(decoded[index], index, 11, 2, 64, True)
            rows, columns = math.ceil(64 / h) + 1, math.ceil(64 / w) + 1
            inner = (slice(None), slice(rows, -rows), slice(columns, -columns))
            assert (np.abs(out[k] - cropped_first) * levels)[inner].max() <= 1.01, k
        else:
            assert difference.mean() < 3, k
        flipped += bool(uniforms(11, 2, 1, np.array([index]), 1)[0, 0] < 0.5)
    assert 0 < flipped < len(indices)  # both branches were exercised


@pytest.mark.parametrize("compress", ["png", "jpeg"])
def test_eval_pipeline_matches_pil(tmp_path, compress):
    pictures = _pictures(4, 120, 160)
    array = _image_array(tmp_path, compress, pictures, chunk=(1, 120, 160, 3))
    pipeline = T.Compose([T.Resize(72), T.CenterCrop(64)])
    out = pipeline.read(array, [3, 1])
    assert out.shape == (2, 64, 64, 3) and out.dtype == np.uint8
    assert pipeline.output_shape((120, 160, 3)) == (64, 64, 3)
    decoded = array[:]
    for k, index in enumerate([3, 1]):
        expected = _reference_eval(decoded[index], 72, 64).astype(np.int16)
        difference = np.abs(out[k].astype(np.int16) - expected)
        assert difference.max() <= 1 if compress == "png" else difference.mean() < 3


def test_flip_before_a_crop_mirrors_the_crop(tmp_path):
    """A flip earlier in the pipeline mirrors what a later crop sees, as in torchvision."""
    pictures = _pictures(1, 40, 60)
    array = _image_array(tmp_path, "png", pictures)
    mirrored_first = T.Compose(
        [T.RandomHorizontalFlip(p=1.0), T.Resize((40, 90)), T.CenterCrop((20, 30))]
    )
    expected = np.asarray(
        Image.fromarray(pictures[0][:, ::-1].copy())
        .resize((90, 40), Image.BILINEAR)
        .crop((30, 10, 60, 30))
    ).astype(np.int16)
    out = mirrored_first.read(array, [0])[0].astype(np.int16)
    assert np.abs(out - expected).max() <= 1


def test_choices_depend_on_seed_epoch_and_sample_only(tmp_path):
    pictures = _pictures(16, 48, 64)
    array = _image_array(tmp_path, "png", pictures, chunk=(1, 48, 64, 3))
    pipeline = T.Compose([T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.ToTensor()], seed=5)
    everything = pipeline.read(array, np.arange(16), epoch=4)
    alone = pipeline.read(array, [13], epoch=4)  # another batch, another order
    np.testing.assert_array_equal(alone[0], everything[13])
    reversed_order = pipeline.read(array, np.arange(16)[::-1], epoch=4)
    np.testing.assert_array_equal(reversed_order[::-1], everything)
    assert not np.array_equal(pipeline.read(array, np.arange(16), epoch=5), everything)
    reseeded = T.Compose(pipeline.transforms, seed=6)
    assert not np.array_equal(reseeded.read(array, np.arange(16), epoch=4), everything)
    assert everything.min() >= 0 and everything.max() <= 1


def test_any_chunking_gives_the_same_images(tmp_path):
    """Arrays of several images per chunk are read, then transformed by the engine."""
    pictures = _pictures(10, 48, 64)
    one_per_chunk = _image_array(tmp_path / "a", "png", pictures, chunk=(1, 48, 64, 3))
    four_per_chunk = _image_array(tmp_path / "b", "png", pictures, chunk=(4, 48, 64, 3))
    pipeline = T.Compose([T.RandomResizedCrop(32), T.RandomHorizontalFlip()])
    indices = [8, 1, 5]
    engine = pipeline.read(one_per_chunk, indices, epoch=1)
    np.testing.assert_array_equal(pipeline.read(four_per_chunk, indices, epoch=1), engine)
    np.testing.assert_array_equal(pipeline.apply(pictures[indices], indices, epoch=1), engine)


def test_grayscale_images(tmp_path):
    pictures = _pictures(3, 40, 50)[..., 0]
    array = hub.memory().connect().array("g", shape=pictures.shape, dtype="uint8", compress="png")
    array[:] = pictures
    pipeline = T.Compose([T.Resize((20, 25))])
    expected = np.asarray(Image.fromarray(pictures[2]).resize((25, 20), Image.BILINEAR))
    out = pipeline.read(array, [2])
    assert out.shape == (1, 20, 25)
    assert np.abs(out[0].astype(int) - expected).max() <= 1
    assert T.Compose([T.Normalize([0.5], [0.5])]).read(array, [0, 1]).shape == (2, 1, 40, 50)


def test_bad_pipelines_and_inputs_are_clear_errors(tmp_path):
    datahub = hub.memory().connect()
    floats = datahub.array("f", shape=(2, 8, 8), dtype="float32")
    with pytest.raises(TypeError, match="uint8 images"):
        T.Compose([T.Resize(4)]).read(floats, [0])
    images = datahub.array("i", shape=(2, 8, 8, 3), dtype="uint8")
    with pytest.raises(ValueError, match="larger than the 8 x 8 image"):
        T.Compose([T.CenterCrop(10)]).read(images, [0])
    with pytest.raises(TypeError, match=r"not a hub_v1\.transforms transform"):
        T.Compose([lambda image: image])
    with pytest.raises(ValueError, match="one mean and one std per channel"):
        T.Normalize([0.5, 0.5], [0.5])
    with pytest.raises(ValueError, match="size"):
        T.RandomResizedCrop((0, 4))
    with pytest.raises(hub.InvalidArgumentError, match="one value per channel"):
        T.Compose([T.Normalize([0.5], [0.5])]).read(images, [0])
    with pytest.raises(hub.OutOfBoundsError):
        T.Compose([T.Resize(4)]).read(images, [2])
