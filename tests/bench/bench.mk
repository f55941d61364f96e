# tests/bench/bench.mk - the bench tools, built with the project's own
# flags and rules (run.sh):
#   make -f Makefile -f tests/bench/bench.mk BUILD=build bench-tools
# tests/bench/NAME.c is a program; tests/bench/lib/*.c are shared by them.
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRC))
BENCH_LIB := $(BUILD)/tests/bench/libbench.a

.PHONY: bench-tools
bench-tools: $(BENCH_BIN)

$(eval $(call mklib,$(BENCH_LIB),$(call obj,$(wildcard tests/bench/lib/*.c))))

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(BENCH_LIB) $(ALL_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< $(BENCH_LIB) -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LDLIBS)
