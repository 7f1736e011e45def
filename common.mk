# SPDX-License-Identifier: GPL-2.0-only
# Settings every build fragment shares (the xdp-tools lib/common.mk idea).
BUILD    ?= build
BIN      := $(BUILD)/bin
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
MULTIARCH := $(shell $(CC) -print-multiarch)

CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -MMD -MP \
            -D_GNU_SOURCE -I$(BUILD)/gen -Ikernel -Iuserspace
LDLIBS_BPF := -lbpf -lelf -lz
# BPF objects are built for the BPF target with the UAPI headers of the
# build machine's Debian (linux-libc-dev), never with the running kernel's
# vmlinux.h: the object does not depend on the host it was built on.
BPF_CFLAGS := -g -O2 -target bpf -Wall -Ikernel -I/usr/include/$(MULTIARCH)
