"""``hub_v1 preview``: a contact sheet of image items, or a histogram of other values."""

from __future__ import annotations

import math

import numpy as np

# (H, W) or (H, W, C) items with C in 1, 3, 4 are drawn as images.
IMAGE_CHANNELS = (1, 3, 4)
TILE = 128  # pixels on a contact sheet tile's longer side


def looks_like_images(item_shape: tuple[int, ...]) -> bool:
    if len(item_shape) == 2:
        return min(item_shape) >= 4
    return len(item_shape) == 3 and item_shape[2] in IMAGE_CHANNELS and min(item_shape[:2]) >= 4


def to_uint8(items: np.ndarray) -> np.ndarray:
    """Scale any numeric images to 0-255 (uint8 is kept as is)."""
    if items.dtype == np.uint8:
        return items
    values = items.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    return ((values - low) * scale).round().astype(np.uint8)


def contact_sheet(items: np.ndarray, columns: int | None = None):  # -> PIL.Image.Image
    """Items (N, H, W[, C]) tiled in a grid, each scaled to fit a TILE-pixel square."""
    from PIL import Image

    images = to_uint8(items)
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    count = len(images)
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    height, width = images.shape[1:3]
    factor = TILE / max(height, width)
    tile = (max(1, round(width * factor)), max(1, round(height * factor)))
    sheet = Image.new("RGB", (columns * (tile[0] + 2), rows * (tile[1] + 2)), "white")
    for index, image in enumerate(images):
        picture = Image.fromarray(np.ascontiguousarray(image))  # L, RGB or RGBA.convert("RGB")
        picture = picture.resize(tile, Image.Resampling.NEAREST)
        row, column = divmod(index, columns)
        sheet.paste(picture, (column * (tile[0] + 2) + 1, row * (tile[1] + 2) + 1))
    return sheet


def histogram(values: np.ndarray, title: str, bins: int = 64):  # -> PIL.Image.Image
    """A bar chart of the distribution of `values`, with the range and counts labelled."""
    from PIL import Image, ImageDraw

    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    counts, edges = np.histogram(finite.astype(np.float64).ravel(), bins=bins)
    width, height, margin = 640, 360, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    plot_width, plot_height = width - 2 * margin, height - 2 * margin
    peak = max(int(counts.max()), 1) if counts.size else 1
    bar_width = plot_width / max(len(counts), 1)
    for index, count in enumerate(counts):
        bar_height = plot_height * int(count) / peak
        left = margin + index * bar_width
        draw.rectangle(
            (left, height - margin - bar_height, left + bar_width - 1, height - margin),
            fill=(70, 110, 180),
        )
    draw.line((margin, height - margin, width - margin, height - margin), fill="black")
    draw.text((margin, 10), f"{title}: {finite.size} values, peak count {peak}", fill="black")
    draw.text((margin, height - margin + 8), f"{edges[0]:.4g}", fill="black")
    draw.text((width - margin - 60, height - margin + 8), f"{edges[-1]:.4g}", fill="black")
    return image
