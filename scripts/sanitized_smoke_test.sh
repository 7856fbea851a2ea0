#!/usr/bin/env bash
# Runs a short Python round trip against the sanitizer build of the extension: every codec,
# partial reads and writes, images, a corrupt chunk. Any ASan/UBSan report fails it.
set -euo pipefail
build_dir=$1
python=$2
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
cp -r python/hub_v1 "$site/hub_v1"
cp "$build_dir"/cpp/_core*.so "$site/hub_v1/"
export PYTHONPATH=$site
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# CPython itself keeps memory until exit; leak reports would be about the interpreter.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$python" - <<'PY'
import os, tempfile
import numpy as np
import hub_v1 as hub
assert hub._core.__file__.startswith(os.environ["PYTHONPATH"]), hub._core.__file__
root = tempfile.mkdtemp()
datahub = hub.fs(root).connect()
rng = np.random.default_rng(0)
for compress in ["default", "gzip", "zlib", "lz4", "zstd"]:
    a = datahub.array(compress, shape=(37, 11, 5), chunk=(8, 4, 5), dtype="int16", compress=compress)
    data = rng.integers(-999, 999, a.shape).astype(np.int16)
    a[:] = data
    a[3:9, ::-2, [4, 0]] = 7
    data[3:9, ::-2, [4, 0]] = 7
    assert (a[:] == data).all() and (a[[30, 2, 2]] == data[[30, 2, 2]]).all()
for compress in ["jpeg", "png"]:
    img = datahub.array("img_" + compress, shape=(5, 64, 48, 3), chunk=(2, 64, 48, 3), dtype="uint8", compress=compress)
    img[1:4] = rng.integers(0, 255, (3, 64, 48, 3))
    img[2, 5:9] = 0
    _ = img[:, 10:20, ::3]
path = os.path.join(root, "gzip", "c", "0", "0", "0")
with open(path, "r+b") as f:
    f.seek(5); f.write(b"\xff\xff")
try:
    datahub.open("gzip")[0]
    raise SystemExit("corruption went unnoticed")
except hub.CorruptChunkError:
    pass
print("sanitized smoke test: clean")
PY
