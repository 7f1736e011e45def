# SPDX-License-Identifier: GPL-2.0-only
# vardkase: `make` builds everything into build/, `make test` runs every
# test, `make bench` prints the measurements. See README.md.

include common.mk

.PHONY: all deps test bench fuzz soak clean
all: build-all

include kernel/build.mk
include userspace/build.mk
include tests/build.mk
include tools/build.mk

build-all: $(BINS)

deps:
	./tools/deps.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
