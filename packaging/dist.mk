# Included by the top-level Makefile: the release artifacts and their test.
#
#   make dist        dist/mx-sso-<version>-x86_64-linux-gnu.tar.gz and a manylinux_2_17 wheel,
#                    for x86_64 Linux with glibc 2.17+ (packaging/dist.sh; tools from PyPI,
#                    pinned in packaging/dist-tools.txt, installed into target/dist-tools)
#   make test-dist   the artifacts checked from the outside (tests/dist/run; `build` too: it
#                    shows that the checks refuse this machine's native library)

.PHONY: dist test-dist

dist:
	$(CURDIR)/packaging/dist.sh

test-dist: build dist
	$(CURDIR)/tests/dist/run
