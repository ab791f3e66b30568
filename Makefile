# dsrlb: `make` builds, `make test` runs every test, `make demo` runs the
# playground. All build output goes to build/; V=1 shows the commands.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      := $(shell uname -m)

CFLAGS    ?= -O2 -g
CFLAGS    += -pthread -std=gnu11 -Wall -Wextra -Werror -Icommon -Isrc -I$(BUILD) \
             -D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDLIBS    += -lbpf -lmnl -lyaml -lsystemd -lelf -lz -ljansson -lmicrohttpd -lsodium
# make test SANITIZE=1: every binary with AddressSanitizer and UBSan; a report
# anywhere fails the run (tests/run.sh counts build/sanitizer/*).
ifeq ($(SANITIZE),1)
# (gcc's maybe-uninitialized is known to misfire under ASan: off in this build only)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
             -Wno-maybe-uninitialized
export ASAN_OPTIONS := detect_leaks=0:abort_on_error=1:log_path=$(abspath $(BUILD))/sanitizer/asan
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1:log_path=$(abspath $(BUILD))/sanitizer/ubsan
endif
# a change of flags (SANITIZE=1 or not) rebuilds everything
FLAGS_NOW := $(CC) $(CFLAGS)
FLAGS_WAS := $(shell cat $(BUILD)/.flags 2>/dev/null)
ifneq ($(FLAGS_NOW),$(FLAGS_WAS))
$(shell mkdir -p $(BUILD) && echo '$(FLAGS_NOW)' > $(BUILD)/.flags)
endif
# -mcpu=v3: 32-bit ALU and jumps, so 32-bit hashing is not masked at every step
BPF_CFLAGS = -O2 -g -Wall -Wextra -Werror -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
             -I/usr/include/$(ARCH)-linux-gnu -Icommon -Ibpf

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

