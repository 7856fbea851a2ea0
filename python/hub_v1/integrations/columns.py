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
    from hub_v1.ragged import RaggedArray


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
    """The components of `dataset` a loader reads, each batch of a component in one call.

    A ragged component (samples of any shape) reads as a list of ndarrays, one per sample,
    unless an image pipeline gives its images one size: then it reads as one array, as a
    fixed-shape component does.
    """

    def __init__(
        self, dataset: Dataset, components: Sequence[str], pipelines: Mapping[str, Compose]
    ) -> None:
        self.arrays: dict[str, Array | RaggedArray] = {name: dataset[name] for name in components}
        self.pipelines = dict(pipelines)
        for name, pipeline in self.pipelines.items():
            try:  # a pipeline that cannot apply fails here, not in a worker
                pipeline.output_shape(self.arrays[name].shape[1:], self.arrays[name].dtype)
            except (TypeError, ValueError) as error:
                raise type(error)(f"component {name!r}: {error}") from None

    def names(self) -> list[str]:
        return list(self.arrays)

    def is_list(self, name: str) -> bool:
        """Whether a batch of component `name` is a list of samples (of their own shapes)."""
        from hub_v1.ragged import RaggedArray

        return isinstance(self.arrays[name], RaggedArray) and name not in self.pipelines

    def shuffle_block(self) -> int:
        """How many consecutive samples a chunk-level shuffle keeps together: the first
        component's chunk, or 1 where it is ragged (each sample its own inner chunk)."""
        from hub_v1.ragged import RaggedArray

        first = self.arrays[self.names()[0]]
        return 1 if isinstance(first, RaggedArray) else max(1, first.chunk[0])

    def sample_shape(self, name: str) -> tuple[int | None, ...]:
        """One sample's shape as read: ``None`` where it varies (a ragged component)."""
        pipeline = self.pipelines.get(name)
        image_shape = self.arrays[name].shape[1:]
        return pipeline.output_shape(image_shape) if pipeline else image_shape

    def dtype(self, name: str) -> np.dtype[Any]:
        pipeline = self.pipelines.get(name)
        return pipeline.output_dtype() if pipeline else self.arrays[name].dtype

    def read(
        self, name: str, indices: np.ndarray, epoch: int, out: np.ndarray | None = None
    ) -> Any:
        """Samples `indices` of component `name` (an array, or a list where
        :meth:`is_list`); image pipelines draw for `epoch`."""
        pipeline = self.pipelines.get(name)
        array = self.arrays[name]
        if pipeline is not None:
            return pipeline.read(array, indices, epoch, out)
        if self.is_list(name):
            return array[np.asarray(indices, dtype=np.int64)]
        return array.read(indices, out=out)  # type: ignore[union-attr]
