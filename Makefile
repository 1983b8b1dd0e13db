# SPDX-License-Identifier: GPL-2.0-or-later
#
# erofs-seal: one Makefile for build, check, demo, bench and install.
# Sources are picked up by wildcard so that adding a file needs no edit here.

VERSION    := 0.1.0
SOVERSION  := 0

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCDIR     ?= $(PREFIX)/include
PKGCONFDIR ?= $(LIBDIR)/pkgconfig
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# mount(8) looks for mount.<type> helpers in /sbin only
MOUNTHELPERDIR ?= /sbin
DESTDIR    ?=

BUILD      ?= build
CC         ?= cc
CFLAGS     ?= -O2 -g
LDFLAGS    ?=
SANITIZE_CC ?= clang
COMPAT_DIR ?= $(abspath ../shared/compat/composefs-1.0.8)

FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
BASE_CFLAGS := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	-fvisibility=hidden -Ilib/include $(FUSE_CFLAGS) \
	-DESEAL_VERSION='"$(VERSION)"'
LIBS       := -lcrypto -lxxhash -lkeyutils -larchive -ljansson -lz -lfuse3 -lpthread
ALL_CFLAGS  = $(BASE_CFLAGS) $(CFLAGS)

# lib/ at any depth, one folder per concern; every folder may hold private
# headers, included by their basename (unique across lib/) or as
# "folder/name.h"
LIB_SRCS   := $(sort $(shell find lib -name '*.c'))
LIB_HDRS   := $(sort $(shell find lib -name '*.h'))
LIB_PRIV   := -Ilib $(patsubst %/,-I%,$(sort $(dir $(LIB_SRCS) $(LIB_HDRS))))
# the command groups: cli/ (the table and the helpers), then one folder each
CMD_DIRS   := cli mkimage sign store oci mount
CMD_SRCS   := $(sort $(foreach d,$(CMD_DIRS),$(wildcard $(d)/*.c)))
UNIT_SRCS  := $(sort $(wildcard tests/unit/test-*.c))
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz-*.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
PRELOAD_SRCS := $(sort $(wildcard tests/preload/*.c))
# man pages: docs/erofs-seal.md and docs/erofs-seal-<command>.md
MAN_SRCS   := $(sort $(wildcard docs/erofs-seal*.md))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
PIC_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
FUZZ_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/fuzz-lib/%.o)
FUZZ_HOOK_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz-lib-hook/%.o)
CMD_OBJS   := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS  := $(UNIT_SRCS:%.c=$(BUILD)/%)
HELPER_BINS := $(HELPER_SRCS:%.c=$(BUILD)/%)
PRELOAD_LIBS := $(PRELOAD_SRCS:%.c=$(BUILD)/%.so)
MAN_PAGES  := $(MAN_SRCS:docs/%.md=$(BUILD)/man/%.1)

STATIC_LIB := $(BUILD)/liberofs-seal.a
SHARED_LIB := $(BUILD)/liberofs-seal.so.$(VERSION)
SONAME     := liberofs-seal.so.$(SOVERSION)
PROGRAM    := $(BUILD)/erofs-seal
PCFILE     := $(BUILD)/erofs-seal.pc

FUZZ_LIB   := $(BUILD)/fuzz-lib/liberofs-seal.a
FUZZ_HOOK_LIB := $(BUILD)/fuzz-lib-hook/liberofs-seal.a

.PHONY: all deps demo-deps check fuzz man demo bench install kernel-check \
	clean

all: $(STATIC_LIB) $(SHARED_LIB) $(PROGRAM) $(PCFILE) $(UNIT_BINS) \
	$(HELPER_BINS) $(PRELOAD_LIBS) $(MAN_PAGES)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# the library and its tests see its private headers; commands see only the
# public header and cli/
$(LIB_OBJS) $(PIC_OBJS): ALL_CFLAGS += $(LIB_PRIV)
$(CMD_OBJS): ALL_CFLAGS += -Icli

$(STATIC_LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SHARED_LIB): $(PIC_OBJS)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDFLAGS) $(LIBS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/liberofs-seal.so

$(PROGRAM): $(CMD_OBJS) $(STATIC_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJS) $(STATIC_LIB) $(LDFLAGS) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/test.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_PRIV) -Itests/unit -MMD -MP -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(LIBS)

# A fully static erofs-seal for the kernel VM's initramfs
# (kernel-patches/test/run): the same objects, every library's own
# dependencies as pkg-config names them; Debian has no static libacl, and
# libarchive only needs it to restore ACLs.
STATIC_LIBS = $(filter-out -lacl,$(shell pkg-config --static --libs libarchive \
	jansson fuse3 libcrypto libxxhash zlib)) -lkeyutils
$(BUILD)/erofs-seal-static: $(CMD_OBJS) $(STATIC_LIB)
	$(CC) -static -o $@ $(CMD_OBJS) $(STATIC_LIB) $(STATIC_LIBS)

# stand-alone tools the shell tests use (tree comparison, fsopen mounts)
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LDFLAGS)

# LD_PRELOAD shims the shell tests use (a file with fs-verity, faked)
$(BUILD)/tests/preload/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fvisibility=default -fPIC -shared -MMD -MP -o $@ $< -ldl

# the .pc file names the install paths, so install writes it afresh for the
# PREFIX/LIBDIR given then; the one in $(BUILD) is for an uninstalled look
gen_pc = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' erofs-seal.pc.in

$(PCFILE): erofs-seal.pc.in Makefile
	@mkdir -p $(dir $@)
	$(call gen_pc) > $@

# every package (build, tests, kernel VM); the demo needs only its own
deps:
	@scripts/install-deps
demo-deps:
	@scripts/install-deps demo

# The whole suite: normal build, then the same unit/compat tests under
# ASan+UBSan, then fuzzers for a bounded time; one runner counts them all.
check: deps
	$(MAKE) all
	$(MAKE) BUILD=$(BUILD)/asan CC=$(SANITIZE_CC) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all
	$(MAKE) fuzz
	BUILD=$(abspath $(BUILD)) COMPAT_DIR=$(COMPAT_DIR) tests/run

# The fuzz targets link one sanitizer+coverage build of the library
FUZZ_SAN   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz: $(FUZZ_SRCS:%.c=$(BUILD)/%)

# ... and, for fuzz-image-changing, a second build with a hook on every
# read of image bytes (erofs-read.h), so that a double fetch shows
$(BUILD)/fuzz-lib/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) $(LIB_PRIV) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz-lib-hook/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) $(LIB_PRIV) $(FUZZ_SAN) -DESEAL_FETCH_HOOK -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_HOOK_LIB): $(FUZZ_HOOK_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) $(LIB_PRIV) $(FUZZ_SAN) $(FUZZ_DEFS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB) $(LIBS)

$(BUILD)/tests/fuzz/fuzz-image-changing: private FUZZ_LIB := $(FUZZ_HOOK_LIB)
$(BUILD)/tests/fuzz/fuzz-image-changing: private FUZZ_DEFS := -DESEAL_FETCH_HOOK
$(BUILD)/tests/fuzz/fuzz-image-changing: $(FUZZ_HOOK_LIB)

# man pages from the docs/ command pages (scripts/md2man: go-md2man)
man: $(MAN_PAGES)

$(BUILD)/man/%.1: docs/%.md scripts/md2man
	@mkdir -p $(dir $@)
	scripts/md2man $(VERSION) $< $@

# the demo runs the program alone: its packages only, then the program
demo: demo-deps
	$(MAKE) $(PROGRAM)
	BUILD=$(abspath $(BUILD)) scripts/demo

bench: deps all
	BUILD=$(abspath $(BUILD)) scripts/bench

kernel-check: deps
	kernel-patches/test/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PKGCONFDIR)
	install -m 0755 $(PROGRAM) $(DESTDIR)$(BINDIR)/erofs-seal
	install -d $(DESTDIR)$(MOUNTHELPERDIR)
	ln -sf $(BINDIR)/erofs-seal $(DESTDIR)$(MOUNTHELPERDIR)/mount.erofs-seal
	install -m 0644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/liberofs-seal.so
	install -m 0644 lib/include/erofs-seal.h $(DESTDIR)$(INCDIR)/
	$(call gen_pc) > $(DESTDIR)$(PKGCONFDIR)/erofs-seal.pc
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 cli/erofs-seal.bash-completion $(DESTDIR)$(BASHCOMPDIR)/erofs-seal

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
