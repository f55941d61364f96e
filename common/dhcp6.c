/* dhcp6.c - DHCPv6 Information-Request and Reply; see dhcp6.h. */
#include "common/dhcp6.h"

#include <string.h>

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

size_t
dhcp6_duid_ll(uint8_t duid[static DHCP6_DUID_MAX], const uint8_t mac[static 6])
{
	put16(duid, 3);		/* DUID-LL */
	put16(duid + 2, 1);	/* hardware type: Ethernet */
	memcpy(duid + 4, mac, 6);
	return 10;
}

size_t
dhcp6_duid_uuid(uint8_t duid[static DHCP6_DUID_MAX],
    const uint8_t uuid[static 16])
{
	put16(duid, 4);		/* DUID-UUID */
	memcpy(duid + 2, uuid, 16);
	return 18;
}

size_t
dhcp6_build_info_req(uint8_t *buf, size_t len, uint32_t xid,
    const uint8_t *duid, size_t duid_len, uint16_t elapsed_cs)
{
	static const uint16_t oro[] = { DHCP6_OPT_AFTR_NAME, DHCP6_OPT_DNS,
	    DHCP6_OPT_IRT };
	size_t need = 4 + 4 + duid_len + 4 + 2 + 4 + sizeof(oro), off = 0;

	if (duid_len == 0 || duid_len > DHCP6_DUID_MAX || len < need)
		return 0;
	buf[off++] = DHCP6_MSG_INFO_REQ;
	buf[off++] = (uint8_t)(xid >> 16);
	buf[off++] = (uint8_t)(xid >> 8);
	buf[off++] = (uint8_t)xid;
	put16(buf + off, DHCP6_OPT_CLIENTID);
	put16(buf + off + 2, (uint16_t)duid_len);
	memcpy(buf + off + 4, duid, duid_len);
	off += 4 + duid_len;
	put16(buf + off, DHCP6_OPT_ELAPSED);
	put16(buf + off + 2, 2);
	put16(buf + off + 4, elapsed_cs);
	off += 6;
	put16(buf + off, DHCP6_OPT_ORO);
	put16(buf + off + 2, (uint16_t)sizeof(oro));
	off += 4;
	for (size_t i = 0; i < sizeof(oro) / sizeof(oro[0]); i++, off += 2)
		put16(buf + off, oro[i]);
	return off;
}

static bool
label_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
dhcp6_name_decode(const uint8_t *p, size_t len, char *out, size_t outlen,
    const char **why)
{
	size_t i = 0, o = 0;

	if (len > 255) {
		*why = "name longer than 255 bytes";
		return -1;
	}
	for (;;) {
		uint8_t l;

		if (i >= len) {
			*why = "name without its root label";
			return -1;
		}
		l = p[i++];
		if (l == 0)
			break;
		if (l > 63) {
			*why = "label longer than 63 (or compressed)";
			return -1;
		}
		if (l > len - i) {
			*why = "label past the end of the option";
			return -1;
		}
		/* the dot before a label, the label, the final NUL */
		if (o + (o > 0) + l + 1 > outlen) {
			*why = "name too long";
			return -1;
		}
		if (o > 0)
			out[o++] = '.';
		for (uint8_t k = 0; k < l; k++) {
			if (!label_char(p[i + k])) {
				*why = "character not allowed in a host name";
				return -1;
			}
			out[o++] = (char)p[i + k];
		}
		i += l;
	}
	if (i != len) {
		*why = "bytes after the root label";
		return -1;
	}
	if (o == 0) {
		*why = "empty name";
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int
dhcp6_name_encode(const char *name, uint8_t *out, size_t outlen,
    size_t *used)
{
	size_t o = 0;
	const char *s = name;

	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > 63 || o + 1 + l >= outlen)
			return -1;
		out[o++] = (uint8_t)l;
		memcpy(out + o, s, l);
		o += l;
		s += l;
		if (*s == '.')
			s++;
	}
	if (o + 1 > outlen || o + 1 > 255)
		return -1;
	out[o++] = 0;
	*used = o;
	return 0;
}

/* the options of one message: each seen at most once */
struct seen {
	const uint8_t	*server, *client, *aftr, *dns, *irt, *status;
	uint16_t	 server_len, client_len, aftr_len, dns_len, irt_len,
			 status_len;
};

static int
note(const uint8_t **slot, uint16_t *slot_len, const uint8_t *v, uint16_t l)
{
	if (*slot != NULL)
		return -1;
	*slot = v;
	*slot_len = l;
	return 0;
}

