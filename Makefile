# SPDX-License-Identifier: GPL-2.0
#
#   make            build gosync.ko (for GOSYNC_KERNEL, below) and the userspace
#   make kernels    build gosync.ko for each kernel make check tests ($(KERNELS))
#   make demo       install dependencies, build, show gosync in the test VM
#   make check      every test; ends with "N passed, N failed"
#   make go         vet the Go package (user/go) and build its test binary,
#                   run in the VM by make check (build/go/)
#   make deb        Debian packages (gosync-dkms, libgosync1, libgosync-dev,
#                   gosync-tools) in build/deb/
#   make install    install module, headers, library, pkg-config file, tools,
#                   udev rule, modules-load.d file and man pages on this machine
#   make uninstall  remove them again (and what make dkms-install put in place)
#   make dkms-install  the module under DKMS, without the package;
#                   make dkms-uninstall takes it out again
#
# One kernel choice: GOSYNC_KERNEL = 6.1 | 6.12 | 6.12-rt | a release such as
# 6.12.117+deb12-amd64 picks both the headers gosync.ko is built against (into
# build/NAME/) and the image scripts/vm boots (scripts/kernel). Default: 6.1,
# Debian 12's own kernel, if it has image and headers; else the newest other
# kernel that does. `make install` builds for the running kernel instead.
# KDIR=DIR builds against any kernel build dir (into build/kdir-RELEASE/).
BUILD := $(CURDIR)/build
MOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h kmod/uapi/linux/*.h kunit/*.c kunit/*.h)
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
# `make install`'s module (other flags, often root's) builds apart from
# make's, in build/install/NAME, removed again once installed.
ifneq ($(GOSYNC_INSTALL_BUILD),)
MODDIR := $(BUILD)/install/$(notdir $(MODDIR))
endif

# Where `make install` puts things. The udev rule and the modules-load.d file
# go where udev and systemd read an administrator's files, whatever PREFIX.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /etc/udev/rules.d
MODULESLOADDIR ?= /etc/modules-load.d
USER_DIRS := PREFIX=$(PREFIX) BINDIR=$(BINDIR) LIBDIR=$(LIBDIR) \
	     INCLUDEDIR=$(INCLUDEDIR) PKGCONFIGDIR=$(PKGCONFIGDIR) VERSION=$(VERSION)
MAN_PAGES := man/gosync.1 man/gosync-stress.1 man/libgosync.3 man/gosync.4

all: modules user

deps:
	@scripts/deps

# Out-of-tree builds write objects next to the sources, so each kernel
# builds in its own copy of the module sources.
# GOSYNC_TORTURE=1 (the default here, for the tests and benchmarks) builds
# the in-kernel torture runner in; `make install`, the packages and DKMS
# build without it.
GOSYNC_TORTURE ?= 1
# (tar keeps a copy newer than its source, quietly; any other failure to
# copy stops the build)
define modbuild
	@mkdir -p $(1)
	@tar cf - $(MOD_SRC) | tar xf - -C $(1) --keep-newer-files --warning=no-ignore-newer
	+$(MAKE) -C $(2) M=$(1) GOSYNC_TORTURE=$(GOSYNC_TORTURE) GOSYNC_VERSION=$(VERSION) \
		$(3) modules
endef

# A warning is an error here, as in user/ (KWERROR= to build anyway); not
# in dkms.conf, which users' DKMS runs against kernels not yet released.
KWERROR ?= -Werror
modules:
	@test -n "$(KDIR)" || { scripts/kernel $(GOSYNC_KERNEL) >/dev/null; exit 2; }
	$(call modbuild,$(MODDIR),$(KDIR),KCFLAGS=$(KWERROR))

kernels:
	@for k in $(KERNELS); do \
		$(MAKE) --no-print-directory modules GOSYNC_KERNEL=$$k || exit; \
	done

# Against the debug kernel (scripts/debug-kernel prints its KDIR); adds gosync_kunit.ko.
debug-modules:
	@test -n "$(KDIR)" || { echo "debug-modules: KDIR= required" >&2; exit 2; }
	$(call modbuild,$(BUILD)/debug,$(KDIR),)

user:
	$(MAKE) -C user O=$(BUILD)/user $(USER_DIRS)

# The C e2e tests as i386 programs (gcc-multilib; static: the guest has no
# i386 libc), which make check runs on 6.12: 32-bit processes reach the
# module through compat_ioctl, with the same structs. (-Wno-psabi: GCC's
# note that GCC 11 changed the i386 alignment of 64-bit _Atomic fields,
# which matters only between objects of two compilers.)
user32:
	$(MAKE) -C user O=$(BUILD)/user32 CC="$(CC) -m32 -Wno-psabi" LDFLAGS=-static c-tests

# The Go package: go vet and gofmt must be clean; its tests become one static
# binary (build/go/gosync-go.test, pure Go, no cgo) that scripts/vm puts in
# the guest's /go with run-tests.sh, which prints a TAP line per test, and
# the demo's example program (build/go/lostupdate); with a C compiler, the
# tests built with -race too (gosync-go-race.test, dynamic: cgo). Its
# uapi layout test (uapi.go against the header) runs here, on the host.
GO ?= go
# (go needs a cache and a GOPATH: under build/ when there is no $HOME)
ifeq ($(HOME),)
go: export GOCACHE := $(BUILD)/go-cache/build
go: export GOPATH := $(BUILD)/go-cache/path
endif
go:
	cd user/go && $(GO) vet ./...
	@cd user/go && out=$$(gofmt -l .) && test -z "$$out" || \
		{ echo "gofmt: not formatted: $$out" >&2; exit 1; }
	@mkdir -p $(BUILD)/go
	cd user/go && CGO_ENABLED=0 GOPROXY=off $(GO) test -c -o $(BUILD)/go/gosync-go.test .
	cd user/go && CGO_ENABLED=0 GOPROXY=off $(GO) build -o $(BUILD)/go/lostupdate ./examples/lostupdate
	@if command -v $(CC) >/dev/null; then \
		echo "cd user/go && CGO_ENABLED=1 GOPROXY=off $(GO) test -race -c -o $(BUILD)/go/gosync-go-race.test ."; \
		cd user/go && CGO_ENABLED=1 GOPROXY=off $(GO) test -race -c -o $(BUILD)/go/gosync-go-race.test .; \
	else echo "make go: no $(CC), so no race build (gosync-go-race.test)"; rm -f $(BUILD)/go/gosync-go-race.test; fi
	install -m 755 user/go/run-tests.sh $(BUILD)/go/run-tests.sh
	cd user/go && $(BUILD)/go/gosync-go.test -test.run '^TestUAPILayout$$' >/dev/null || \
		$(BUILD)/go/gosync-go.test -test.v -test.run '^TestUAPILayout$$'

# The kernel is chosen when the Makefile is read, before deps installs it:
# on a fresh machine, only a make started after deps sees it (as check's
# scripts/check does).
demo: deps
	$(MAKE) all go
	scripts/demo

# A failed install still ends with the tally line.
check:
	@scripts/deps || { echo "0 passed, 1 failed"; exit 1; }
	scripts/check

# The concurrent tests under KCSAN (builds a second debug kernel once).
check-kcsan: deps
	scripts/check kcsan

# The benchmark matrix in the test VM: JSON, plots and docs/benchmarks-report.md.
# HOST_LOAD=N: N busy loops on the host beside the VM (see scripts/bench-report)
bench: deps
	$(MAKE) all
	scripts/bench-report $(if $(HOST_LOAD),--host-load $(HOST_LOAD))

bench-quick: deps
	$(MAKE) all
	scripts/bench-report --quick

# Static checks on the kernel sources.
sparse: modules
	scripts/sparse

checkpatch:
	scripts/checkpatch

# shellcheck -S warning on every shell script (scripts/, the guest's tests).
shellcheck:
	scripts/shellcheck

# The man pages against the headers, docs and --help they describe, and
# rendered by groff with every warning on.
man-check: user
	scripts/man-check

deb:
	scripts/deb

install: install-module install-user install-data install-man

# The module goes to the running kernel unless GOSYNC_KERNEL names another.
# Installs build without -Werror: a user's newer compiler or kernel may warn
# where ours does not, and that is no reason to refuse the install.
# It builds in its own directory (GOSYNC_INSTALL_BUILD), so `sudo make
# install` neither rebuilds make's module as root nor leaves root's files.
install-module:
	$(MAKE) --no-print-directory modules_install GOSYNC_TORTURE= KWERROR= \
		GOSYNC_KERNEL=$(or $(GOSYNC_KERNEL),$(shell uname -r)) GOSYNC_INSTALL_BUILD=1
	rm -rf $(BUILD)/install

# Unsigned: the distribution's signing key is not ours (DKMS signs with the
# machine's own key where it has one).
modules_install: modules
	$(MAKE) -C $(KDIR) M=$(MODDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod -a $(KRELEASE))

install-user:
	$(MAKE) -C user O=$(BUILD)/user $(USER_DIRS) WERROR= install
	$(if $(DESTDIR),,ldconfig)

# The gosync group that the udev rule gives /dev/gosync to (as the Debian
# package's postinst does), then udev rereads its rules.
install-data:
	install -D -m 644 dist/60-gosync.rules $(DESTDIR)$(UDEVRULESDIR)/60-gosync.rules
	install -D -m 644 dist/gosync-modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/gosync.conf
	$(if $(DESTDIR),,getent group gosync >/dev/null || groupadd --system gosync)
	$(if $(DESTDIR),,udevadm control --reload 2>/dev/null || :)

install-man:
	for p in $(MAN_PAGES); do \
		install -D -m 644 $$p $(DESTDIR)$(MANDIR)/man$${p##*.}/$${p##*/} || exit; \
	done

