"""A loader's components read as batches: each with one engine call, image components through
their ``hub_v1.transforms`` pipeline. Shared by the PyTorch and TensorFlow loaders.

A loader's ``transform=`` is either a per-sample Python function (run by the framework, as
any transform) or a mapping ``{component: pipeline}`` of engine image transforms, run while
the component's images decode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1.transforms import Compose, ImageTransform

if TYPE_CHECKING:
    from hub_v1.array import Array
    from hub_v1.dataset import Dataset


def split_transform(
    transform: Any, components: Sequence[str]
) -> tuple[Callable[..., Any] | None, dict[str, Compose]]:
    """(per-sample function, {component: engine pipeline}) from a loader's `transform`."""
    if transform is None:
        return None, {}
    if isinstance(transform, (Compose, ImageTransform)):
        raise TypeError(
            "image transforms apply to one component: pass transform={'images': Compose([...])}"
        )
    if isinstance(transform, Mapping):
        pipelines = {}
        for name, pipeline in transform.items():
            if name not in components:
                raise KeyError(
                    f"a transform for {name!r}, which is not one of the components {components}"
                )
            pipelines[name] = _as_pipeline(pipeline)
        return None, pipelines
    if callable(transform):
        return transform, {}
    raise TypeError(f"transform must be a function or a mapping of components, not {transform!r}")


def _as_pipeline(pipeline: Any) -> Compose:
    if isinstance(pipeline, Compose):
        return pipeline
    if isinstance(pipeline, ImageTransform):
        return Compose([pipeline])
    if isinstance(pipeline, Sequence):
        return Compose(list(pipeline))
    raise TypeError(f"{pipeline!r} is not a hub_v1.transforms pipeline")


class Columns:
    """The components of `dataset` a loader reads, each batch of a component in one call."""

    def __init__(
        self, dataset: Dataset, components: Sequence[str], pipelines: Mapping[str, Compose]
    ) -> None:
        self.arrays: dict[str, Array] = {name: dataset[name] for name in components}
        self.pipelines = dict(pipelines)
        for name, pipeline in self.pipelines.items():
            try:  # a pipeline that cannot apply fails here, not in a worker
                pipeline.output_shape(self.arrays[name].shape[1:])
            except TypeError as error:
                raise TypeError(f"component {name!r}: {error}") from None

    def names(self) -> list[str]:
        return list(self.arrays)

    def sample_shape(self, name: str) -> tuple[int, ...]:
        pipeline = self.pipelines.get(name)
        image_shape = self.arrays[name].shape[1:]
        return pipeline.output_shape(image_shape) if pipeline else image_shape

    def dtype(self, name: str) -> np.dtype[Any]:
        pipeline = self.pipelines.get(name)
        return pipeline.output_dtype() if pipeline else self.arrays[name].dtype

    def read(
        self, name: str, indices: np.ndarray, epoch: int, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Samples `indices` of component `name`; image pipelines draw for `epoch`."""
        pipeline = self.pipelines.get(name)
        if pipeline is None:
            return self.arrays[name].read(indices, out=out)
        return pipeline.read(self.arrays[name], indices, epoch, out)
