/*
 * test_dnsaddr.c — /dnsaddr/ resolution with injected DNS answers, and the
 * TXT parser on well-formed and hostile DNS messages.
 */
#include "tap.h"

#include "core/err.h"
#include "core/multiaddr.h"
#include "net/dnsaddr.h"

#define BOOT_A "QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"
#define BOOT_B "QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa"

static int	lookups;

/* A fake resolver holding a small zone */
static int
fake_lookup(void *arg, const char *name, char txt[][HY_DNSADDR_TXT_LEN], int max)
{
	static const char *const zone[][4] = {
		{"_dnsaddr.bootstrap.libp2p.io",
			"dnsaddr=/dnsaddr/sjc-1.bootstrap.libp2p.io/p2p/" BOOT_A,
		"dnsaddr=/dnsaddr/ams-2.bootstrap.libp2p.io/p2p/" BOOT_B, "v=spf1 -all"},
		{"_dnsaddr.sjc-1.bootstrap.libp2p.io",
			"dnsaddr=/ip4/147.75.83.83/tcp/4001/p2p/" BOOT_A,
			"dnsaddr=/ip6/2604:1380:1000:6000::1/tcp/4001/p2p/" BOOT_A,
		"dnsaddr=/ip4/147.75.83.83/tcp/4001/p2p/" BOOT_B},
		{"_dnsaddr.ams-2.bootstrap.libp2p.io",
		"dnsaddr=/ip4/147.75.83.84/tcp/4001/p2p/" BOOT_B, "dnsaddr=not a multiaddr", NULL},
		{"_dnsaddr.loop.example", "dnsaddr=/dnsaddr/loop.example", NULL, NULL},
	};
	int			n = 0;

	(void) arg;
	lookups++;
	for (size_t z = 0; z < sizeof(zone) / sizeof(zone[0]); z++)
		if (strcmp(zone[z][0], name) == 0)
		{
			for (int i = 1; i < 4 && zone[z][i] && n < max; i++)
				snprintf(txt[n++], HY_DNSADDR_TXT_LEN, "%s", zone[z][i]);
			return n;
		}
	return HY_ERR_UNSUPPORTED;
}

/* Resolve text and return how many addresses came back; texts in out_text */
static int
resolve_text(const char *text, char out_text[][256], int max)
{
	uint8_t		ma[HY_MULTIADDR_MAX];
	uint8_t		out[8][HY_MULTIADDR_MAX];
	size_t		out_len[8];
	int			len = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));
	int			n;

	if (len < 0)
		return len;
	n = hy_dnsaddr_resolve(ma, len, fake_lookup, NULL, out, out_len, max < 8 ? max : 8);
	for (int i = 0; i < n; i++)
		hy_multiaddr_format(out[i], out_len[i], out_text[i], 256);
	return n;
}

/* Append one DNS resource record (TXT, class IN) with raw rdata */
static size_t
put_rr(uint8_t *p, const uint8_t *rdata, size_t rdlen, uint16_t type)
{
	size_t		o = 0;

	p[o++] = 0xc0;				/* name: pointer to the question */
	p[o++] = 12;
	p[o++] = type >> 8;
	p[o++] = type & 0xff;
	p[o++] = 0;
	p[o++] = 1;					/* class IN */
	memset(p + o, 0, 4);		/* ttl */
	o += 4;
	p[o++] = rdlen >> 8;
	p[o++] = rdlen & 0xff;
	memcpy(p + o, rdata, rdlen);
	return o + rdlen;
}

