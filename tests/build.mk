# SPDX-License-Identifier: GPL-2.0-only
# make test: every test. Tests that need ../shared, root or BPF say SKIP
# with the reason when they cannot run.
SHARED ?= ../shared

$(BUILD)/tests/%.o: tests/unit/%.c | $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/%.o: tests/bpf/%.c $(SKELS) | $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/test_key: $(BUILD)/tests/test_key.o $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIB_LIBS)
$(BUILD)/tests/test_reasm: $(BUILD)/tests/test_reasm.o $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lmbedcrypto
AGENT_LIB_OBJS := $(filter-out $(BUILD)/userspace/agent/vardkased.o, $(AGENT_SRCS:%.c=$(BUILD)/%.o))
$(BUILD)/tests/test_agent: $(BUILD)/tests/test_agent.o $(AGENT_LIB_OBJS) $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(AGENT_LIBS)
$(BUILD)/tests/test_sight: $(BUILD)/tests/test_sight.o $(AGENT_LIB_OBJS) $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(AGENT_LIBS)
$(BUILD)/tests/test_sandbox: $(BUILD)/tests/test_sandbox.o $(AGENT_LIB_OBJS) \
			     $(BUILD)/userspace/xdp/dp_sandbox.o $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(AGENT_LIBS)
$(BUILD)/tests/test_bpf: $(BUILD)/tests/test_bpf.o $(BUILD)/tests/test_tls.o \
			  $(BUILD)/tests/test_dnstcp.o $(BUILD)/tests/test_http.o \
			  $(BUILD)/tests/test_faults.o $(BUILD)/tests/test_slow.o \
			  $(BUILD)/tests/test_encap.o $(BUILD)/tests/test_answers.o $(DP_OBJS) \
			  $(BUILD)/libvardkase.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpthread $(DP_LIBS)
$(BUILD)/tests/verify_stats: $(BUILD)/tests/verify_stats.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_BPF)

.PHONY: test-unit test-bpf test-bpf61 test-units test-pcap test-netns test-agent test-sightings \
	test-ubsan
test: test-unit test-bpf test-bpf61 test-ubsan test-units test-netns test-agent test-sightings \
	test-pcap test-fuzz

test-unit: $(BUILD)/tests/test_key $(BUILD)/tests/test_agent $(BUILD)/tests/test_sight \
	   $(BUILD)/tests/test_sandbox $(BUILD)/tests/test_reasm
	$(BUILD)/tests/test_reasm
	$(BUILD)/tests/test_sight
	$(BUILD)/tests/test_sandbox
	VK_FIXTURES=$(SHARED)/fixtures/misp/captured/responses $(BUILD)/tests/test_key
	VK_FIXTURES=$(SHARED)/fixtures/misp/captured/responses \
	VK_WARNINGLISTS=$(SHARED)/fixtures/misp/upstream/warninglists \
	VK_CAPTURED=$(SHARED)/fixtures/misp/captured/real-2.5.1-paging $(BUILD)/tests/test_agent

test-bpf: $(BUILD)/tests/test_bpf
	$<

# The unit and BPF tests again, built with UBSan (alignment included: the
# fuzzers leave it out for packet headers, this build checks everything
# else), in a build tree of their own; any report fails the run. The
# sandbox test runs the agent's filter under the sanitizer too (VK_SANITIZER
# lets the sanitizer runtime's sigaltstack through, in this build only).
UBSAN := $(BUILD)/ubsan
test-ubsan:
	CFLAGS="-O1 -g -fsanitize=undefined -fno-sanitize-recover=undefined -DVK_SANITIZER" \
	LDFLAGS="-fsanitize=undefined" $(MAKE) --no-print-directory BUILD=$(UBSAN) \
		$(UBSAN)/tests/test_key $(UBSAN)/tests/test_agent $(UBSAN)/tests/test_sight \
		$(UBSAN)/tests/test_bpf $(UBSAN)/tests/test_sandbox
	$(UBSAN)/tests/test_sight
	$(UBSAN)/tests/test_sandbox
	VK_FIXTURES=$(SHARED)/fixtures/misp/captured/responses $(UBSAN)/tests/test_key
	VK_FIXTURES=$(SHARED)/fixtures/misp/captured/responses \
	VK_CAPTURED=$(SHARED)/fixtures/misp/captured/real-2.5.1-paging $(UBSAN)/tests/test_agent
	$(UBSAN)/tests/test_bpf

