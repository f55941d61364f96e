/* fuzz_rpcdconf.c - libFuzzer harness for rpcd.conf: the generic parser,
 * the key-table engine and the [client] keys (conf_roundtrip.h).
 *
 * FUZZ_SOURCES: client/rpcd_conf.c common/conf.c common/addr.c common/log.c
 * FUZZ_SOURCES: common/loglimit.c
 * FUZZ_SEEDS: tests/rpcdconf
 */
#include "client/rpcd_conf.h"
#include "tests/fuzz/conf_roundtrip.h"

CONF_FUZZ_HARNESS(struct rpcd_conf, rpcd_conf_load_buf, rpcd_conf_print,
    conf_nothing_to_free)
