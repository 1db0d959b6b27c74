# SPDX-License-Identifier: GPL-2.0
#
#   make            build gosync.ko (for GOSYNC_KERNEL, below) and the userspace
#   make kernels    build gosync.ko for each kernel make check tests ($(KERNELS))
#   make demo       install dependencies, build, show gosync in the test VM
#   make check      every test; ends with "N passed, N failed"
#   make install    install module, header, library and tools on this machine
#
# One kernel choice: GOSYNC_KERNEL = 6.1 | 6.12 | 6.12-rt | a release such as
# 6.12.117+deb12-amd64 picks both the headers gosync.ko is built against (into
# build/NAME/) and the image scripts/vm boots (scripts/kernel). Default: 6.1,
# Debian 12's own kernel, if it has image and headers; else the newest other
# kernel that does. `make install` builds for the running kernel instead.
# KDIR=DIR builds against any kernel build dir (into build/kdir-RELEASE/).
BUILD := $(CURDIR)/build
MOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/uapi/linux/*.h kunit/*.c kunit/*.h)
PREFIX ?= /usr/local
VERSION := 0.1
KERNELS := 6.1 6.12 6.12-rt

ifeq ($(origin KDIR),undefined)
# KNAME, KRELEASE, KDIR and KIMAGE; all empty if GOSYNC_KERNEL is not installed.
$(foreach v,$(shell scripts/kernel --make $(GOSYNC_KERNEL) 2>/dev/null),$(eval $(v)))
MODDIR := $(BUILD)/$(KNAME)
else
KRELEASE := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODDIR := $(BUILD)/kdir-$(KRELEASE)
endif

all: modules user

deps:
	@scripts/deps

# Out-of-tree builds write objects next to the sources, so each kernel
# flavour builds in its own copy of the module sources.
define modbuild
	@mkdir -p $(1)
	@tar cf - $(MOD_SRC) | tar xf - -C $(1) --keep-newer-files 2>/dev/null || true
	$(MAKE) -C $(2) M=$(1) $(3) modules
endef

modules:
	@test -n "$(KDIR)" || { scripts/kernel $(GOSYNC_KERNEL) >/dev/null; exit 2; }
	$(call modbuild,$(MODDIR),$(KDIR),)

kernels:
	@for k in $(KERNELS); do \
		$(MAKE) --no-print-directory modules GOSYNC_KERNEL=$$k || exit; \
	done

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

# The man pages against the headers, docs and --help they describe, and
# rendered by groff with every warning on.
man-check: user
	scripts/man-check

install: install-module
	install -D -m 644 kmod/uapi/linux/gosync.h $(DESTDIR)$(PREFIX)/include/linux/gosync.h
	install -D -m 644 user/lib/gosync.h $(DESTDIR)$(PREFIX)/include/gosync.h
	install -D -m 644 $(BUILD)/user/lib/libgosync.a $(DESTDIR)$(PREFIX)/lib/libgosync.a
	install -D -m 755 $(BUILD)/user/lib/libgosync.so $(DESTDIR)$(PREFIX)/lib/libgosync.so.1
	ln -sf libgosync.so.1 $(DESTDIR)$(PREFIX)/lib/libgosync.so
	install -D -m 755 $(BUILD)/user/bin/gosync $(DESTDIR)$(PREFIX)/bin/gosync
	install -D -m 755 $(BUILD)/user/bin/gosync-stress $(DESTDIR)$(PREFIX)/bin/gosync-stress

# The module goes to the running kernel unless GOSYNC_KERNEL names another.
install-module: user
	$(MAKE) --no-print-directory modules_install \
		GOSYNC_KERNEL=$(or $(GOSYNC_KERNEL),$(shell uname -r))

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(MODDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(if $(DESTDIR),,depmod -a $(KRELEASE))

# DKMS: the module rebuilds itself for every new kernel.
dkms-install:
	mkdir -p /usr/src/gosync-$(VERSION)
	tar cf - $(MOD_SRC) dkms.conf | tar xf - -C /usr/src/gosync-$(VERSION)
	dkms install gosync/$(VERSION)

print-kdir:
	@echo $(KDIR)

# The module build dir for GOSYNC_KERNEL (or KDIR).
print-moddir:
	@echo $(MODDIR)

clean:
	rm -rf $(BUILD)

PHONY_BENCH := bench bench-quick check-kcsan
.PHONY: all deps modules kernels debug-modules user demo check sparse checkpatch \
	man-check $(PHONY_BENCH) \
	install install-module modules_install dkms-install print-kdir print-moddir clean
