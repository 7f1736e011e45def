# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS := userspace/lib/vk_log.c userspace/lib/vk_key.c userspace/lib/vk_set.c \
            userspace/lib/vk_misp.c userspace/lib/vk_pcap.c userspace/lib/vk_ipc.c userspace/lib/vk_ipc_key.c \
            userspace/lib/vk_seccomp.c userspace/lib/vk_hello.c userspace/lib/vk_fp.c userspace/lib/vk_url.c userspace/lib/vk_dnsmsg.c userspace/lib/vk_reasm.c userspace/lib/vk_quic.c \
            userspace/lib/vk_http.c userspace/lib/vk_https.c userspace/lib/vk_mispread.c
PROTOS   := dataplane console
PROTO_C  := $(PROTOS:%=$(BUILD)/gen/%.pb-c.c)
PROTO_H  := $(PROTOS:%=$(BUILD)/gen/%.pb-c.h)
XDP_SRCS := userspace/xdp/main.c userspace/xdp/cmd_run.c userspace/xdp/cmd_replay.c \
            userspace/xdp/cmd_detach.c userspace/xdp/cmd_stats.c userspace/xdp/cmd_ctl.c \
            userspace/xdp/ipc_server.c userspace/xdp/vk_dp.c \
            userspace/xdp/vk_tables.c userspace/xdp/vk_apply.c userspace/xdp/vk_event.c \
            userspace/xdp/vk_state.c userspace/xdp/dp_sandbox.c userspace/xdp/vk_slow.c \
            userspace/xdp/vk_derive.c

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(PROTOS:%=$(BUILD)/gen/%.pb-c.o)
# objects of the dataplane other than main(), for tests and benchmarks
DP_OBJS  := $(filter-out $(BUILD)/userspace/xdp/main.o $(BUILD)/userspace/xdp/cmd_%.o, \
              $(XDP_SRCS:%.c=$(BUILD)/%.o)) $(BUILD)/userspace/xdp/cmd_replay.o
NL_CFLAGS := $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0)
NL_LIBS   := $(shell pkg-config --libs libnl-3.0 libnl-route-3.0)
LIB_LIBS  := -ljansson -lidn2 -lpsl -lpcap -lprotobuf-c -lmbedtls -lmbedx509 -lmbedcrypto \
             -lhttp_parser -lz -lyajl
DP_LIBS   := $(LDLIBS_BPF) $(LIB_LIBS) $(NL_LIBS) -lseccomp

BINS += $(BIN)/vardkase-xdp $(BIN)/vardkased $(BIN)/vardkasectl

AGENT_SRCS := userspace/agent/vardkased.c userspace/agent/conf.c userspace/agent/amap.c \
              userspace/agent/dpstream.c userspace/agent/store.c userspace/agent/wl.c userspace/agent/sync.c \
              userspace/agent/dpc.c userspace/agent/sandbox.c userspace/agent/sight.c \
              userspace/agent/upstream.c userspace/agent/console.c userspace/agent/evloop.c \
              userspace/agent/shared.c userspace/agent/unpub.c userspace/agent/apply.c
AGENT_LIBS := $(LIB_LIBS) -linih -lsqlite3 -lseccomp -lpthread

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: userspace/proto/%.proto
	@mkdir -p $(@D)
	protoc-c --proto_path=userspace/proto --c_out=$(BUILD)/gen $<

# generated sources are kept (make would delete them as intermediates)
.SECONDARY: $(PROTO_C) $(PROTO_H)

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(CFLAGS) -Wno-extra -c $< -o $@

$(BUILD)/userspace/%.o: userspace/%.c $(SKELS) $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -c $< -o $@

$(BUILD)/libvardkase.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BIN)/vardkase-xdp: $(XDP_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libvardkase.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DP_LIBS)

$(BIN)/vardkased: $(AGENT_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libvardkase.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

CTL_SRCS := userspace/ctl/main.c userspace/ctl/client.c userspace/ctl/cmd_status.c \
            userspace/ctl/cmd_sightings.c userspace/ctl/cmd_indicator.c userspace/ctl/cmd_sync.c \
            userspace/ctl/cmd_fp.c
$(BIN)/vardkasectl: $(CTL_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libvardkase.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)
