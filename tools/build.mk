# SPDX-License-Identifier: GPL-2.0-only
# make bench: measurements, never run by make test (timing is not a test).
$(BUILD)/tools/%.o: tools/bench/%.c $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tools/xdp_bench: $(BUILD)/tools/xdp_bench.o $(DP_OBJS) $(BUILD)/libvardkase.a
	$(CC) -o $@ $^ $(DP_LIBS)

.PHONY: bench
bench: $(BUILD)/tools/xdp_bench
	@mkdir -p $(BUILD)/bench
	$(BUILD)/tools/xdp_bench $(BUILD)/bench/xdp.json

# the lab's and the tests' QUIC client (make demo builds it with the rest)
$(BIN)/vk-quic-hello: tools/pktgen/vk_quic_hello.c $(BUILD)/libvardkase.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -o $@ $< $(BUILD)/libvardkase.a -lmbedcrypto
BINS += $(BIN)/vk-quic-hello

$(BUILD)/tools/vk_pktgen: tools/pktgen/vk_pktgen.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

bench: bench-live
.PHONY: bench-live
bench-live: $(BUILD)/tools/vk_pktgen $(BIN)/vardkase-xdp $(BUILD)/kernel/empty.bpf.o
	tools/bench/live_pps.sh $(BIN)/vardkase-xdp $(BUILD)/tools/vk_pktgen \
		$(BUILD)/kernel/empty.bpf.o $(BUILD)/bench/live.json

# the program before issue 11's name readers, side by side with this one
VK_BENCH_BASE ?= d84e508
$(BUILD)/tools/xdp_ab: tools/bench/xdp_ab.c
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -o $@ $< $(LDLIBS_BPF)
bench: bench-ab
.PHONY: bench-ab
bench-ab: $(BUILD)/tools/xdp_ab $(BUILD)/tools/xdp_bench $(BUILD)/kernel/vardkase.bpf.o
	tools/bench/ab.sh $(BUILD) $(VK_BENCH_BASE) 3

bench: bench-names
.PHONY: bench-names
bench-names: $(BIN)/vardkase-xdp
	@mkdir -p $(BUILD)/bench
	/usr/bin/python3 tools/bench/name_share.py $(BIN)/vardkase-xdp $(SHARED)/pcaps \
		$(BUILD)/bench/names.json

bench: bench-agent
.PHONY: bench-agent
bench-agent: $(BIN)/vardkase-xdp $(BIN)/vardkased
	/usr/bin/python3 tools/bench/agent_bench.py $(BUILD) $(BUILD)/bench/agent.json

# make demo: the box's main job on a self-contained network-namespace lab
# (tools/demo/lab.sh); it stays up for exploring until make demo-stop.
.PHONY: demo demo-traffic demo-stop
demo: deps
	$(MAKE) build-all
	tools/demo/lab.sh up
	tools/demo/lab.sh traffic
	tools/demo/lab.sh show
	tools/demo/lab.sh explain

demo-traffic:
	tools/demo/lab.sh traffic

demo-stop:
	tools/demo/lab.sh down

SIGHT_BENCH_OBJS := $(filter-out $(BUILD)/userspace/agent/vardkased.o, $(AGENT_SRCS:%.c=$(BUILD)/%.o))
$(BUILD)/tools/sight_bench: $(BUILD)/tools/sight_bench.o $(SIGHT_BENCH_OBJS) $(BUILD)/libvardkase.a
	$(CC) -o $@ $^ $(AGENT_LIBS)

bench: bench-sightings
.PHONY: bench-sightings
bench-sightings: $(BUILD)/tools/sight_bench $(BIN)/vardkased $(BIN)/vardkasectl
	rm -rf $(BUILD)/bench/sightings
	$(BUILD)/tools/sight_bench $(BUILD)/bench/sightings
	tools/bench/sight_query.sh $(BIN) $(BUILD)/bench/sightings
