# SPDX-License-Identifier: GPL-2.0-only
BPF_OBJS := $(BUILD)/kernel/vardkase.bpf.o $(BUILD)/kernel/empty.bpf.o
SKELS    := $(BUILD)/gen/vardkase.skel.h $(BUILD)/gen/empty.skel.h

$(BUILD)/kernel/%.bpf.o: kernel/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/kernel/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# skeletons are inputs of several objects: never delete them as intermediates
.SECONDARY: $(BPF_OBJS) $(SKELS)
