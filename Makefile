# hydra — PostgreSQL extension (PGXS).  See README.md for the two commands.
#
#   make / make install      build and install the extension (as root)
#   make unit                C unit tests of src/core, src/net, src/dht (TAP, via prove)
#   make unit-asan           the same under ASan+UBSan (clang)
#   make fuzz-smoke          every fuzz target briefly over its seed corpus
#   make fuzz FUZZ_RUNS=N    every fuzz target for N executions (campaign)
#   make installcheck        pg_regress against a temporary instance (non-root)

EXTENSION = hydra
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" hydra.control)

PROTO_SRC = $(wildcard src/proto/*.proto)
PROTO_C = $(PROTO_SRC:.proto=.pb-c.c)
PROTO_H = $(PROTO_SRC:.proto=.pb-c.h)

# Pure-C layers: no PostgreSQL headers (checked by 'make check-layers').
PURE_SRC = $(sort $(wildcard src/core/*.c src/net/*.c src/dht/*.c)) $(PROTO_C)
PG_SRC = $(sort $(wildcard src/pg/*.c))

MODULE_big = hydra
OBJS = $(PURE_SRC:.c=.o) $(PG_SRC:.c=.o)

# The install script is the ordered concatenation of src/sql/*.sql; upgrade
# scripts live in src/sql/upgrade/ and ship as they are.
SQL_PARTS = $(sort $(wildcard src/sql/[0-9]*.sql))
DATA_built = hydra--$(EXTVERSION).sql
DATA = $(wildcard src/sql/upgrade/hydra--*--*.sql)
EXTRA_CLEAN = $(PROTO_C) $(PROTO_H) build

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-config=test/regress.conf --temp-instance=./tmp_check

# TAP tests (PostgreSQL::Test::Cluster) run with 'make tapcheck', apart from
# pg_regress, so each suite reports on its own.
TAP_FILES = $(sort $(wildcard test/t/*.pl))

PG_CPPFLAGS = -Isrc -I. -I$(shell $(PG_CONFIG) --includedir) -DHYDRA_VERSION='"$(EXTVERSION)"'
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare
SHLIB_LINK = -lsodium -lcrypto -lprotobuf-c -lcurl -lmicrohttpd -lresolv
SHLIB_LINK_INTERNAL = $(libpq)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

hydra--$(EXTVERSION).sql: $(SQL_PARTS) hydra.control
	cat $(SQL_PARTS) > $@

%.pb-c.c %.pb-c.h: %.proto
	protoc-c --proto_path=src/proto --c_out=src/proto $<

# PGXS does not track header dependencies: make every object depend on
# every header (a stale object with an old struct layout corrupts shared
# memory when another file uses the new one).
ALL_HEADERS = $(wildcard src/*/*.h) $(PROTO_H)
$(OBJS) $(OBJS:.o=.bc): $(ALL_HEADERS)

include test/test.mk

.PHONY: tapcheck
tapcheck:
	rm -rf '$(CURDIR)'/tmp_check && mkdir -p '$(CURDIR)'/tmp_check && \
	TESTDIR='$(CURDIR)' PATH="$(bindir):$$PATH" PGPORT='6$(DEF_PGPORT)' \
	PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
	$(PROVE) $(PG_PROVE_FLAGS) -I test/t $(PROVE_FLAGS) $(TAP_FILES)

# Every hydra symbol the module uses must be defined in it (a missing one
# would only fail when the server loads the library).
.PHONY: check-symbols
check-symbols: $(shlib)
	@! nm -u $(shlib) | grep -E ' (hy_|hydra_)' || { echo "undefined hydra symbols in $(shlib)"; exit 1; }
