# Quiver's build and test entry points. `make test` installs what the tests
# need and runs every test; it is what CI runs (.ci/run).
GO        ?= go
GOFLAGS   ?=
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test test-deps python-deps vet bench fuzz demodata clean

all: build

build:
	$(GO) build -o bin/quiver .

# test-deps installs what the tests need beyond the Go toolchain. Go modules
# (including the ADBC Go driver used by integration_test/) come from the
# module proxy.
test-deps: python-deps
	$(GO) mod download
	@# sources/postgres tests start a throw-away PostgreSQL cluster (sources/postgres/pgtest).
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then echo "test-deps: PostgreSQL server binaries missing; install the postgresql package (as root: apt-get install postgresql)"; exit 1; fi; \
	  echo "test-deps: installing PostgreSQL from Debian packages"; \
	  mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	fi

# python-deps creates the virtual environment the Python client tests
# (integration_test/python_test.go) run in: .venv at the repo root with the
# pinned clients from integration_test/python/requirements.txt. The stamp
# makes it idempotent; editing requirements.txt reinstalls.
PYTHON ?= python3
VENV   ?= .venv
PY_REQUIREMENTS = integration_test/python/requirements.txt

python-deps: $(VENV)/.requirements.stamp

$(VENV)/.requirements.stamp: $(PY_REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r $(PY_REQUIREMENTS)
	touch $@

vet:
	$(GO) vet ./...

test: test-deps vet
	$(GO) test $(TESTFLAGS) ./...

# Benchmarks (speed targets live here, never in timed unit tests).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./...

# Short fuzzing pass over every fuzz target.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
	  done; \
	done

demodata:
	$(GO) run ./internal/tools/demodata

clean:
	rm -rf bin
