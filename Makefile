# hub_v1: `make demo` runs the demo, `make test` runs every test. Both install what they need
# (Debian packages, a virtual environment in .venv, the build) on a fresh machine.

PYTHON ?= python3
SHELL := /bin/bash
VENV := .venv
VPY := $(VENV)/bin/python
STAMPS := .make
CPP_BUILD := build/cpp

.PHONY: all demo test test-cpp test-python test-wheel test-sanitize test-fuzz build wheel wheels docs bench lint clean

all: build

$(STAMPS)/system-deps: scripts/install_system_deps.sh
	bash scripts/install_system_deps.sh
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: requirements/dev.txt requirements/build.txt $(STAMPS)/system-deps
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements/dev.txt
	@touch $@

# Incremental: scikit-build-core keeps its CMake build folder under build/.
build: $(STAMPS)/venv
	$(VPY) -m pip install -q --no-build-isolation --no-deps .

# Manylinux wheels in wheelhouse/, one for each CPython here from 3.11 up (PATH and pyenv;
# scripts/build_wheels.sh): auditwheel bundles libdeflate, ISA-L, lz4, zstd, libjpeg-turbo,
# libpng, libcurl and OpenSSL's libcrypto. `wheel` is the same target.
wheels: $(STAMPS)/venv
	bash scripts/build_wheels.sh $(VPY)

wheel: wheels

# The user guide (docs/, mkdocs) as a static site in site/; tests/test_docs.py runs its samples.
docs: $(STAMPS)/venv
	$(VENV)/bin/mkdocs build --strict

demo: build
	$(VPY) examples/demo.py

test-cpp: $(STAMPS)/venv
	$(VENV)/bin/cmake -S . -B $(CPP_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DHUB_BUILD_TESTS=ON -DHUB_BUILD_PYTHON=OFF -DPython_EXECUTABLE=$(abspath $(VPY)) \
	  -DHUB_WARNINGS_AS_ERRORS=ON > /dev/null
	$(VENV)/bin/cmake --build $(CPP_BUILD)
	cd $(CPP_BUILD) && $(abspath $(VENV))/bin/ctest --output-on-failure -j2

# The Python tests run on the package `make build` installed; the wheel's own test, on the
# repaired wheel from `make wheel`, is test-wheel.
test-python: build
	$(VPY) -m pytest -q -p no:cacheprovider tests --ignore=tests/test_wheel.py
	$(VPY) -m pytest -q -p no:cacheprovider --doctest-modules --pyargs hub_v1

# tests/test_wheel.py installs each wheel from `make wheels` into a fresh virtual environment
# of its own interpreter (on 3.12, with the newest zarr-python as a second format oracle).
test-wheel: wheels
	$(VPY) -m pytest -q -p no:cacheprovider tests/test_wheel.py

# The C++ tests and a Python smoke test under AddressSanitizer + UndefinedBehaviorSanitizer.
ASAN_BUILD := build/asan
test-sanitize: $(STAMPS)/venv
	$(VENV)/bin/cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_BUILD_TYPE=Debug -DHUB_SANITIZE=ON -DHUB_BUILD_TESTS=ON -DHUB_BUILD_PYTHON=ON \
	  -DHUB_WARNINGS_AS_ERRORS=ON \
	  -DPython_EXECUTABLE=$(abspath $(VPY)) \
	  -Dpybind11_DIR=$$($(VPY) -c 'import pybind11; print(pybind11.get_cmake_dir())') > /dev/null
	$(VENV)/bin/cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(abspath $(VENV))/bin/ctest --output-on-failure -j2
	bash scripts/sanitized_smoke_test.sh $(ASAN_BUILD) $(VPY)

# Each libFuzzer target (cpp/fuzz) for FUZZ_SECONDS on a scratch copy of its seed corpus.
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 30
test-fuzz: $(STAMPS)/venv
	CC=clang-14 CXX=clang++-14 $(VENV)/bin/cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHUB_FUZZ=ON -DHUB_BUILD_TESTS=OFF -DHUB_BUILD_PYTHON=OFF -DHUB_WITH_CLOUD=OFF \
	  -DHUB_WARNINGS_AS_ERRORS=ON > /dev/null
	$(VENV)/bin/cmake --build $(FUZZ_BUILD)
	for target in fuzz_chunk_decode fuzz_shard_decode fuzz_zarr_json fuzz_jpeg_region \
	    fuzz_ragged_sample; do \
	  scratch=$$(mktemp -d) && cp cpp/fuzz/corpus/$$target/* $$scratch/ && \
	  dict=cpp/fuzz/$$target.dict; [ -f $$dict ] && dict_flag=-dict=$$dict || dict_flag=; \
	  $(FUZZ_BUILD)/cpp/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -max_len=16384 $$dict_flag \
	    -artifact_prefix=$(FUZZ_BUILD)/$$target- $$scratch 2>&1 | \
	    grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" ; \
	  status=$${PIPESTATUS[0]}; rm -rf $$scratch; [ $$status -eq 0 ] || exit $$status; \
	done

test: test-cpp test-python test-wheel test-sanitize test-fuzz

bench: build
	$(VPY) -m pip install -q -r requirements/dev.txt -r requirements/bench.txt
	$(VPY) benchmarks/bench_local.py
	$(VPY) benchmarks/bench_images.py
	$(VPY) benchmarks/bench_cloud.py
	$(VPY) benchmarks/bench_loaders.py
	$(VPY) benchmarks/bench_transforms.py
	$(VPY) benchmarks/bench_ragged.py
	$(VPY) benchmarks/bench_ragged_transforms.py
	$(VPY) benchmarks/bench_training_race.py
	$(VPY) benchmarks/bench_ingest.py

# ruff (lint and format), mypy on the package, clang-format (Google style, 100 columns) on
# the C++ sources; CI runs it before the tests.
PY_SOURCES := python tests benchmarks examples scripts
CPP_SOURCES = $(shell git ls-files --cached --others --exclude-standard 'cpp/*.cc' 'cpp/*.h' 'examples/*.cc')
lint: $(STAMPS)/venv
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy
	@echo "clang-format-14 --dry-run --Werror on $(words $(CPP_SOURCES)) C++ files"
	@clang-format-14 --dry-run --Werror $(CPP_SOURCES)

clean:
	rm -rf build dist wheelhouse site .wheel-venvs $(STAMPS) $(VENV)
