"""A small real training loop that checkpoints its model and its HubDataLoader every few
steps (JSON, written atomically), resumes from the checkpoint if there is one, and logs each
step's sample indices (fsync'd) so a test can kill it and check what it saw.

    python resumable_training_job.py ROOT KIND WORKERS CHECKPOINT LOG EPOCHS
"""

from __future__ import annotations

import json
import os
import sys
import time

import hub_v1 as hub
import torch
from training_logs import write_json_atomically

CHECKPOINT_EVERY = 3


def make_loader(ds, kind: str, workers: int):
    if kind == "map-style":
        return ds.to_pytorch().loader(batch_size=8, shuffle=True, seed=3, num_workers=workers)
    return ds.to_pytorch(batch_size=8, shuffle=True, seed=3).loader(num_workers=workers)


def save(path: str, model: torch.nn.Module, loader, step: int) -> None:
    state = {
        "step": step,
        "loader": loader.state_dict(),
        "model": {name: value.tolist() for name, value in model.state_dict().items()},
    }
    write_json_atomically(path, state)


def main() -> None:
    root, kind, workers, checkpoint, log_path, epochs = sys.argv[1:7]
    ds = hub.fs(root).connect().open("numbered")
    loader = make_loader(ds, kind, int(workers))
    torch.manual_seed(0)
    model = torch.nn.Linear(16, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
    step = 0
    if os.path.exists(checkpoint):
        with open(checkpoint) as file:
            saved = json.load(file)
        step = saved["step"]
        loader.load_state_dict(saved["loader"])
        model.load_state_dict({k: torch.tensor(v) for k, v in saved["model"].items()})
    with open(log_path, "a") as log:
        log.write(f"start {step}\n")
        while loader.epoch < int(epochs):
            epoch = loader.epoch
            for batch in loader:
                x = batch["pixels"].reshape(len(batch["index"]), -1)
                loss = ((model(x).squeeze(1) - batch["index"].float()) ** 2).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                log.write(f"{step} {epoch} {','.join(map(str, batch['index'].tolist()))}\n")
                log.flush()
                os.fsync(log.fileno())
                step += 1
                if step % CHECKPOINT_EVERY == 0:
                    save(checkpoint, model, loader, step)
                time.sleep(0.02)
            save(checkpoint, model, loader, step)


if __name__ == "__main__":
    main()