# What install put in place, the module for every kernel, and what
# dkms-install did; the gosync group stays (files may belong to it).
uninstall:
	for m in $(wildcard $(DESTDIR)/lib/modules/*/extra/gosync.ko*); do \
		rm -f $$m; r=$${m%/extra/gosync.ko*}; \
		$(if $(DESTDIR),:,depmod -a $${r##*/}); \
	done
	$(MAKE) -C user O=$(BUILD)/user $(USER_DIRS) uninstall
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-gosync.rules $(DESTDIR)$(MODULESLOADDIR)/gosync.conf
	for p in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$${p##*/}; done
	$(if $(DESTDIR),,if [ -d $(DKMS_DIR) ] && ! $(DKMS_PKG); then \
		$(MAKE) --no-print-directory dkms-uninstall; fi)

# DKMS without the package: the module rebuilds itself for every new kernel.
# This version's earlier registration goes first, so a rerun rebuilds from
# the current sources. dkms-install builds it for every kernel with headers,
# as the package's postinst does: a kernel it cannot be built for is a
# warning (none if dkms.conf's BUILD_EXCLUSIVE_* rule it out: dkms exit 77),
# no kernel at all an error. Neither target touches the gosync-dkms
# package's sources (apt removes those).
DKMS_DIR := /usr/src/gosync-$(VERSION)
DKMS_PKG = dpkg-query -S $(DKMS_DIR) >/dev/null 2>&1
NOT_DKMS_PKG = ! $(DKMS_PKG) || { echo "$@: $(DKMS_DIR) is the gosync-dkms \
	package's: apt remove gosync-dkms" >&2; exit 1; }
dkms-install:
	@$(NOT_DKMS_PKG)
	dkms remove gosync/$(VERSION) --all 2>/dev/null || :
	$(MAKE) --no-print-directory dkms-src DKMS_SRC=$(DKMS_DIR)
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_DIR)/dkms.conf
	@built=; tried=; for b in /lib/modules/*/build; do \
		[ -d "$$b" ] || continue; \
		k=$${b%/build}; k=$${k#/lib/modules/}; rc=0; tried=1; \
		echo "dkms install gosync/$(VERSION) -k $$k"; \
		dkms install gosync/$(VERSION) -k "$$k" || rc=$$?; \
		if [ $$rc = 0 ]; then built="$$built $$k"; \
		elif [ $$rc != 77 ]; then echo "$@: warning: gosync.ko not built for $$k" \
			"(dkms exit $$rc; see /var/lib/dkms/gosync/$(VERSION)/build/make.log)" >&2; fi; \
	done; \
	[ -n "$$tried" ] || { echo "$@: no kernel has its headers" \
		"(/lib/modules/*/build): install them" >&2; exit 1; }; \
	[ -n "$$built" ] || { echo "$@: gosync.ko built for no kernel" >&2; exit 1; }; \
	case " $$built " in *" $$(uname -r) "*) ;; \
	*) echo "$@: warning: not built for the running kernel $$(uname -r)" >&2 ;; esac

# The module out of every kernel and DKMS, and its sources.
dkms-uninstall:
	@$(NOT_DKMS_PKG)
	dkms remove gosync/$(VERSION) --all 2>/dev/null || :
	rm -rf $(DKMS_DIR)

# The module's sources for DKMS (also the gosync-dkms package's), in DKMS_SRC.
dkms-src:
	@test -n "$(DKMS_SRC)" || { echo "dkms-src: DKMS_SRC= required" >&2; exit 2; }
	mkdir -p $(DKMS_SRC)
	tar cf - $(MOD_SRC) | tar xf - -C $(DKMS_SRC)

print-kdir:
	@echo $(KDIR)

# The module build dir for GOSYNC_KERNEL (or KDIR).
print-moddir:
	@echo $(MODDIR)

print-version:
	@echo $(VERSION)

clean:
	rm -rf $(BUILD)

PHONY_BENCH := bench bench-quick check-kcsan
.PHONY: all deps modules kernels debug-modules user user32 demo check sparse checkpatch shellcheck \
	man-check deb $(PHONY_BENCH) install install-module modules_install \
	install-user install-data install-man uninstall dkms-install dkms-uninstall \
	dkms-src print-kdir print-moddir print-version clean go
