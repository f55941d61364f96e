# kernel/bpf.mk - the BPF fast paths: kernel/bpf/NAME.bpf.c compiled with
# clang -target bpf, a libbpf skeleton generated from each object into
# $(BUILD)/kernel/bpf/NAME.skel.h (never committed), included by
# kernel/kbpf*.c.  Needs clang, bpftool and libbpf-dev (tests/deps.sh).
BPF_CLANG  ?= clang
BPFTOOL    ?= bpftool
BPF_ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
BPF_CFLAGS := -O2 -g -target bpf -std=gnu11 -Wall -Wextra -Werror \
	      -I$(BPF_ARCH_INC) -Ikernel/bpf -MMD -MP

BPF_SRC  := $(wildcard kernel/bpf/*.bpf.c)
BPF_OBJ  := $(patsubst kernel/bpf/%.bpf.c,$(BUILD)/kernel/bpf/%.bpf.o,$(BPF_SRC))
BPF_SKEL := $(BPF_OBJ:.bpf.o=.skel.h)

$(BUILD)/kernel/bpf/%.bpf.o: kernel/bpf/%.bpf.c
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@ $<

# skeleton NAME.skel.h defines struct kbpf_NAME_bpf
$(BUILD)/kernel/bpf/%.skel.h: $(BUILD)/kernel/bpf/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name kbpf_$*_bpf >$@.tmp && mv $@.tmp $@

# the skeletons are included by name ("gw.skel.h")
$(call obj,$(wildcard kernel/kbpf*.c)): $(BPF_SKEL)
$(call obj,$(wildcard kernel/kbpf*.c)): ALL_CFLAGS += -I$(BUILD)/kernel/bpf

LDLIBS += $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf)
