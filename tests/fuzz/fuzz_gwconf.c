/* fuzz_gwconf.c - libFuzzer harness for dstmgwd.conf: the generic parser,
 * the key-table engine, the shared [gateway] keys and dstmgwd's checks
 * (conf_roundtrip.h).
 *
 * FUZZ_SOURCES: gateway/gwconf.c common/conf.c common/addr.c common/log.c
 * FUZZ_SOURCES: common/loglimit.c gateway/aftr_conf.c
 * FUZZ_PKGS: libtirpc
 * FUZZ_SEEDS: tests/gwconf
 */
#include "gateway/gwconf.h"
#include "tests/fuzz/conf_roundtrip.h"

CONF_FUZZ_HARNESS(struct gwd_conf, gwd_conf_load_buf, gwd_conf_print,
    gwd_conf_free)
