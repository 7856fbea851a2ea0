"""A small real TensorFlow training loop that checkpoints its tf.data iterator
(tf.train.Checkpoint) and its weight every few steps, resumes from them if there are any, and
logs each step's sample indices (fsync'd) so a test can kill it and check what it saw.

    python resumable_tf_job.py ROOT STATE LOG EPOCHS

STATE.json (written atomically) says which epoch and step the run is at and which iterator
checkpoint (under STATE/) to restore.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hub_v1 as hub
import tensorflow as tf
from training_logs import write_json_atomically

CHECKPOINT_EVERY = 3


def save(state_path: str, epoch: int, step: int, weight: float, iterator_prefix: str | None):
    state = {"epoch": epoch, "step": step, "weight": weight, "iterator": iterator_prefix}
    write_json_atomically(state_path, state)


def main() -> None:
    root, state_dir, log_path, epochs = sys.argv[1:5]
    state_path = state_dir + ".json"
    ds = hub.fs(root).connect().open("numbered")
    epoch, step, weight_value, iterator_prefix = 0, 0, 0.0, None
    if os.path.exists(state_path):
        with open(state_path) as file:
            saved = json.load(file)
        epoch, step = saved["epoch"], saved["step"]
        weight_value, iterator_prefix = saved["weight"], saved["iterator"]
    weight = tf.Variable(weight_value, dtype=tf.float64)
    with open(log_path, "a") as log:
        log.write(f"start {step}\n")
        while epoch < int(epochs):
            iterator = iter(ds.to_tensorflow(batch_size=8, shuffle=True, seed=3, epoch=epoch))
            checkpoint = tf.train.Checkpoint(iterator=iterator)
            if iterator_prefix is not None:
                checkpoint.read(iterator_prefix).assert_consumed()
            for batch in iterator:
                x = tf.cast(batch["index"], tf.float64)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean((weight * x - x) ** 2)
                weight.assign_sub(1e-6 * tape.gradient(loss, weight))
                log.write(f"{step} {epoch} {','.join(map(str, batch['index'].numpy().tolist()))}\n")
                log.flush()
                os.fsync(log.fileno())
                step += 1
                if step % CHECKPOINT_EVERY == 0:
                    prefix = checkpoint.write(os.path.join(state_dir, f"step-{step}"))
                    save(state_path, epoch, step, float(weight.numpy()), prefix)
                time.sleep(0.02)
            epoch, iterator_prefix = epoch + 1, None
            save(state_path, epoch, step, float(weight.numpy()), None)


if __name__ == "__main__":
    main()
