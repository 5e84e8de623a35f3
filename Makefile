# licstore: every target here is what a developer or CI runs. `make demo` and `make test` are the
# README's quick start and must work on a fresh machine with nothing installed by hand.

CARGO      ?= cargo
PYTHON     ?= python3
VENV       := .venv
VPY        := $(VENV)/bin/python
DEMO_DB    ?= demo.licstore
PREFIX     ?= /usr/local

.PHONY: all demo chromium test test-rust test-c test-python lint fmt-check clippy header header-check venv python-dev bench bench-import clean install

all: test

## The main job: build the CLI, create demo.licstore from generated sample data, print its summaries
## and write its HTML audit report, demo-report.html.
DEMO_REPORT ?= demo-report.html
demo:
	$(CARGO) build --locked --release -p licstore-cli
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	./target/release/licstore --db $(DEMO_DB) demo
	./target/release/licstore --db $(DEMO_DB) report --html $(DEMO_REPORT)

## Every test: Rust, C, C++ and Python (sets up what it needs first).
test: test-rust test-c test-python

test-rust: chromium
	$(CARGO) test --locked --workspace --exclude licstore-python

## The HTML report's test renders it in headless Chromium: Debian's `chromium`, installed here when
## missing (as root, or through sudo). A failed install stops `make test`: the test is never
## skipped quietly.
CHROMIUM_PKG ?= chromium
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	    || [ -n "$$LICSTORE_CHROMIUM" ]; then exit 0; fi; \
	echo "chromium is missing: installing Debian's $(CHROMIUM_PKG) for the HTML report test"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -q $(CHROMIUM_PKG) >/dev/null 2>&1 \
	  || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $(CHROMIUM_PKG); } \
	  || { echo "make: could not install $(CHROMIUM_PKG); install it, or set LICSTORE_CHROMIUM" >&2; exit 1; }

test-c:
	$(CARGO) build --locked -p licstore-ffi
	$(MAKE) -C tests/c run LIBDIR=$(CURDIR)/target/debug INCLUDEDIR=$(CURDIR)/include

venv: $(VENV)/.stamp
$(VENV)/.stamp: python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r python/requirements-dev.txt
	touch $@

## The extension is built optimized: an unoptimized Arrow/SQLite build is ~10x slower, and the
## tests and the notebook time real work (DataFrames of 100,000s of rows).
python-dev: venv
	cd python && ../$(VENV)/bin/maturin develop --release --quiet --locked

test-python: python-dev
	$(VPY) -m pytest -q python/tests

## Static checks CI runs besides the tests.
lint: fmt-check clippy header-check

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

header-check:
	$(CARGO) test --locked -p licstore-ffi --test header

## Regenerates include/licstore.h from the ffi crate.
header:
	LICSTORE_UPDATE_HEADER=1 $(CARGO) test --locked -p licstore-ffi --test header

bench:
	$(CARGO) bench --locked -p licstore-benches

## Issue 5's import comparison (not part of `make test`): licstore's assignments import and export
## against the sqlite3 shell and pandas at 10k, 100k and 1M rows; figures in docs/performance.md.
bench-import:
	$(PYTHON) benches/compare_import.py

## Installs the C library: $(PREFIX)/include/licstore.h, $(PREFIX)/lib/liblicstore.so.X.Y.Z with the
## links liblicstore.so.X (its SONAME) and liblicstore.so, $(PREFIX)/lib/liblicstore.a and
## $(PREFIX)/lib/pkgconfig/licstore.pc (then `pkg-config --cflags --libs licstore` works with
## PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig for a PREFIX pkg-config does not search). DESTDIR is
## honoured for packaging; INSTALL_PROFILE=debug installs the debug build (the tests do).
INSTALL_PROFILE   ?= release
CARGO_TARGET_DIR  ?= $(CURDIR)/target
LICSTORE_VERSION  := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# The SONAME's number (ffi/build.rs): liblicstore.so.$(LICSTORE_MAJOR).
LICSTORE_MAJOR    := $(firstword $(subst ., ,$(LICSTORE_VERSION)))
INSTALL_LIBSRC    := $(CARGO_TARGET_DIR)/$(INSTALL_PROFILE)

install:
	$(CARGO) build --locked -p licstore-ffi $(if $(filter release,$(INSTALL_PROFILE)),--release)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/licstore.h $(DESTDIR)$(PREFIX)/include/licstore.h
	install -m 755 $(INSTALL_LIBSRC)/liblicstore.so $(DESTDIR)$(PREFIX)/lib/liblicstore.so.$(LICSTORE_VERSION)
	ln -sf liblicstore.so.$(LICSTORE_VERSION) $(DESTDIR)$(PREFIX)/lib/liblicstore.so.$(LICSTORE_MAJOR)
	ln -sf liblicstore.so.$(LICSTORE_MAJOR) $(DESTDIR)$(PREFIX)/lib/liblicstore.so
	install -m 644 $(INSTALL_LIBSRC)/liblicstore.a $(DESTDIR)$(PREFIX)/lib/liblicstore.a
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(LICSTORE_VERSION)|g' ffi/licstore.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/licstore.pc

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm demo-report.html
