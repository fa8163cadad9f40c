# Builds and runs the plain-C tests of the pure layers (src/core, src/net,
# src/dht).  Included from the top-level Makefile.

UNIT_CC ?= gcc
UNIT_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -Werror -Isrc -Itest/unit -MMD -MP
UNIT_LIBS = -lsodium -lcrypto -lprotobuf-c -lcurl -lresolv -lpthread
ASAN_CC ?= clang-14
ASAN_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -Werror -Isrc -Itest/unit -MMD -MP \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -O1 -g -Isrc -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_RUNS ?= 10000000
FUZZ_SMOKE_RUNS ?= 20000

UNIT_TESTS = $(patsubst test/unit/%.c,%,$(sort $(wildcard test/unit/test_*.c)))
FUZZ_TARGETS = $(patsubst test/fuzz/%.c,%,$(sort $(wildcard test/fuzz/fuzz_*.c)))
BENCH_PROGS = $(patsubst test/bench/%.c,%,$(sort $(wildcard test/bench/bench_*.c)))

UNIT_OBJS = $(patsubst src/%.c,build/unit/obj/%.o,$(PURE_SRC))
ASAN_OBJS = $(patsubst src/%.c,build/asan/obj/%.o,$(PURE_SRC))
FUZZ_OBJS = $(patsubst src/%.c,build/fuzz/obj/%.o,$(PURE_SRC))

build/unit/obj/%.o: src/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@

build/asan/obj/%.o: src/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(ASAN_CFLAGS) -c $< -o $@

build/fuzz/obj/%.o: src/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/unit/%: test/unit/%.c $(UNIT_OBJS) test/unit/tap.h
	$(UNIT_CC) $(UNIT_CFLAGS) $< $(UNIT_OBJS) $(UNIT_LIBS) -o $@

build/asan/%: test/unit/%.c $(ASAN_OBJS) test/unit/tap.h
	$(ASAN_CC) $(ASAN_CFLAGS) $< $(ASAN_OBJS) $(UNIT_LIBS) -o $@

build/fuzz/%: test/fuzz/%.c $(FUZZ_OBJS)
	$(ASAN_CC) $(FUZZ_CFLAGS) $< $(FUZZ_OBJS) $(UNIT_LIBS) -o $@

build/bench/%: test/bench/%.c $(UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Isrc $< $(UNIT_OBJS) $(UNIT_LIBS) -o $@

.PHONY: unit unit-asan fuzz fuzz-smoke bench-programs check-layers

unit: $(addprefix build/unit/,$(UNIT_TESTS))
	prove --exec '' $^

unit-asan: $(addprefix build/asan/,$(UNIT_TESTS))
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 prove --exec '' $^

bench-programs: $(addprefix build/bench/,$(BENCH_PROGS))

# Runs every fuzz target over its committed seed corpus plus a short random
# walk; the corpus directory is copied so the committed seeds stay as they are.
fuzz-smoke: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=build/fuzz/work/$$t; rm -rf $$work; mkdir -p $$work; \
		[ -d test/fuzz/corpus/$$t ] && cp -r test/fuzz/corpus/$$t/. $$work/ || true; \
		echo "fuzz-smoke $$t"; \
		build/fuzz/$$t -runs=$(FUZZ_SMOKE_RUNS) -seed=1 -max_len=4096 $$work >build/fuzz/$$t.log 2>&1 \
			|| { tail -40 build/fuzz/$$t.log; exit 1; }; \
	done

fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=build/fuzz/work/$$t; mkdir -p $$work; \
		[ -d test/fuzz/corpus/$$t ] && cp -rn test/fuzz/corpus/$$t/. $$work/ || true; \
		echo "fuzz $$t ($(FUZZ_RUNS) runs)"; \
		build/fuzz/$$t -runs=$(FUZZ_RUNS) -max_len=4096 -print_final_stats=1 $$work \
			>build/fuzz/$$t.log 2>&1 || { tail -40 build/fuzz/$$t.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units' build/fuzz/$$t.log; \
	done

# The pure layers must never include PostgreSQL headers.
check-layers:
	@! grep -nE '#include *[<"](postgres|fmgr|utils/|access/|executor/|storage/|miscadmin|funcapi)' \
		$(wildcard src/core/*.[ch] src/net/*.[ch] src/dht/*.[ch]) || \
		{ echo "PostgreSQL header in a pure layer"; exit 1; }

# Standalone programs used by interop tests and benchmarks (test/tools/*.c).
TOOL_PROGS = $(patsubst test/tools/%.c,%,$(sort $(wildcard test/tools/*.c)))

build/tools/%: test/tools/%.c $(UNIT_OBJS)
	@mkdir -p $(dir $@)
	$(UNIT_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Isrc $< $(UNIT_OBJS) $(UNIT_LIBS) -o $@

build/asan-tools/%: test/tools/%.c $(ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(ASAN_CC) $(ASAN_CFLAGS) $< $(ASAN_OBJS) $(UNIT_LIBS) -o $@

.PHONY: tools tools-asan
tools: $(addprefix build/tools/,$(TOOL_PROGS))
tools-asan: $(addprefix build/asan-tools/,$(TOOL_PROGS))

# Header dependencies of the objects built above.
-include $(shell find build -name '*.d' 2>/dev/null)
