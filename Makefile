# Makefile — builds ember, its tests, fuzzers, benchmarks and demo.
#
#   make            build/ember and build/libember.a (release, -O2)
#   make test       install what is missing, build with ASan+UBSan, run every test
#   make demo       install what is missing, record demo/hotpaths with `ember record`, write demo/out.svg
#   make bench      benchmarks against the anchors -> bench/RESULTS.md
#   make fuzz       long libFuzzer runs of every reader (FUZZ_SECONDS each)
#   make install    PREFIX=/usr/local: binary and man page
#
# Every .c under src/ except src/cli/main.c goes into the core library, so
# adding a file needs no change here.

.DEFAULT_GOAL := all
CC ?= gcc
PREFIX ?= /usr/local
BUILD ?= build
FUZZ_SECONDS ?= 300

# Debian packages each target needs; scripts/ensure-packages installs them.
BUILD_PACKAGES = gcc make pkg-config clang libbpf-dev libdw-dev libelf-dev zlib1g-dev liblzma-dev libbz2-dev libcurl4-openssl-dev libiberty-dev libpcre2-dev
TEST_PACKAGES = $(BUILD_PACKAGES) clang libclang-rt-14-dev libcriterion-dev perl chromium nodejs:node npm:npm python3:python3 golang-go libgoogle-perftools-dev google-perftools bpftrace linux-perf zstd
DEMO_PACKAGES = $(BUILD_PACKAGES)
BENCH_PACKAGES = $(BUILD_PACKAGES) hyperfine zstd perl time python3:python3 golang-go chromium nodejs:node npm:npm

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -g $(WARNINGS) -MMD -MP
CFLAGS ?= -O2
# elfutils, zlib and PCRE2 are linked statically: loading five shared
# libraries (and the libraries they load) cost a third of a millisecond at
# every start, a few percent of a small flame graph. libc, libm and libdl
# stay shared; libcurl is loaded only by `ember fetch` (curl_library.c).
LIBS = -Wl,-Bstatic -lbpf -ldw -lelf -lz -lpcre2-8 -llzma -lbz2 -Wl,-Bdynamic -lm -lpthread -liberty -ldl

SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SOURCES := $(shell find src -name '*.c' ! -name '*.bpf.c' ! -path src/cli/main.c | sort)
UNIT_SOURCES := $(sort $(wildcard tests/unit/*.c))
FUZZ_SOURCES := $(sort $(wildcard fuzz/*.c))

# The HTML viewer's script and style become C strings at build time
# (scripts/embed-text); the generated file is part of every library build.
# The script's parts in the order they are concatenated (viewer.js, the
# application, last).
VIEWER_SCRIPTS = src/render/viewer/data.js src/render/viewer/format.js \
	src/render/viewer/flame_view.js src/render/viewer/viewer.js
VIEWER_ASSETS = $(VIEWER_SCRIPTS) src/render/viewer/viewer.css
GENERATED_SOURCES = $(BUILD)/gen/viewer_assets.c $(BUILD)/gen/python_snapshot_bpf.c
GENERATED_NAMES = viewer_assets python_snapshot_bpf

RELEASE_OBJECTS = $(LIB_SOURCES:%.c=$(BUILD)/release/%.o) $(GENERATED_NAMES:%=$(BUILD)/release/gen/%.o)
TEST_OBJECTS = $(LIB_SOURCES:%.c=$(BUILD)/test/%.o) $(GENERATED_NAMES:%=$(BUILD)/test/gen/%.o)

# The eBPF program of the Python snapshot mode (src/record/python/bpf/):
# compiled for the BPF target (with BTF, which libbpf needs for its maps),
# then embedded in the library as a byte array (scripts/embed-binary).
BPF_INCLUDES = -I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
$(BUILD)/bpf/python_snapshot.bpf.o: src/record/python/bpf/python_snapshot.bpf.c src/record/python/bpf/python_snapshot.h
	@mkdir -p $(dir $@)
	clang -O2 -g -target bpf -Wall -Werror $(BPF_INCLUDES) -c $< -o $@

$(BUILD)/gen/python_snapshot_bpf.c: $(BUILD)/bpf/python_snapshot.bpf.o scripts/embed-binary
	@mkdir -p $(dir $@)
	scripts/embed-binary $@ python_snapshot_bpf_object $<

.PHONY: all test demo bench fuzz install clean deps-build deps-test deps-demo deps-bench check-clang unit-tests fuzzers

all: $(BUILD)/ember $(BUILD)/libember.a

$(BUILD)/release/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/test/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(SANITIZE) -c $< -o $@

$(BUILD)/gen/viewer_assets.c: $(VIEWER_ASSETS) scripts/embed-text
	@mkdir -p $(dir $@)
	scripts/embed-text $@ ember_viewer_js '$(VIEWER_SCRIPTS)' ember_viewer_css src/render/viewer/viewer.css

$(BUILD)/release/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/test/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 $(SANITIZE) -c $< -o $@

$(BUILD)/libember.a: $(RELEASE_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ember: $(BUILD)/release/src/cli/main.o $(BUILD)/libember.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# The sanitizer build used by the tests.
$(BUILD)/test/libember.a: $(TEST_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/test/ember: $(BUILD)/test/src/cli/main.o $(BUILD)/test/libember.a
	$(CC) $(SANITIZE) -o $@ $^ $(LIBS)

$(BUILD)/test/unit-tests: $(UNIT_SOURCES) $(wildcard tests/unit/*.h) $(BUILD)/test/libember.a
	$(CC) $(BASE_CFLAGS) -O1 $(SANITIZE) -Isrc -o $@ $(UNIT_SOURCES) $(BUILD)/test/libember.a -lcriterion $(LIBS)

# Fuzzers: clang + libFuzzer, one binary per harness in fuzz/. The library
# is compiled once with libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link) into its own archive, and each harness links
# against it. UBSan findings abort (-fno-sanitize-recover) so libFuzzer
# counts them as crashes.
FUZZ_BINARIES = $(FUZZ_SOURCES:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -g -O1 $(WARNINGS) -fno-sanitize-recover=all
FUZZ_OBJECTS = $(LIB_SOURCES:%.c=$(BUILD)/fuzz-library/%.o) $(GENERATED_NAMES:%=$(BUILD)/fuzz-library/gen/%.o)

$(BUILD)/fuzz-library/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/fuzz-library/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(BUILD)/fuzz-library/libember-fuzz.a: $(FUZZ_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(BUILD)/fuzz-library/libember-fuzz.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer,address,undefined -Isrc -o $@ $< $(BUILD)/fuzz-library/libember-fuzz.a $(LIBS)

fuzzers: $(FUZZ_BINARIES)

check-clang:
	@for source in $(LIB_SOURCES) src/cli/main.c; do \
		clang $(BASE_CFLAGS:-MMD=) -fsyntax-only $$source || exit 1; \
	done

deps-build:
	@scripts/ensure-packages $(BUILD_PACKAGES)
deps-test:
	@scripts/ensure-packages $(TEST_PACKAGES)
deps-demo:
	@scripts/ensure-packages $(DEMO_PACKAGES)
deps-bench:
	@scripts/ensure-packages $(BENCH_PACKAGES)

test: deps-test
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory check-clang
	$(MAKE) --no-print-directory $(BUILD)/test/ember $(BUILD)/test/unit-tests fuzzers
	tests/run

demo: deps-demo
	$(MAKE) --no-print-directory all
	demo/run

bench: deps-bench
	$(MAKE) --no-print-directory all
	bench/run

fuzz: deps-test
	$(MAKE) --no-print-directory fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/ember $(DESTDIR)$(PREFIX)/bin/ember
	install -m 644 docs/ember.1 $(DESTDIR)$(PREFIX)/share/man/man1/ember.1

clean:
	rm -rf $(BUILD)

-include $(RELEASE_OBJECTS:.o=.d) $(TEST_OBJECTS:.o=.d) $(FUZZ_OBJECTS:.o=.d) $(FUZZ_BINARIES:=.d) $(BUILD)/release/src/cli/main.d $(BUILD)/test/src/cli/main.d
