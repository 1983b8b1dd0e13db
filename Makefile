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
# mount(8) looks for mount.<type> helpers in /sbin only
MOUNTHELPERDIR ?= /sbin
DESTDIR    ?=

BUILD      ?= build
CC         ?= cc
CFLAGS     ?= -O2 -g
LDFLAGS    ?=
SANITIZE_CC ?= clang
COMPAT_DIR ?= $(abspath ../shared/compat/composefs-1.0.8)

BASE_CFLAGS := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	-fvisibility=hidden -Ilib/include -Ilib -DESEAL_VERSION='"$(VERSION)"'
LIBS       := -lcrypto -lxxhash -lkeyutils -larchive -ljansson -lz -lpthread
ALL_CFLAGS  = $(BASE_CFLAGS) $(CFLAGS)

# lib/ and its sub-folders (lib/oci/, ...)
LIB_SRCS   := $(sort $(wildcard lib/*.c lib/*/*.c))
CMD_SRCS   := $(sort $(wildcard cli/*.c mkimage/*.c sign/*.c mount/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/test-*.c))
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz-*.c))
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
PIC_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
CMD_OBJS   := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS  := $(UNIT_SRCS:%.c=$(BUILD)/%)
HELPER_BINS := $(HELPER_SRCS:%.c=$(BUILD)/%)

STATIC_LIB := $(BUILD)/liberofs-seal.a
SHARED_LIB := $(BUILD)/liberofs-seal.so.$(VERSION)
SONAME     := liberofs-seal.so.$(SOVERSION)
PROGRAM    := $(BUILD)/erofs-seal
PCFILE     := $(BUILD)/erofs-seal.pc

.PHONY: all deps check check-build check-asan unit fuzz demo bench install \
	kernel-check clean format

all: $(STATIC_LIB) $(SHARED_LIB) $(PROGRAM) $(PCFILE) $(UNIT_BINS) $(HELPER_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# commands see the library's public header and cli/builtin.h only
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
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(STATIC_LIB) $(LDFLAGS) $(LIBS)

# stand-alone tools the shell tests use (tree comparison, fsopen mounts)
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LDFLAGS)

# the .pc file names the install paths, so install writes it afresh for the
# PREFIX/LIBDIR given then; the one in $(BUILD) is for an uninstalled look
gen_pc = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' erofs-seal.pc.in

$(PCFILE): erofs-seal.pc.in Makefile
	@mkdir -p $(dir $@)
	$(call gen_pc) > $@

deps:
	@scripts/install-deps

# The whole suite: normal build, then the same unit/compat tests under
# ASan+UBSan, then fuzzers for a bounded time; one runner counts them all.
check: deps
	$(MAKE) all
	$(MAKE) BUILD=$(BUILD)/asan CC=$(SANITIZE_CC) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all
	$(MAKE) fuzz
	BUILD=$(abspath $(BUILD)) COMPAT_DIR=$(COMPAT_DIR) tests/run

FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: $(FUZZ_SRCS:%.c=$(BUILD)/%)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang $(BASE_CFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LIBS)

demo: deps all
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
	if [ -d docs/man ]; then install -d $(DESTDIR)$(MANDIR)/man1 && \
		install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/; fi

format:
	clang-format -i $(LIB_SRCS) $(CMD_SRCS) $(wildcard lib/*.h lib/*/*.h cli/*.h)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
