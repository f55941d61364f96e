# tests/bench/bench.mk - the bench tools, built with the project's own
# flags and rules (run.sh):
#   make -f Makefile -f tests/bench/bench.mk BUILD=build bench-tools
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRC))

.PHONY: bench-tools
bench-tools: $(BENCH_BIN)

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LDLIBS)
