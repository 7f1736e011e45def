# SPDX-License-Identifier: GPL-2.0-only
# make test: every test. Tests that need ../shared, root or BPF say SKIP
# with the reason when they cannot run.
SHARED ?= ../shared

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/%.o: tests/bpf/%.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/test_key: $(BUILD)/tests/test_key.o $(BUILD)/libvardkase.a
	$(CC) -o $@ $^ -lcmocka -ljansson -lidn2 -lpcap -lprotobuf-c
$(BUILD)/tests/test_bpf: $(BUILD)/tests/test_bpf.o $(DP_OBJS) $(BUILD)/libvardkase.a
	$(CC) -o $@ $^ -lcmocka -lpthread $(DP_LIBS)

.PHONY: test-unit test-bpf test-pcap test-netns
test: test-unit test-bpf test-netns test-pcap

test-unit: $(BUILD)/tests/test_key
	VK_FIXTURES=$(SHARED)/fixtures/misp/captured/responses $<

test-bpf: $(BUILD)/tests/test_bpf
	$<

test-pcap: $(BIN)/vardkase-xdp
	tests/pcap/run.sh $(BIN)/vardkase-xdp $(SHARED)/pcaps

test-netns: $(BIN)/vardkase-xdp
	tests/integration/test_runner.sh $(BIN)/vardkase-xdp