int
dhcp6_parse_reply(const uint8_t *pkt, size_t len, uint32_t xid,
    const uint8_t *duid, size_t duid_len, struct dhcp6_reply *out,
    const char **why)
{
	struct dhcp6_reply r;
	struct seen s;
	size_t off = 4;

	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	if (len < 4) {
		*why = "shorter than a DHCPv6 header";
		return -1;
	}
	if (pkt[0] != DHCP6_MSG_REPLY) {
		*why = "not a Reply";
		return -1;
	}
	if (((uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3]) !=
	    (xid & 0xffffff)) {
		*why = "another transaction id";
		return -1;
	}
	while (off < len) {
		uint16_t code, l;
		const uint8_t *v;
		int dup = 0;

		if (len - off < 4) {
			*why = "truncated option header";
			return -1;
		}
		code = get16(pkt + off);
		l = get16(pkt + off + 2);
		if (l > len - off - 4) {
			*why = "option longer than the message";
			return -1;
		}
		v = pkt + off + 4;
		off += 4 + (size_t)l;
		switch (code) {
		case DHCP6_OPT_SERVERID:
			dup = note(&s.server, &s.server_len, v, l);
			break;
		case DHCP6_OPT_CLIENTID:
			dup = note(&s.client, &s.client_len, v, l);
			break;
		case DHCP6_OPT_AFTR_NAME:
			dup = note(&s.aftr, &s.aftr_len, v, l);
			break;
		case DHCP6_OPT_DNS:
			dup = note(&s.dns, &s.dns_len, v, l);
			break;
		case DHCP6_OPT_IRT:
			dup = note(&s.irt, &s.irt_len, v, l);
			break;
		case DHCP6_OPT_STATUS:
			dup = note(&s.status, &s.status_len, v, l);
			break;
		default:
			break;	/* not ours: skipped whole */
		}
		if (dup != 0) {
			*why = "an option given twice";
			return -1;
		}
	}
	/* RFC 8415 16.10 */
	if (s.server == NULL || s.server_len < 2 ||
	    s.server_len > DHCP6_DUID_MAX) {
		*why = "no valid Server Identifier";
		return -1;
	}
	if (s.client == NULL || s.client_len != duid_len ||
	    memcmp(s.client, duid, duid_len) != 0) {
		*why = "not our Client Identifier";
		return -1;
	}
	if (s.status != NULL) {
		if (s.status_len < 2) {
			*why = "malformed Status Code";
			return -1;
		}
		if (get16(s.status) != 0) {
			*why = "the server answered with an error status";
			return -1;
		}
	}
	if (s.aftr != NULL && dhcp6_name_decode(s.aftr, s.aftr_len, r.aftr,
	    sizeof(r.aftr), why) != 0)
		return -1;
	if (s.dns != NULL) {
		if (s.dns_len % 16 != 0) {
			*why = "DNS servers not a multiple of 16 bytes";
			return -1;
		}
		for (size_t i = 0; i < s.dns_len / 16 && r.n_dns <
		    DHCP6_MAX_DNS; i++)
			memcpy(&r.dns[r.n_dns++], s.dns + 16 * i, 16);
	}
	r.refresh = DHCP6_IRT_DEFAULT;
	if (s.irt != NULL) {
		if (s.irt_len != 4) {
			*why = "Information Refresh Time not 4 bytes";
			return -1;
		}
		r.refresh = get32(s.irt);
		if (r.refresh < DHCP6_IRT_MINIMUM)	/* RFC 8415 21.23 */
			r.refresh = DHCP6_IRT_MINIMUM;
	}
	*out = r;
	return 0;
}

uint32_t
dhcp6_next_rt(uint32_t prev_ms, uint32_t irt_ms, uint32_t mrt_ms,
    uint32_t rnd)
{
	/* RAND uniform in [-0.1, +0.1], in 1/10000 */
	int64_t r = (int64_t)(rnd % 2001) - 1000, rt;

	if (prev_ms == 0)
		rt = (int64_t)irt_ms + (int64_t)irt_ms * r / 10000;
	else
		rt = 2 * (int64_t)prev_ms + (int64_t)prev_ms * r / 10000;
	if (mrt_ms != 0 && rt > (int64_t)mrt_ms)
		rt = (int64_t)mrt_ms + (int64_t)mrt_ms * r / 10000;
	return rt < 1 ? 1 : rt > UINT32_MAX ? UINT32_MAX : (uint32_t)rt;
}
