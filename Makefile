# xdirector: top-level Makefile. `make help` lists the targets.
#   make            build BPF objects, skeletons, xdirectord, xdirectorctl
#   make deps       install the Debian packages everything needs
#   make check      deps + build + every test (prints "N passed, N failed")
#   make demo       deps + build + the seed topology in namespaces
#   make bench      deps + build + benchmarks
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
ARCH     := $(shell uname -m)

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
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
	   -D_GNU_SOURCE -Iheaders -Iuser -I$(BUILD) $(PKG_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS  += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
LDLIBS  += -lbpf -lelf -lz -lev -ljansson -lcurl -lnl-route-3 -lnl-genl-3 \
	   -lnl-3 -lcrypto -lmicrohttpd -lsystemd -lm

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	      -Iheaders -Ibpf -I/usr/include/$(ARCH)-linux-gnu
ifeq ($(WERROR),1)
BPF_CFLAGS += -Werror
endif

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS   := $(wildcard bpf/*.h headers/xdirector/*.h)

USER_SRCS  := $(filter-out user/main.c,$(wildcard user/*.c user/*/*.c))
USER_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(USER_SRCS))
USER_HDRS  := $(wildcard user/*.h user/*/*.h headers/xdirector/*.h)
LIBXD      := $(BUILD)/libxd.a

CTL_SRCS   := $(wildcard tools/xdirectorctl/*.c)
CTL_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
BPFT_SRCS  := $(wildcard tests/bpf/*.c)
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

.PHONY: all deps check demo bench install install-files deb clean help tests \
	test-bins fuzz fuzz-build san-build
.SECONDARY:

all: $(PROGS) tests

tests: test-bins $(TOOL_BINS)

test-bins: $(UNIT_BINS) $(if $(BPFT_SRCS),$(BPFT_BIN))

help:
	@sed -n '1,9p' Makefile

deps:
	$(Q)sh scripts/deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c $(USER_HDRS) $(BPF_SKELS)
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

$(BUILD)/tests/%: tests/unit/%.c $(LIBXD) $(USER_HDRS) $(wildcard tests/unit/*.h)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIBXD) $(LDLIBS) -lcmocka -o $@

$(BPFT_BIN): $(BPFT_SRCS) $(wildcard tests/bpf/*.h) $(LIBXD) $(BPF_SKELS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/bpf $(BPFT_SRCS) $(LIBXD) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tools/%: tools/%.c $(LIBXD) $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIBXD) $(LDLIBS) -o $@

ifeq ($(SANITIZE),1)
check: deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins
	$(Q)BUILD=$(BUILD) sh tests/run.sh unit bpf
else
# Besides the plain build: the sanitizer build of the unit and BPF tests
# (group san) and the fuzz targets (group fuzz: a short run of each).
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory san-build
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)sh tests/run.sh
endif

san-build:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 test-bins

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/netns/demo.sh

bench: deps
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
# files, not build/) in $(BUILD)/deb, checked by lintian. About 2 minutes.
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

fuzz: deps fuzz-build
	$(Q)FUZZ_TIME=$(FUZZ_TIME) BUILD=$(BUILD) sh tests/fuzz/run.sh

$(BUILD)/fuzz/obj/%.o: %.c $(USER_HDRS) $(BPF_SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libxd.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libxd.a $(wildcard tests/fuzz/*.h)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(BUILD)/fuzz/libxd.a \
		$(LDLIBS) -o $@

# --- bench BPF objects: rules (variables near TOOL_BINS)
$(BUILD)/bench/%.bpf.o: tools/bench/%.bpf.c $(BPF_HDRS) $(wildcard tools/bench/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(filter $(BUILD)/tools/bench/%,$(TOOL_BINS)): $(BENCH_BPF_SKELS) $(wildcard tools/bench/*.h)
# --- end of bench BPF object rules
