#!/usr/bin/env bash
# Installs the Debian packages hub_v1 builds against: codec libraries, JSON, libcurl (the cloud
# read path), GoogleTest, tjbench (libjpeg-turbo-progs) for the image benchmark, clang's
# libFuzzer for the fuzzers, and clang-format for `make lint`.
# Skips apt entirely when everything is already there.
set -euo pipefail

packages=(
  build-essential pkg-config python3-venv
  libdeflate-dev libisal-dev liblz4-dev libzstd-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev
  nlohmann-json3-dev libgtest-dev libcurl4-openssl-dev
  libjpeg-turbo-progs
  clang-14 libclang-rt-14-dev libfuzzer-14-dev clang-format-14
)

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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
