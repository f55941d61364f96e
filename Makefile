# dstm - Dual Stack Transition Mechanism suite.  Plain GNU make.
#   make            build everything
#   make check      unit (Check) + integration tests, ends "N passed, M failed"
#   make check-vm   only the VM lab's cases (ip6tnl under qemu)
#   make asan       the same tests under AddressSanitizer + UBSan
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR= (also the systemd units in
#                   SYSTEMDUNITDIR and the user dstm the daemons run as)
#   make fuzz       libFuzzer harnesses (clang)
# V=1 shows the commands.

PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
DSTM_USER ?= dstm
DESTDIR  ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
BUILD    ?= build

PKGS     := libtirpc libnl-route-3.0 libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DDSTM_SYSCONFDIR=\"$(SYSCONFDIR)/dstm\" -MMD -MP -I. -I$(BUILD) $(PKG_CFLAGS)
ALL_CFLAGS  := $(CFLAGS) $(BASE_CFLAGS) $(WARN) $(EXTRA_CFLAGS)
GEN_CFLAGS  := $(CFLAGS) $(BASE_CFLAGS) -w $(EXTRA_CFLAGS)
LDLIBS   := $(PKG_LIBS) $(EXTRA_LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- rpcgen output, generated at build time, never committed ----
RPCGEN  ?= rpcgen
RPC_X   := rpc/dstm.x
RPC_GEN := $(BUILD)/rpc/dstm.h $(BUILD)/rpc/dstm_xdr.c $(BUILD)/rpc/dstm_clnt.c
# one dispatcher per program version: dstm_prog_1, dstm_prog_2, ...
RPC_PROGS := $(shell awk '/^program /{p=tolower($$2)} /^\t} = [0-9]+;/{v=$$3; sub(";","",v); print p "_" v}' $(RPC_X))
RPC_SVC := $(patsubst %,$(BUILD)/rpc/svc_%.c,$(RPC_PROGS))
RPC_OBJ := $(BUILD)/rpc/dstm_xdr.o $(BUILD)/rpc/dstm_clnt.o $(RPC_SVC:.c=.o)

# ---- our sources, by directory; each directory is one library ----
# Layers, lowest first.  A program links only the libraries it may use, in
# this order and without --start-group, so a call from a lower layer into a
# higher one, or into a library a program may not use, fails to link:
#   common   libc only; compiled without the generated headers
#   kernel   common (netlink, TUN, raw sockets); no generated headers
#   rpc      common (the protocol: rpcgen output + status names)
#   gateway  kernel rpc common
#   server   the gateway through gateway/gateway.h only (GW_COLO below),
#            kernel rpc common
#   client   kernel rpc common; never gateway/
COMMON_SRC  := $(wildcard common/*.c)
KERNEL_SRC  := $(wildcard kernel/*.c)
RPC_SRC     := $(wildcard rpc/*.c)
SERVER_SRC  := $(filter-out server/rpcdstmd.c,$(wildcard server/*.c))
GATEWAY_SRC := $(filter-out gateway/dstmgwd.c,$(wildcard gateway/*.c))
# what rpcdstmd needs to run the gateway co-located (not dstmgwd's RPC
# service and control socket)
GW_COLO_SRC := $(filter-out gateway/gw_svc.c gateway/gw_ctl.c,$(GATEWAY_SRC))
CLIENT_SRC  := $(filter-out client/dstmctl.c client/rpcd.c,$(wildcard client/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_COMMON  := $(BUILD)/libcommon.a
LIB_KERNEL  := $(BUILD)/libkernel.a
LIB_SERVER  := $(BUILD)/libserver.a
LIB_GATEWAY := $(BUILD)/libgateway.a
LIB_CLIENT  := $(BUILD)/libclient.a
LIB_RPC     := $(BUILD)/librpc.a
# the gateway as rpcdstmd sees it: one object whose only global symbols
# are the functions gateway/gateway.h declares
GW_COLO     := $(BUILD)/gateway-colocate.o
GW_SYMS     := $(BUILD)/gateway.syms

# per program, dependents first
LIBS_rpcdstmd := $(LIB_SERVER) $(GW_COLO) $(LIB_KERNEL) $(LIB_RPC) $(LIB_COMMON)
LIBS_dstmgwd  := $(LIB_GATEWAY) $(LIB_KERNEL) $(LIB_RPC) $(LIB_COMMON)
LIBS_rpcd     := $(LIB_CLIENT) $(LIB_KERNEL) $(LIB_RPC) $(LIB_COMMON)
LIBS_dstmctl  := $(LIB_CLIENT) $(LIB_RPC) $(LIB_COMMON)
# tests may reach into any layer
ALL_LIBS := $(LIB_SERVER) $(LIB_CLIENT) $(LIB_GATEWAY) $(LIB_KERNEL) $(LIB_RPC) $(LIB_COMMON)

SBIN := $(BUILD)/rpcdstmd $(BUILD)/dstmctl $(BUILD)/rpcd $(BUILD)/dstmgwd

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))

.PHONY: all check check-vm unit integration asan deps install uninstall clean fuzz demo bench
all: $(SBIN)

$(BUILD)/rpc/dstm.h: $(RPC_X)
	@mkdir -p $(@D)
	@echo "  RPCGEN  $@"
	$(Q)rm -f $@ && $(RPCGEN) -M -h -o $@ $<
$(BUILD)/rpc/dstm_xdr.c: $(RPC_X) $(BUILD)/rpc/dstm.h
	$(Q)rm -f $@ && $(RPCGEN) -M -c -o $@ $<
$(BUILD)/rpc/dstm_clnt.c: $(RPC_X) $(BUILD)/rpc/dstm.h
	$(Q)rm -f $@ && $(RPCGEN) -M -l -o $@ $<
$(BUILD)/rpc/dstm_svc.c: $(RPC_X) $(BUILD)/rpc/dstm.h
	$(Q)rm -f $@ && $(RPCGEN) -M -m -o $@ $<
# one awk run writes them all (a grouped target: GNU make >= 4.3)
$(RPC_SVC) &: $(BUILD)/rpc/dstm_svc.c rpc/split_svc.awk
	$(Q)awk -v outdir=$(BUILD)/rpc -f rpc/split_svc.awk $<
$(BUILD)/rpc/%.o: $(BUILD)/rpc/%.c $(BUILD)/rpc/dstm.h
	@echo "  CC      $@"
	$(Q)$(CC) $(GEN_CFLAGS) -c -o $@ $<

# every object of ours depends on the generated header existing
$(BUILD)/%.o: %.c | $(BUILD)/rpc/dstm.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<
# the bottom layers never see rpcgen's types (kernel/ sees only its own
# generated BPF skeletons)
$(call obj,$(COMMON_SRC) $(KERNEL_SRC)): ALL_CFLAGS := $(filter-out -I$(BUILD),$(ALL_CFLAGS)) -I$(BUILD)/kernel/bpf

define mklib
$(1): $(2)
	@mkdir -p $$(@D)
	@echo "  AR      $$@"
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
include kernel/bpf.mk
$(eval $(call mklib,$(LIB_COMMON),$(call obj,$(COMMON_SRC))))
$(eval $(call mklib,$(LIB_KERNEL),$(call obj,$(KERNEL_SRC))))
$(eval $(call mklib,$(LIB_SERVER),$(call obj,$(SERVER_SRC))))
$(eval $(call mklib,$(LIB_GATEWAY),$(call obj,$(GATEWAY_SRC))))
$(eval $(call mklib,$(LIB_CLIENT),$(call obj,$(CLIENT_SRC))))
$(eval $(call mklib,$(LIB_RPC),$(RPC_OBJ) $(call obj,$(RPC_SRC))))

# every function and table gateway/gateway.h declares, one name a line
$(GW_SYMS): gateway/gateway.h
	@mkdir -p $(@D)
	$(Q)sed -n 's/^[a-z].*[ *]\(gw_[a-z0-9_]*\)[([].*/\1/p' $< > $@
$(GW_COLO): $(call obj,$(GW_COLO_SRC)) $(GW_SYMS)
	@echo "  LD      $@"
	$(Q)$(LD) -r -o $@.tmp $(call obj,$(GW_COLO_SRC)) && \
	  objcopy --keep-global-symbols=$(GW_SYMS) $@.tmp $@ && rm -f $@.tmp

$(BUILD)/rpcdstmd: $(BUILD)/server/rpcdstmd.o $(LIBS_rpcdstmd)
$(BUILD)/dstmgwd: $(BUILD)/gateway/dstmgwd.o $(LIBS_dstmgwd)
$(BUILD)/rpcd: $(BUILD)/client/rpcd.o $(LIBS_rpcd)
$(BUILD)/dstmctl: $(BUILD)/client/dstmctl.o $(LIBS_dstmctl)
$(SBIN):
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< $(LIBS_$(@F)) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LDLIBS) $(CHECK_LIBS)
$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LDLIBS)
$(BUILD)/tests/unit/%.o: ALL_CFLAGS += $(CHECK_CFLAGS)

check: all $(UNIT_BIN) $(TOOL_BIN)
	$(Q)BUILD=$(BUILD) tests/run.sh

# only the VM lab's cases (backend ip6tnl on a Debian kernel under qemu)
check-vm: all $(TOOL_BIN)
	$(Q)BUILD=$(BUILD) ONLY='vm_*' tests/run.sh

asan:
	$(Q)$(MAKE) BUILD=build-asan CC=gcc \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" check

deps:
	$(Q)tests/deps.sh

fuzz:
	$(Q)BUILD=$(BUILD) tests/fuzz/run.sh

demo: all
	$(Q)BUILD=$(BUILD) BACKEND=$(or $(BACKEND),tun) tests/demo.sh

bench: all $(TOOL_BIN)
	$(Q)BUILD=$(BUILD) tests/bench/run.sh

# the daemons run as $(DSTM_USER) after start-up: the user is created
# here when installing into this system (DESTDIR empty), else by
# systemd-sysusers from $(SYSUSERSDIR)/dstm.conf on the target
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/dstm \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(SBIN) $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	for f in etc/*.conf; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/dstm/$$(basename $$f) ] || \
	    install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/dstm/; done
	for f in etc/*.service etc/*.timer; do \
	  sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/etc/dstm|$(SYSCONFDIR)/dstm|g' \
	    -e 's|^User=dstm|User=$(DSTM_USER)|' -e 's|^Group=dstm|Group=$(DSTM_USER)|' \
	    $$f > $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$f) && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$f); done
	sed 's/^u dstm /u $(DSTM_USER) /' etc/dstm.sysusers > $(DESTDIR)$(SYSUSERSDIR)/dstm.conf
	@if [ -z "$(DESTDIR)" ] && ! getent passwd $(DSTM_USER) >/dev/null; then \
	  if [ "$(DSTM_USER)" = dstm ] && command -v systemd-sysusers >/dev/null; then \
	    systemd-sysusers $(SYSUSERSDIR)/dstm.conf; \
	  else \
	    useradd --system --user-group --no-create-home --home-dir /nonexistent \
	      --shell /usr/sbin/nologin --comment "dstm daemons" $(DSTM_USER); \
	  fi; echo "created the system user $(DSTM_USER)"; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
	  systemctl daemon-reload; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(SBIN)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(wildcard etc/*.service etc/*.timer)))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/dstm.conf
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard man/*.5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
