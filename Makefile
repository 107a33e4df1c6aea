# xdirector: top-level Makefile. `make help` lists the targets.
#   make            build BPF objects, skeletons, xdirectord, xdirectorctl
#   make deps       install the Debian packages everything needs
#   make check      missing deps + build + every test (prints "N passed, N failed")
#   make check-kernels  the kernel-dependent tests in a VM per Debian kernel
#                   package of XD_KERNELS (default linux-image-amd64)
#   make check-pkg  the Debian package under systemd in a Debian 12 root
#   make demo       demo deps + build + the seed topology in namespaces
#   make bench      missing deps + build + benchmarks
#   make fuzz       libFuzzer targets, each for FUZZ_TIME seconds (default 60)
#   make check SANITIZE=1   unit and BPF tests under ASan + UBSan only
#   make deb        the Debian package, into build/deb (lintian-checked)
# V=1 shows full commands. WERROR=1 (set in CI) turns warnings into errors.

BUILD    ?= build
# SANITIZE=1: the same tree built with ASan and UBSan into build-san/ (its
# own directory, so the two builds never mix objects).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
BUILD    := build-san
endif
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
# The machine the BPF objects are built for: the host's unless given
# (make ARCH=aarch64). BPF_ARCH is its name in libbpf's __TARGET_ARCH_*,
# MULTIARCH its Debian include directory (asm/types.h for the BPF target).
ARCH      ?= $(shell uname -m)
ARCH_MAP  := x86_64:x86 i386:x86 i686:x86 aarch64:arm64 arm64:arm64 \
	     armv7l:arm armhf:arm ppc64le:powerpc ppc64:powerpc s390x:s390 \
	     riscv64:riscv loongarch64:loongarch mips64:mips
BPF_ARCH  := $(or $(patsubst $(ARCH):%,%,$(filter $(ARCH):%,$(ARCH_MAP))),$(ARCH))
MULTIARCH ?= $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ifneq ($(CI),)
WERROR ?= 1
endif