/* Build a DNS response with one question and the given answers */
static size_t
build_answer(uint8_t *buf, const uint8_t *rdata, size_t rdlen, int nanswers, uint16_t type)
{
	static const uint8_t head[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
	static const uint8_t question[] = {8, '_', 'd', 'n', 's', 'a', 'd', 'd', 'r', 1, 'x', 0, 0, 16, 0, 1};
	size_t		o = 0;

	memcpy(buf, head, sizeof(head));
	buf[7] = (uint8_t) nanswers;
	o = sizeof(head);
	memcpy(buf + o, question, sizeof(question));
	o += sizeof(question);
	for (int i = 0; i < nanswers; i++)
		o += put_rr(buf + o, rdata, rdlen, type);
	return o;
}

int
main(void)
{
	char		out[8][256];
	char		txt[4][HY_DNSADDR_TXT_LEN];
	uint8_t		buf[1024];
	size_t		len;
	int			n;

	/* the bootstrap peer A: two hops, filtered by its /p2p/ id */
	n = resolve_text("/dnsaddr/bootstrap.libp2p.io/p2p/" BOOT_A, out, 8);
	is_int(n, 2, "two addresses for bootstrap peer A");
	is_str(out[0], "/ip4/147.75.83.83/tcp/4001/p2p/" BOOT_A, "first address keeps its /p2p/");
	is_str(out[1], "/ip6/2604:1380:1000:6000::1/tcp/4001/p2p/" BOOT_A, "IPv6 address");

	/* B's address under sjc-1 is not reached: that host entry names A */
	n = resolve_text("/dnsaddr/bootstrap.libp2p.io/p2p/" BOOT_B, out, 8);
	is_int(n, 1, "peer B: only through the host entry that names B");
	is_str(out[0], "/ip4/147.75.83.84/tcp/4001/p2p/" BOOT_B, "peer B address");

	/* without /p2p/ at the top, each host entry still filters by its own id */
	n = resolve_text("/dnsaddr/bootstrap.libp2p.io", out, 8);
	is_int(n, 3, "A's two addresses and B's one");
	n = resolve_text("/dnsaddr/bootstrap.libp2p.io", out, 2);
	is_int(n, 2, "max is honoured");

	/* a self-referencing chain stops at the depth limit */
	lookups = 0;
	n = resolve_text("/dnsaddr/loop.example", out, 8);
	is_int(n, 0, "loop resolves to nothing");
	is_int(lookups, HY_DNSADDR_MAX_DEPTH, "loop followed only to the depth limit");

	ok(resolve_text("/dnsaddr/unknown.example", out, 8) < 0, "unknown name is an error");
	ok(resolve_text("/ip4/1.2.3.4/tcp/1", out, 8) < 0, "not a /dnsaddr/ address");
	ok(resolve_text("/dnsaddr/bootstrap.libp2p.io/tcp/1", out, 8) < 0, "junk after the host");

	/* the TXT parser */
	{
		static const uint8_t rd[] = {11, 'd', 'n', 's', 'a', 'd', 'd', 'r', '=', '/', 'x', 'y', 2, 'a', 'b'};

		len = build_answer(buf, rd, sizeof(rd), 2, 16);
		n = hy_dns_parse_txt(buf, len, txt, 4);
		is_int(n, 4, "two records of two strings each");
		is_str(txt[0], "dnsaddr=/xy", "first string");
		is_str(txt[1], "ab", "second string");
		n = hy_dns_parse_txt(buf, len, txt, 1);
		is_int(n, 1, "max strings honoured");
		len = build_answer(buf, rd, sizeof(rd), 1, 1);
		is_int(hy_dns_parse_txt(buf, len, txt, 4), 0, "A records are ignored");
	}
	{
		static const uint8_t bad[] = {20, 'a', 'b'};	/* string longer than rdata */

		len = build_answer(buf, bad, sizeof(bad), 1, 16);
		ok(hy_dns_parse_txt(buf, len, txt, 4) < 0, "string length beyond the record");
	}
	{
		static const uint8_t rd[] = {3, 'a', 0, 'b'};	/* NUL inside: dropped */

		len = build_answer(buf, rd, sizeof(rd), 1, 16);
		is_int(hy_dns_parse_txt(buf, len, txt, 4), 0, "string with a NUL byte is dropped");
	}
	{
		static const uint8_t rd[] = {2, 'o', 'k'};

		len = build_answer(buf, rd, sizeof(rd), 1, 16);
		for (size_t cut = 0; cut < len; cut++)
			if (hy_dns_parse_txt(buf, cut, txt, 4) > 0)
			{
				ok(0, "a truncated answer parsed");
				break;
			}
		ok(1, "every truncation of an answer is rejected or empty");
	}
	ok(hy_dns_parse_txt(NULL, 10, txt, 4) < 0, "NULL answer");
	return tap_done();
}
