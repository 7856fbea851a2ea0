"""`LoaderOptions`: every option of ``to_pytorch`` and ``to_tensorflow`` as one checked object.

``Dataset.to_pytorch(...)`` and ``Dataset.to_tensorflow(...)`` build it from their keyword
arguments, and it travels unchanged to the loader classes, so an option is named and checked
in one place rather than relayed positionally from hop to hop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hub_v1.errors import InvalidArgumentError

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset


@dataclass(frozen=True)
class LoaderOptions:
    """What a loader reads and how; the fields are the keyword arguments of
    :meth:`hub_v1.Dataset.to_pytorch` and :meth:`hub_v1.Dataset.to_tensorflow`, whose
    docstrings say what each does. Fields a framework does not use keep their defaults.

    >>> from hub_v1.integrations.loader_options import LoaderOptions
    >>> LoaderOptions(batch_size=32, shuffle=True).batch_size
    32
    """

    components: Sequence[str] | None = None
    transform: Any = None
    batch_size: int | None = None
    shuffle: bool = False
    seed: int = 0
    drop_last: bool = False
    progress: bool = False
    prefetch: int = 4  # PyTorch: batches read ahead of the one asked for
    rank: int | None = None  # PyTorch: torch.distributed's rank and world size, else theirs
    world_size: int | None = None
    read_batch: int = 256  # TensorFlow elements: samples per engine call
    epoch: int = 0  # TensorFlow batches: the first epoch, and how many
    epochs: int = 1
    num_shards: int | None = None  # TensorFlow batches: this input pipeline's shard
    shard_index: int | None = None
    input_context: Any = None

    def __post_init__(self) -> None:
        if self.batch_size is not None and self.batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be at least 1, not {self.batch_size}")
        if self.read_batch < 1:
            raise InvalidArgumentError(f"read_batch must be at least 1, not {self.read_batch}")
        if self.epochs < 1:
            raise InvalidArgumentError(f"epochs must be at least 1, not {self.epochs}")
        if self.epoch < 0:
            raise InvalidArgumentError(f"epoch must be 0 or more, not {self.epoch}")
        if isinstance(self.components, str):
            raise InvalidArgumentError(
                f"components must be a list of names, not the string {self.components!r}"
            )

    @property
    def readahead_depth(self) -> int:
        """Batches read ahead: `prefetch`, at least one."""
        return max(1, self.prefetch)

    def component_names(self, dataset: Dataset) -> list[str]:
        """The components to read (all, in the dataset's order, if none were named); a
        missing one is a KeyError now rather than in a worker."""
        names = list(self.components or dataset.keys())
        for name in names:
            dataset[name]
        return names