PKG_CFLAGS := $(shell pkg-config --cflags libnl-3.0 2>/dev/null)
# Each object's header dependencies, written by the compiler beside it
# (-MMD) and read back at the end of this file; -MP keeps a deleted header
# from breaking the build.
DEPFLAGS := -MMD -MP
CFLAGS  ?= -O2 -g
CFLAGS  += $(DEPFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
	   -D_GNU_SOURCE -Iheaders -Iuser -I$(BUILD) $(PKG_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS  += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
LDLIBS  += -lbpf -lelf -lz -lev -ljansson -lcurl -lnl-route-3 -lnl-genl-3 \
	   -lnl-3 -lcrypto -lmicrohttpd -lsystemd -lcap -lm

BPF_CFLAGS := $(DEPFLAGS) -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -Wall \
	      -Wno-unused-function -Iheaders -Ibpf \
	      -I/usr/include/$(or $(MULTIARCH),$(ARCH)-linux-gnu)
ifeq ($(WERROR),1)
BPF_CFLAGS += -Werror
endif

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

USER_SRCS  := $(filter-out user/main.c,$(wildcard user/*.c user/*/*.c))
USER_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(USER_SRCS))
LIBXD      := $(BUILD)/libxd.a

CTL_SRCS   := $(wildcard tools/xdirectorctl/*.c)
CTL_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
BPFT_SRCS  := $(wildcard tests/bpf/*.c)
BPFT_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(BPFT_SRCS))
BPFT_BIN   := $(BUILD)/tests/bpf_packet_tests
TOOL_SRCS  := $(wildcard tools/bench/*.c tools/testing/*.c)
TOOL_BINS  := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

# --- bench BPF objects: tools/bench/*.bpf.c -> build/bench/*.bpf.o and
# skeletons build/bench/*.skel.h, included by the bench tools as
# "bench/NAME.skel.h". They are not tools themselves.
BENCH_BPF_SRCS  := $(wildcard tools/bench/*.bpf.c)
BENCH_BPF_SKELS := $(patsubst tools/bench/%.bpf.c,$(BUILD)/bench/%.skel.h,$(BENCH_BPF_SRCS))
TOOL_BINS       := $(filter-out %.bpf,$(TOOL_BINS))
# Their rules are at the end of this file.

PROGS := $(BUILD)/xdirectord $(BUILD)/xdirectorctl

.PHONY: all deps check check-kernels check-pkg demo bench install install-files deb clean help tests \
	test-bins fuzz fuzz-build san-build
# The BPF objects are only a step to their skeletons: keep them anyway.
# (Not every target: a missing .d must make its object out of date.)
.SECONDARY: $(BPF_OBJS) $(patsubst %.skel.h,%.bpf.o,$(BENCH_BPF_SKELS))

all: $(PROGS) tests

tests: test-bins $(TOOL_BINS)

test-bins: $(UNIT_BINS) $(if $(BPFT_SRCS),$(BPFT_BIN))

help:
	@sed -n '1,12p' Makefile

deps:
	$(Q)sh scripts/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $(DEPS_STAMP)

# check, demo, bench and fuzz install what is missing once, and again only
# when scripts/deps.sh changes (a package added) or after `make clean`:
# a fresh machine gets everything, a second run does not ask dpkg or apt.
# `make deps` always runs the script.
DEPS_STAMP := $(BUILD)/.deps-installed
$(DEPS_STAMP): scripts/deps.sh
	$(Q)sh scripts/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

# clang writes the .d after the object: touch the object, or it would
# look older than its .d and be rebuilt every time.
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/%.bpf.d
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@ && touch $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# Objects depend on the headers they include through their .d files (see
# DEP_FILES at the end). The skeletons are generated headers, so they are
# made before any object is compiled (order-only) and tracked like the
# others after that.
$(BUILD)/%.o: %.c $(BUILD)/%.d | $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBXD): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/xdirectord: $(BUILD)/user/main.o $(LIBXD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xdirectorctl: $(CTL_OBJS) $(LIBXD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/tests/%.d $(LIBXD) | $(BPF_SKELS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIBXD) $(LDLIBS) -lcmocka -o $@

$(BPFT_OBJS): CFLAGS += -Itests/bpf

$(BPFT_BIN): $(BPFT_OBJS) $(LIBXD)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tools/%: tools/%.c $(BUILD)/tools/%.d $(LIBXD) | $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIBXD) $(LDLIBS) -o $@

ifeq ($(SANITIZE),1)
check: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins
	$(Q)BUILD=$(BUILD) sh tests/run.sh unit bpf
else
# Besides the plain build: the sanitizer build of the unit and BPF tests
# (group san) and the fuzz targets (group fuzz: a short run of each).
check: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory san-build
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)sh tests/run.sh
endif

san-build:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins

# The kernels to test in qemu; a second Debian kernel is a second word.
XD_KERNELS ?= linux-image-amd64
export XD_KERNELS

# The suites that run in a VM under software emulation (tests/qemu) or in
# a debootstrapped root (tests/pkg) take 10-60 min on a 2-core machine:
# their own targets, outside make check's 30 minutes.
check-kernels: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/run.sh kernels

check-pkg: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/run.sh pkg

demo:
	$(Q)sh scripts/deps.sh --demo
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/netns/demo.sh

bench: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tools/bench/run.sh

install: all install-files

# What a package holds; the Debian package (debian/rules) runs this after
# building $(PROGS) alone.
install-files:
	install -D -m 755 $(BUILD)/xdirectord $(DESTDIR)/usr/sbin/xdirectord
	install -D -m 755 $(BUILD)/xdirectorctl $(DESTDIR)/usr/sbin/xdirectorctl
	install -D -m 644 docs/xdirectord.8 $(DESTDIR)/usr/share/man/man8/xdirectord.8
	install -D -m 644 docs/xdirectorctl.8 $(DESTDIR)/usr/share/man/man8/xdirectorctl.8
	install -D -m 644 docs/xdirector.5 $(DESTDIR)/usr/share/man/man5/xdirector.5
	install -D -m 644 systemd/xdirectord.service \
		$(DESTDIR)/lib/systemd/system/xdirectord.service
	install -D -m 644 completion/xdirectorctl \
		$(DESTDIR)/usr/share/bash-completion/completions/xdirectorctl

# The Debian package, built from a copy of the tree (tracked and untracked
# files, not build/) in $(BUILD)/deb, checked by lintian. About 3 minutes.
deb:
	$(Q)sh scripts/deb.sh $(BUILD)/deb

clean:
	rm -rf build build-san

# --- fuzz targets: tests/fuzz/fuzz_NAME.c -> $(BUILD)/fuzz/fuzz_NAME, built
# with clang's libFuzzer, ASan and UBSan over their own copy of the daemon's
# objects. Warnings are not errors here: clang warns where gcc does not.
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS  := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(USER_SRCS))
FUZZ_CFLAGS := $(filter-out -Werror,$(CFLAGS)) -O1 \
	       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_TIME  ?= 60

fuzz-build: $(FUZZ_BINS)

fuzz: $(DEPS_STAMP) fuzz-build
	$(Q)FUZZ_TIME=$(FUZZ_TIME) BUILD=$(BUILD) sh tests/fuzz/run.sh

$(BUILD)/fuzz/obj/%.o: %.c | $(BPF_SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libxd.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libxd.a
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(BUILD)/fuzz/libxd.a \
		$(LDLIBS) -o $@

# --- bench BPF objects: rules (variables near TOOL_BINS)
$(BUILD)/bench/%.bpf.o: tools/bench/%.bpf.c $(BUILD)/bench/%.bpf.d
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@ && touch $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(filter $(BUILD)/tools/bench/%,$(TOOL_BINS)): | $(BENCH_BPF_SKELS)
# --- end of bench BPF object rules

# The header dependencies the compiler writes (DEPFLAGS). Named here as
# targets of their own, so that an object whose .d is missing (built
# before there were any) is rebuilt rather than trusted.
DEP_FILES := $(patsubst %.o,%.d,$(USER_OBJS) $(BUILD)/user/main.o \
	       $(CTL_OBJS) $(BPFT_OBJS) $(BPF_OBJS)) \
	     $(patsubst %,%.d,$(UNIT_BINS) $(TOOL_BINS)) \
	     $(patsubst %.skel.h,%.bpf.d,$(BENCH_BPF_SKELS))
$(DEP_FILES):
-include $(wildcard $(DEP_FILES) $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d))
