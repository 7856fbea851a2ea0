#!/usr/bin/env bash
# Installs the Debian packages hub_v1 builds against: codec libraries, JSON, libcurl and OpenSSL
# (the cloud read path and its credentials), GoogleTest, tjbench (libjpeg-turbo-progs) for the image benchmark, clang's
# libFuzzer for the fuzzers, clang-format for `make lint`, and ccache, which lets `make wheels`
# compile the engine once for every Python it builds a wheel for.
# Skips apt entirely when everything is already there. When another apt holds its locks (on a
# fresh cloud VM, unattended-upgrades does for minutes), it waits for them, saying so, for at
# most HUB_APT_LOCK_WAIT seconds (default 900) before it gives up.
set -euo pipefail

packages=(
  build-essential pkg-config python3-venv
  libdeflate-dev libisal-dev liblz4-dev libzstd-dev libblosc-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev
  nlohmann-json3-dev libgtest-dev libcurl4-openssl-dev libssl-dev
  libjpeg-turbo-progs
  clang-14 libclang-rt-14-dev libfuzzer-14-dev clang-format-14
  ccache
)

# The locks apt and dpkg take (fcntl locks on these files); HUB_APT_LOCKS overrides them.
read -r -a apt_locks <<<"${HUB_APT_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock}"
lock_wait_seconds="${HUB_APT_LOCK_WAIT:-900}"

# The first of the locks another process holds now, or nothing.
held_apt_lock() {
  python3 - "${apt_locks[@]}" <<'EOF'
import fcntl, os, sys
for path in sys.argv[1:]:
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        continue  # missing or unreadable: nobody holds it (or we will hear it from apt)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
    except OSError:
        print(path)
        break
    finally:
        os.close(fd)
EOF
}

# Returns once no apt lock is held; fails, naming the lock, after lock_wait_seconds.
wait_for_apt_locks() {
  local waited=0 held
  while held=$(held_apt_lock) && [ -n "$held" ]; do
    if [ "$waited" -ge "$lock_wait_seconds" ]; then
      echo "install_system_deps: $held is still held after ${waited} s; another apt or dpkg" \
        "is running (see 'ps aux | grep -E \"apt|dpkg\"'); run make again when it is done" >&2
      return 1
    fi
    if [ $((waited % 30)) -eq 0 ]; then
      echo "install_system_deps: waiting for another apt or dpkg to finish ($held is held;" \
        "${waited} of at most ${lock_wait_seconds} s)" >&2
    fi
    sleep 5
    waited=$((waited + 5))
  done
}

# `apt-get ARGS`, after the locks are free; apt waits on them itself too (the lock can be
# taken again between our check and its start).
apt_get() {
  wait_for_apt_locks
  apt-get -o DPkg::Lock::Timeout="$lock_wait_seconds" "$@"
}

if [ "${1:-}" = "--wait-for-apt-locks-only" ]; then  # for the test of the waiting
  wait_for_apt_locks
  exit
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "hub_v1 needs these Debian packages: ${missing[*]}; run 'make' as root or install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}"
