# SPDX-License-Identifier: GPL-2.0
#
#   make            build gosync.ko (stock Debian kernel) and the userspace
#   make demo       install dependencies, build, show gosync in the test VM
#   make check      every test; ends with "N passed, N failed"
#   make install    install module, header, library and tools on this machine
#
# KDIR: the running kernel's build dir if it has one, else the newest Debian
# linux-headers-*-amd64 (the test VM's stock kernel).
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),\
	     $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
BUILD := $(CURDIR)/build
MOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/uapi/linux/*.h kunit/*.c kunit/*.h)
PREFIX ?= /usr/local
VERSION := 0.1

all: modules user

deps:
	@scripts/deps

# Out-of-tree builds write objects next to the sources, so each kernel
# flavour builds in its own copy of the module sources.
# GOSYNC_TORTURE=1 (the default here, for the tests and benchmarks) builds
# the in-kernel torture runner in; the packages and DKMS build without it.
GOSYNC_TORTURE ?= 1
define modbuild
	@mkdir -p $(1)
	@tar cf - $(MOD_SRC) | tar xf - -C $(1) --keep-newer-files 2>/dev/null || true
	$(MAKE) -C $(2) M=$(1) GOSYNC_TORTURE=$(GOSYNC_TORTURE) $(3) modules
endef

modules:
	$(call modbuild,$(BUILD)/stock,$(KDIR),)

# Against the debug kernel (scripts/debug-kernel prints its KDIR); adds gosync_kunit.ko.
debug-modules:
	@test -n "$(KDIR)" || { echo "debug-modules: KDIR= required" >&2; exit 2; }
	$(call modbuild,$(BUILD)/debug,$(KDIR),)

user:
	$(MAKE) -C user O=$(BUILD)/user

demo: deps all
	scripts/demo

check: deps
	scripts/check

# The concurrent tests under KCSAN (builds a second debug kernel once).
check-kcsan: deps
	scripts/check kcsan

# The benchmark matrix in the test VM: JSON, plots and docs/benchmarks-report.md.
bench: deps all
	scripts/bench-report

bench-quick: deps all
	scripts/bench-report --quick

# Static checks on the kernel sources.
sparse: modules
	scripts/sparse $(KDIR) $(BUILD)/sparse

checkpatch:
	scripts/checkpatch

install: all
	$(MAKE) -C $(KDIR) M=$(BUILD)/stock INSTALL_MOD_DIR=extra modules_install
	depmod -a $(shell cat $(KDIR)/include/config/kernel.release)
	install -D -m 644 kmod/uapi/linux/gosync.h $(DESTDIR)$(PREFIX)/include/linux/gosync.h
	install -D -m 644 user/lib/gosync.h $(DESTDIR)$(PREFIX)/include/gosync.h
	install -D -m 644 $(BUILD)/user/lib/libgosync.a $(DESTDIR)$(PREFIX)/lib/libgosync.a
	install -D -m 755 $(BUILD)/user/lib/libgosync.so $(DESTDIR)$(PREFIX)/lib/libgosync.so.1
	ln -sf libgosync.so.1 $(DESTDIR)$(PREFIX)/lib/libgosync.so
	install -D -m 755 $(BUILD)/user/bin/gosync $(DESTDIR)$(PREFIX)/bin/gosync
	install -D -m 755 $(BUILD)/user/bin/gosync-stress $(DESTDIR)$(PREFIX)/bin/gosync-stress

# DKMS: the module rebuilds itself for every new kernel.
dkms-install:
	mkdir -p /usr/src/gosync-$(VERSION)
	tar cf - $(MOD_SRC) dkms.conf | tar xf - -C /usr/src/gosync-$(VERSION)
	dkms install gosync/$(VERSION)

print-kdir:
	@echo $(KDIR)

clean:
	rm -rf $(BUILD)

PHONY_BENCH := bench bench-quick check-kcsan
.PHONY: all deps modules debug-modules user demo check sparse checkpatch $(PHONY_BENCH) \
	install dkms-install print-kdir clean
