/* fuzz_conf.c - libFuzzer harness for rpcdstmd.conf: the generic parser,
 * the key-table engine and every key's checks (conf_roundtrip.h).
 *
 * FUZZ_SOURCES: server/conf.c gateway/gwconf.c common/conf.c common/addr.c
 * FUZZ_SOURCES: common/log.c
 * FUZZ_SOURCES: common/loglimit.c gateway/aftr_conf.c
 * FUZZ_PKGS: libtirpc
 * FUZZ_SEEDS: tests/conf
 */
#include "server/conf.h"
#include "tests/fuzz/conf_roundtrip.h"

CONF_FUZZ_HARNESS(struct server_conf, server_conf_load_buf, server_conf_print,
    server_conf_free)
