"""One rank of a gloo process group on 127.0.0.1 that loads a dataset with DataLoader workers
started by each start method, never passing its rank: hub_v1 must find it. Writes the sample
indices it saw, per loader and start method, as JSON.

    python distributed_rank_job.py ROOT RANK WORLD_SIZE PORT OUT
"""

from __future__ import annotations

import json
import sys

import hub_v1 as hub
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader


def indices(loader) -> list[int]:
    return [i for batch in loader for i in batch["index"].tolist()]


def main() -> None:
    root, rank, world_size, port, out = sys.argv[1:6]
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=int(rank), world_size=int(world_size)
    )
    ds = hub.fs(root).connect().open("numbered")
    seen: dict[str, list[int]] = {}
    for method in ("fork", "spawn", "forkserver"):
        options = {"num_workers": 2, "multiprocessing_context": method}
        batched = ds.to_pytorch(batch_size=8, shuffle=True)
        seen[f"batched {method}"] = indices(DataLoader(batched, batch_size=None, **options))
        dataset = ds.to_pytorch()
        sampler = dataset.batch_sampler(8, shuffle=True)
        seen[f"map-style {method}"] = indices(DataLoader(dataset, batch_sampler=sampler, **options))
        seen[f"loader {method}"] = indices(
            ds.to_pytorch(batch_size=8, shuffle=True).loader(**options)
        )
    dist.barrier()
    dist.destroy_process_group()
    with open(out, "w") as file:
        json.dump({"torch": torch.__version__, "seen": seen}, file)


if __name__ == "__main__":
    main()