# the same tests on Debian 12's own 6.1 kernel, under qemu (the box's kernel;
# this machine's newer verifier accepts what 6.1 may refuse)
test-bpf61: $(BUILD)/tests/test_bpf $(BUILD)/tests/verify_stats $(BUILD)/kernel/vardkase.bpf.o
	tests/bpf/kernel61.sh $^

test-pcap: $(BIN)/vardkase-xdp
	tests/pcap/run.sh $(BIN)/vardkase-xdp $(SHARED)/pcaps

test-netns: $(BIN)/vardkase-xdp $(BIN)/vk-quic-hello
	tests/integration/test_runner.sh $(BIN)/vardkase-xdp

test-agent: $(BIN)/vardkase-xdp $(BIN)/vardkased
	SHARED=$(SHARED) tests/integration/test_agent.sh

# the shipped systemd units' users, groups, directories and modes
test-units: $(BINS)
	tests/integration/test_units.sh

# runs `make demo` headless on its own lab, then the sightings checks
test-sightings: $(BINS)
	tests/integration/test_sightings.sh

# Fuzzing (libFuzzer + ASan/UBSan), one harness per parser. `make fuzz`
# runs each for FUZZ_SECONDS; `make test` runs a short, fixed number of
# inputs of each (test-fuzz) so a crash on the corpus seeds shows up.
FUZZ_SECONDS ?= 300
FUZZERS := packet tls slow quic misp pcap http page state conf wl events verdict ipc console dpanswer url
# Headers are read in place, unaligned, as the XDP program reads them (the
# kernel allows it on every architecture the box runs on: x86-64, arm64),
# so UBSan's alignment check is the one check left out (make test-ubsan
# checks alignment everywhere else).
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize=alignment -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -D_GNU_SOURCE -Ikernel -Iuserspace -I$(BUILD)/gen
# the code under test, instrumented once and kept in an archive: each
# harness pulls in only the objects it reaches
FUZZ_LIB_SRCS := userspace/lib/vk_key.c userspace/lib/vk_set.c userspace/lib/vk_misp.c \
                 userspace/lib/vk_pcap.c userspace/lib/vk_log.c userspace/lib/vk_http.c \
                 userspace/lib/vk_https.c userspace/lib/vk_mispread.c userspace/lib/vk_ipc.c \
                 userspace/lib/vk_ipc_key.c userspace/lib/vk_hello.c userspace/lib/vk_fp.c userspace/lib/vk_url.c userspace/lib/vk_dnsmsg.c userspace/lib/vk_reasm.c userspace/lib/vk_quic.c \
                 userspace/xdp/vk_slow.c userspace/xdp/vk_derive.c \
                 userspace/agent/sync.c userspace/agent/amap.c userspace/agent/wl.c \
                 userspace/agent/conf.c userspace/agent/upstream.c userspace/agent/shared.c \
                 userspace/agent/evloop.c userspace/agent/console.c userspace/agent/sight.c \
                 userspace/agent/store.c userspace/agent/dpc.c userspace/agent/unpub.c \
                 userspace/xdp/vk_state.c userspace/xdp/ipc_server.c userspace/xdp/vk_dp.c \
                 userspace/xdp/vk_tables.c userspace/xdp/vk_apply.c userspace/xdp/vk_event.c \
                 $(BUILD)/gen/dataplane.pb-c.c $(BUILD)/gen/console.pb-c.c
FUZZ_LIB := $(BUILD)/fuzz/libfuzz.a
FUZZ_LIBS := -ljansson -lidn2 -lpsl -lpcap -lhttp_parser -lz -lmbedtls -lmbedx509 \
             -lmbedcrypto -lyajl -linih -lsqlite3 -lprotobuf-c $(LDLIBS_BPF) $(NL_LIBS) -lpthread

$(BUILD)/fuzz/obj/%.o: %.c $(SKELS) $(PROTO_H)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_file.h tests/fuzz/fuzz_agent.h $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(FUZZ_LIBS)

.PHONY: fuzz test-fuzz
fuzz: $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	FUZZERS="$(FUZZERS)" tests/fuzz/run.sh $(BUILD)/fuzz $(SHARED) -max_total_time=$(FUZZ_SECONDS)

test-fuzz: $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
	FUZZERS="$(FUZZERS)" tests/fuzz/run.sh $(BUILD)/fuzz $(SHARED) -runs=20000
