/* fuzz_dhcp6.c - libFuzzer harness for the DHCPv6 Reply parser rpcd's B4
 * reads (common/dhcp6.c): untrusted bytes from the link.
 *
 * FUZZ_SOURCES: common/dhcp6.c
 *
 * The input is the Reply itself, checked against transaction id 0x010203
 * and a fixed DUID-LL, so that inputs that get past the header reach the
 * option walk.  An accepted reply must hold a printable AFTR name of at
 * most DHCP6_NAME_MAX bytes, at most DHCP6_MAX_DNS servers and a refresh
 * time of at least IRT_MINIMUM; the name decoder runs on the whole input
 * as well, into an output buffer of exact size so ASan sees an overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dhcp6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t duid[DHCP6_DUID_MAX];
	size_t duid_len = dhcp6_duid_ll(duid, mac);
	struct dhcp6_reply r;
	const char *why = NULL;
	char *name;

	if (dhcp6_parse_reply(data, size, 0x010203, duid, duid_len, &r,
	    &why) == 0) {
		size_t n = strnlen(r.aftr, sizeof(r.aftr));

		if (n == sizeof(r.aftr) || r.n_dns > DHCP6_MAX_DNS ||
		    r.refresh < DHCP6_IRT_MINIMUM)
			abort();
		for (size_t i = 0; i < n; i++)
			if (r.aftr[i] <= ' ' || r.aftr[i] > '~')
				abort();
	} else if (why == NULL) {
		abort();
	}
	if ((name = malloc(DHCP6_NAME_MAX + 1)) == NULL)
		return 0;
	why = NULL;
	if (dhcp6_name_decode(data, size, name, DHCP6_NAME_MAX + 1, &why) ==
	    0 && strlen(name) > DHCP6_NAME_MAX)
		abort();
	free(name);
	return 0;
}
