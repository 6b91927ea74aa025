# Quiver's build and test entry points. `make test` installs what the tests
# need and runs every test; it is what CI runs (.ci/run).
GO        ?= go
GOFLAGS   ?=
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test test-deps python-deps jdbc-deps vet bench fuzz demodata clean

all: build

build:
	$(GO) build -o bin/quiver .

# test-deps installs what the tests need beyond the Go toolchain. Go modules
# (including the ADBC Go driver used by integration_test/) come from the
# module proxy.
test-deps: python-deps jdbc-deps
	$(GO) mod download
	@# sources/postgres tests start a throw-away PostgreSQL cluster (sources/postgres/pgtest).
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ]; then echo "test-deps: PostgreSQL server binaries missing; install the postgresql package (as root: apt-get install postgresql)"; exit 1; fi; \
	  echo "test-deps: installing PostgreSQL from Debian packages"; \
	  mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	fi

# jdbc-deps fetches the Apache Arrow Flight SQL JDBC driver releases that
# integration_test/jdbc_test.go runs (one self-contained jar each) into
# integration_test/jdbc/target/lib-<version>/. Idempotent: a jar already
# there is kept. When Maven Central answers that a release does not exist,
# an UNAVAILABLE marker is left (the test records the driver as not
# exercised); any other failure (network, no Maven) fails make.
MVN           ?= mvn
JDBC_VERSIONS ?= 18.3.0 19.0.0
JDBC_TARGET    = integration_test/jdbc/target

jdbc-deps:
	@command -v $(MVN) >/dev/null && command -v javac >/dev/null || { \
	  echo "jdbc-deps: installing a JDK and Maven from Debian packages"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven; }
	@for v in $(JDBC_VERSIONS); do \
	  lib=$(JDBC_TARGET)/lib-$$v; jar=$$lib/flight-sql-jdbc-driver-$$v.jar; \
	  [ -f $$jar ] && continue; \
	  mkdir -p $$lib; rm -f $$lib/UNAVAILABLE; \
	  echo "jdbc-deps: fetching org.apache.arrow:flight-sql-jdbc-driver:$$v"; \
	  if $(MVN) -B -q -U org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
	      -Dartifact=org.apache.arrow:flight-sql-jdbc-driver:$$v -DoutputDirectory=$$lib >$(JDBC_TARGET)/mvn-$$v.log 2>&1 \
	      && [ -f $$jar ]; then :; \
	  elif grep -q "Could not find artifact org.apache.arrow:flight-sql-jdbc-driver:jar:$$v\|flight-sql-jdbc-driver:jar:$$v was not found" $(JDBC_TARGET)/mvn-$$v.log; then \
	    echo "jdbc-deps: flight-sql-jdbc-driver $$v is not on Maven Central here; its test records it as not exercised"; \
	    echo "not found on Maven Central by make jdbc-deps" > $$lib/UNAVAILABLE; \
	  else cat $(JDBC_TARGET)/mvn-$$v.log; exit 1; fi; \
	done

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