# src/ is one folder per concern (see README, "Layout"); every .c but the
# program's main goes into libdsrlb.a, which the tests and the bench link too.
SRC_DIRS  := lib net config dataplane engine health ha api tools daemon cli
LIB_SRCS  := $(filter-out src/cli/main.c,$(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c)))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
SRC_HDRS  := $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.h)) $(wildcard common/*.h)
BPF_HDRS  := $(wildcard bpf/lib/*.h common/*.h)
TEST_BINS := $(BUILD)/tests/test_maglev $(BUILD)/tests/test_addr $(BUILD)/tests/test_vipindex $(BUILD)/tests/test_icmp \
             $(BUILD)/tests/test_config $(BUILD)/tests/test_plan $(BUILD)/tests/test_health \
             $(BUILD)/tests/test_xdp $(BUILD)/tests/test_engine

.DELETE_ON_ERROR:
# keep BPF objects and skeletons between runs (they are intermediates of chains)
.SECONDARY:
.PHONY: all deps test-deps check-deps test demo bench install clean fuzz fuzzers deb

all: check-deps $(BUILD)/dsrlb $(BUILD)/xdp_pass.bpf.o $(BUILD)/man/dsrlb.8 $(BUILD)/man/dsrlb.yaml.5

# man pages: docs/man/*.scd through Debian's scdoc
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	$(call msg,SCDOC,$@)
	$(Q)scdoc < $< > $@

check-deps:
	$(Q)scripts/deps.sh --check

deps:
	$(Q)scripts/deps.sh --install

# the tests' own: chromium, node, and playwright-core as locked in tests/web
test-deps: deps
	$(Q)scripts/deps.sh --install --tests
	$(Q)[ -d tests/web/node_modules/playwright-core ] || \
		(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/dsrlb.skel.h: $(BUILD)/dsrlb.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name dsrlb_bpf > $@

$(BUILD)/hc.skel.h: $(BUILD)/hc.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name hc_bpf > $@

$(BUILD)/obj/%.o: src/%.c $(BUILD)/dsrlb.skel.h $(BUILD)/hc.skel.h $(SRC_HDRS) $(BUILD)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libdsrlb.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/dsrlb: $(BUILD)/obj/cli/main.o $(BUILD)/libdsrlb.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdsrlb.a tests/lib/check.h $(BUILD)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -o $@ $< $(BUILD)/libdsrlb.a $(LDLIBS)

$(BUILD)/tests/test_%: tests/fixtures/test_%.c $(BUILD)/libdsrlb.a tests/lib/check.h $(BUILD)/.flags
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -o $@ $< $(BUILD)/libdsrlb.a $(LDLIBS)

# The benchmark: its own BPF programs (generator, sink, baselines) and driver.
$(BUILD)/bench/%.bpf.o: bench/%.bpf.c bench/bench_abi.h bench/bench_bpf.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/bench/dsrlb-bench: bench/dsrlb_bench.c bench/util.c bench/cost.c bench/bench.h bench/bench_abi.h $(BUILD)/libdsrlb.a \
		$(BUILD)/bench/gen.skel.h $(BUILD)/bench/baseline.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Ibench -I$(BUILD)/bench -o $@ $(filter %.c,$^) $(BUILD)/libdsrlb.a $(LDLIBS)

# QUICK=1 for the everyday run (under 2 minutes)
bench: deps all $(BUILD)/bench/dsrlb-bench
	$(Q)QUICK=$(QUICK) bench/run.sh

tests: $(TEST_BINS)

# make fuzz: libFuzzer harnesses (clang, ASan, UBSan) over the library built
# the same way, each run FUZZ_TIME seconds (default 60) on its corpus. New
# inputs go to build/fuzz/corpus-NAME; tests/fuzz/corpus/NAME holds the seeds.
FUZZ_NAMES := config api packet
FUZZ_CFLAGS = -O1 -g -pthread -std=gnu11 -Wall -Wextra -Werror -Icommon -Isrc -I$(BUILD) \
              -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_TIME ?= 60

$(BUILD)/fuzz/obj/%.o: src/%.c $(BUILD)/dsrlb.skel.h $(BUILD)/hc.skel.h $(SRC_HDRS)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libdsrlb.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/fuzz/parse_native.o: tests/fuzz/parse_native.c tests/fuzz/parse_native.h $(BPF_HDRS)
	@mkdir -p $(@D)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Ibpf -I/usr/include/$(ARCH)-linux-gnu -Wno-unused -c $< -o $@

$(BUILD)/fuzz/fuzz_packet: $(BUILD)/fuzz/parse_native.o
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libdsrlb.a
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(filter %.o,$^) $(BUILD)/fuzz/libdsrlb.a $(LDLIBS)

fuzzers: $(FUZZ_BINS)

fuzz: test-deps all fuzzers
	$(Q)tests/fuzz/run.sh $(FUZZ_TIME)

test: test-deps all tests fuzzers
	$(Q)rm -rf $(BUILD)/sanitizer && mkdir -p $(BUILD)/sanitizer
	$(Q)SANITIZE=$(SANITIZE) tests/run.sh

demo: deps all
	$(Q)scripts/demo.sh

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= /etc/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/dsrlb

# the unit, its paths from the install prefix
$(BUILD)/dsrlb.service: dist/dsrlb.service.in
	@mkdir -p $(@D)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@

install: all $(BUILD)/dsrlb.service
	install -D -m 0755 $(BUILD)/dsrlb $(DESTDIR)$(SBINDIR)/dsrlb
	install -D -m 0644 $(BUILD)/dsrlb.service $(DESTDIR)$(UNITDIR)/dsrlb.service
	install -d -m 0755 $(DESTDIR)/etc/dsrlb
	install -d -m 0755 $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 examples/*.yaml examples/*.conf $(DESTDIR)$(DOCDIR)/examples/
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 $(BUILD)/man/dsrlb.8 $(DESTDIR)$(PREFIX)/share/man/man8/dsrlb.8
	install -D -m 0644 $(BUILD)/man/dsrlb.yaml.5 $(DESTDIR)$(PREFIX)/share/man/man5/dsrlb.yaml.5
	install -D -m 0644 dist/dsrlb.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dsrlb
	mkdir -p $(DESTDIR)$(PREFIX)/share/dsrlb
	cp -r web $(DESTDIR)$(PREFIX)/share/dsrlb/
	rm -rf $(DESTDIR)$(PREFIX)/share/dsrlb/web/package.json $(DESTDIR)$(PREFIX)/share/dsrlb/web/package-lock.json \
		$(DESTDIR)$(PREFIX)/share/dsrlb/web/node_modules

# make deb: a Debian 12 package with debhelper, its version from git describe
# (DSRLB_VERSION before the first tag), into build/deb/.
DEB_VERSION := $(shell v=$$(git describe --tags 2>/dev/null | sed 's/^v//; s/-/+git/; s/-/./'); \
	[ -n "$$v" ] || v=$$(sed -n 's/.*DSRLB_VERSION "\(.*\)"/\1/p' src/lib/version.h)+git$$(git rev-list --count HEAD 2>/dev/null).$$(git rev-parse --short HEAD 2>/dev/null); echo $$v)
deb: test-deps
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	$(Q)(git ls-files; git ls-files --others --exclude-standard) | sort -u | \
		while read -r f; do [ -e "$$f" ] && echo "$$f"; done | tar -cf - -T - | tar -x -C $(BUILD)/deb/src
	$(Q)sed -e 's/@VERSION@/$(DEB_VERSION)/' -e "s/@DATE@/$$(date -R)/" debian/changelog.in > $(BUILD)/deb/src/debian/changelog
	$(Q)rm -f $(BUILD)/deb/src/debian/changelog.in
	$(Q)cd $(BUILD)/deb/src && DSRLB_VERSION=$(DEB_VERSION) dpkg-buildpackage -b -us -uc >../build.log 2>&1 || (tail -30 ../build.log; exit 1)
	$(Q)ls $(BUILD)/deb/*.deb

clean:
	rm -rf $(BUILD)
