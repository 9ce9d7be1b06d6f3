# Included by the top-level Makefile: install, uninstall and their test.
#
#   make install PREFIX=/usr/local [DESTDIR=/tmp/stage] [LIBDIR=...] [INCLUDEDIR=...] [BINDIR=...]
#   make uninstall PREFIX=/usr/local [DESTDIR=/tmp/stage]
#   make test-install
#
# `install` builds first when cargo is on PATH; without it (sudo make install, where root has
# no Rust toolchain) it installs the existing release build. See packaging/install.sh.

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin

.PHONY: install uninstall test-install

install: $(if $(shell command -v $(CARGO) 2>/dev/null),build)
	PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' \
	  BINDIR='$(BINDIR)' $(CURDIR)/packaging/install.sh install

uninstall:
	PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' $(CURDIR)/packaging/install.sh uninstall

## Install into a temporary prefix; pkg-config, CMake and static consumers and the Python wheel
## against the emulator; SONAME and exported symbols; uninstall leaves nothing behind.
test-install: build
	$(CURDIR)/tests/install/run
