/*
 * test_multiaddr.c — multiaddr text/binary, the iterator, the dialing
 * helpers and address scopes.
 */
#include "tap.h"
#include "core/err.h"
#include "core/base16.h"
#include "core/multiaddr.h"
#include "core/peerid.h"

#define ED_B58 "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
#define ED_B32 "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6"
#define SHA_B58 "QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm"

/* Parse text, compare with hex, format back and compare with canon */
static void
both(const char *text, const char *hex, const char *canon)
{
	uint8_t		bin[HY_MULTIADDR_MAX];
	uint8_t		want[HY_MULTIADDR_MAX];
	char		back[HY_MULTIADDR_TEXT_MAX];
	int			n = hy_multiaddr_parse(text, strlen(text), bin, sizeof(bin));
	int			w = hy_base16_decode(hex, strlen(hex), false, want, sizeof(want));

	is_mem(bin, n < 0 ? 0 : n, want, w, text);
	n = hy_multiaddr_format(want, (size_t) w, back, sizeof(back));
	is_str(n >= 0 ? back : "(error)", canon ? canon : text, "formats back");
	is_int(n, (int) strlen(canon ? canon : text), "format length");
}

/* Check that parsing text fails with the expected error */
static void
bad(const char *text, int want, const char *name)
{
	uint8_t		bin[HY_MULTIADDR_MAX];

	is_int(hy_multiaddr_parse(text, strlen(text), bin, sizeof(bin)), want, name);
}

/* Check that binary (hex) fails validation with the expected error */
static void
badbin(const char *hex, int want, const char *name)
{
	uint8_t		bin[HY_MULTIADDR_MAX];
	char		txt[256];
	int			n = hy_base16_decode(hex, strlen(hex), false, bin, sizeof(bin));

	is_int(hy_multiaddr_validate(bin, (size_t) n), want, name);
	is_int(hy_multiaddr_format(bin, (size_t) n, txt, sizeof(txt)), want, "format agrees");
}

/* Parse text into a binary buffer for the helper tests */
static size_t
ma(const char *text, uint8_t *bin)
{
	int			n = hy_multiaddr_parse(text, strlen(text), bin, HY_MULTIADDR_MAX);

	return n < 0 ? 0 : (size_t) n;
}

int
main(void)
{
	uint8_t		bin[HY_MULTIADDR_MAX];
	uint8_t		out[HY_MULTIADDR_MAX];
	char		txt[HY_MULTIADDR_TEXT_MAX];
	size_t		n;

	/* the multiaddr.feature vector and friends */
	both("/ip4/192.0.2.42/tcp/443", "04c000022a0601bb", NULL);
	both("/ip4/127.0.0.1/udp/4001/quic-v1", "047f0000019102" "0fa1" "cd03", NULL);
	both("/ip4/0.0.0.0/tcp/0", "04000000000600" "00", NULL);
	both("/ip6/::1/tcp/65535", "2900000000000000000000000000000001" "06ffff", NULL);
	both("/ip6/2001:DB8:0:0:0:0:0:1/tcp/80", "2920010db8000000000000000000000001060050",
		 "/ip6/2001:db8::1/tcp/80");
	both("/ip6/::ffff:1.2.3.4/tcp/1", "2900000000000000000000ffff01020304060001", NULL);
	both("/dns4/example.com/tcp/443/tls/ws",
		 "360b6578616d706c652e636f6d0601bbc003dd03", NULL);
	both("/dns/bootstrap.libp2p.io", "3513626f6f7473747261702e6c69627032702e696f", NULL);
	both("/dnsaddr/bootstrap.libp2p.io/p2p/" SHA_B58,
		 "3813626f6f7473747261702e6c69627032702e696f"
		 "a50322" "1220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe", NULL);
	both("/dns6/xn--bcher-kva.example/udp/53", "3715786e2d2d62636865722d6b76612e6578616d706c65" "910200" "35", NULL);
	both("/ip4/1.2.3.4/tcp/4001/p2p/" ED_B58,
		 "0401020304" "060fa1" "a50326"
		 "0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e", NULL);
	both("/p2p-circuit", "a202", NULL);
	both("/ip4/1.2.3.4/tcp/80/http", "04010203040600" "50e003", NULL);
	both("/ip4/1.2.3.4/tcp/443/wss", "0401020304" "0601bb" "de03", NULL);
	both("/ip4/1.2.3.4/udp/443/quic-v1/webtransport", "0401020304" "910201bb" "cd03" "d103", NULL);
	both("/ip4/1.2.3.4/udp/1/webrtc-direct", "0401020304" "91020001" "9802", NULL);
	both("/ip4/1.2.3.4/tcp/1/noise", "0401020304" "060001" "c603", NULL);
	both("/ip4/1.2.3.4/tcp/1/https", "0401020304" "060001" "bb03", NULL);
	both("/ip4/1.2.3.4/udp/1/quic", "0401020304" "910200" "01" "cc03", NULL);

	/* non-canonical text forms accepted on input */
	both("/ipfs/" SHA_B58, "a50322" "1220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe",
		 "/p2p/" SHA_B58);
	{
		int			a = hy_multiaddr_parse("/p2p/" ED_B32, strlen("/p2p/" ED_B32), bin, sizeof(bin));
		int			b = hy_multiaddr_parse("/p2p/" ED_B58, strlen("/p2p/" ED_B58), out, sizeof(out));

		ok(a > 0 && a == b && memcmp(bin, out, (size_t) a) == 0, "p2p value as CID text");
		hy_multiaddr_format(bin, (size_t) a, txt, sizeof(txt));
		is_str(txt, "/p2p/" ED_B58, "p2p formats as base58");
		is_int(a, 3 + 38, "identity peer id component length");
	}
	n = ma("/ip4/1.2.3.4/tcp/80/", bin);
	is_int(n, 8, "one trailing slash accepted");
	n = ma("/ip4/1.2.3.4/tcp/00080", bin);
	ok(n == 8 && bin[6] == 0 && bin[7] == 80, "leading zeros in a port");

	/* malformed text */
	bad("", HY_ERR_INVALID, "empty");
	bad("/", HY_ERR_INVALID, "root only");
	bad("ip4/1.2.3.4", HY_ERR_INVALID, "no leading slash");
	bad(" /ip4/1.2.3.4", HY_ERR_INVALID, "leading space");
	bad("/ip4/1.2.3.4 ", HY_ERR_INVALID, "trailing space");
	bad("/ip4/1.2.3.4//tcp/1", HY_ERR_INVALID, "empty component");
	bad("/ip4/1.2.3.4/tcp/1//", HY_ERR_INVALID, "two trailing slashes");
	bad("/ip4", HY_ERR_INVALID, "missing value");
	bad("/ip4/", HY_ERR_INVALID, "empty value");
	bad("/ip4/1.2.3", HY_ERR_INVALID, "short ip4");
	bad("/ip4/1.2.3.256", HY_ERR_INVALID, "ip4 octet > 255");
	bad("/ip4/01.2.3.4", HY_ERR_INVALID, "ip4 leading zero");
	bad("/ip4/::1", HY_ERR_INVALID, "ip6 text under ip4");
	bad("/ip6/1.2.3.4", HY_ERR_INVALID, "ip4 text under ip6");
	bad("/ip6/fe80::1%eth0", HY_ERR_INVALID, "zone in ip6");
	bad("/ip6/1:2:3:4:5:6:7:8:9", HY_ERR_INVALID, "nine ip6 groups");
	bad("/ip6/0000:0000:0000:0000:0000:0000:0000:0000:0", HY_ERR_INVALID, "over-long ip6 text");
	bad("/tcp/65536", HY_ERR_INVALID, "port 65536");
	bad("/tcp/-1", HY_ERR_INVALID, "negative port");
	bad("/tcp/+1", HY_ERR_INVALID, "signed port");
	bad("/tcp/0x50", HY_ERR_INVALID, "hex port");
	bad("/tcp/1e3", HY_ERR_INVALID, "exponent port");
	bad("/tcp/ 80", HY_ERR_INVALID, "space in port");
	bad("/tcp/100000", HY_ERR_INVALID, "six-digit port");
	bad("/tcp", HY_ERR_INVALID, "port missing");
	bad("/udp/", HY_ERR_INVALID, "port empty");
	bad("/dns4/", HY_ERR_INVALID, "empty dns name");
	bad("/dns4", HY_ERR_INVALID, "dns without value");
	bad("/ip7/1.2.3.4", HY_ERR_UNSUPPORTED, "unknown protocol");
	bad("/unix/tmp/sock", HY_ERR_UNSUPPORTED, "unix unsupported");
	bad("/IP4/1.2.3.4", HY_ERR_UNSUPPORTED, "names are case sensitive");
	bad("/p2p/" "bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y", HY_ERR_INVALID,
		"p2p with a dag-pb CID");
	bad("/p2p/12D3KooW", HY_ERR_TRUNCATED, "p2p with a truncated id");
	bad("/p2p/", HY_ERR_INVALID, "p2p with an empty id");
	bad("/dns4/a\x01" "b", HY_ERR_INVALID, "control char in dns name");
	bad("/dns4/\xc3\x28", HY_ERR_INVALID, "invalid UTF-8 in dns name");
	bad("/dns4/\xe0\x80\xaf", HY_ERR_INVALID, "overlong UTF-8 in dns name");
	bad("/dns4/\xed\xa0\x80", HY_ERR_INVALID, "surrogate in dns name");
	{
		char		name[300];

		memcpy(name, "/dns4/", 6);
		memset(name + 6, 'a', 256);
		name[6 + 256] = '\0';
		bad(name, HY_ERR_TOO_LONG, "256-byte dns name");
		name[6 + 255] = '\0';
		is_int(hy_multiaddr_parse(name, strlen(name), bin, sizeof(bin)), 1 + 2 + 255, "255-byte dns name");
		n = 258;
		hy_multiaddr_format(bin, n, txt, sizeof(txt));
		is_str(txt, name, "long dns name round trip");
		is_int(hy_multiaddr_parse(name, strlen(name), bin, 100), HY_ERR_NOSPACE, "output too small");
	}
	{
		/* 300 x "/tls" = 600 binary bytes; 600 x = 1200 > HY_MULTIADDR_MAX */
		static char big[HY_MULTIADDR_TEXT_MAX + 16];
		size_t		pos = 0;

		for (int i = 0; i < 600; i++)
		{
			memcpy(big + pos, "/tls", 4);
			pos += 4;
		}
		big[pos] = '\0';
		is_int(hy_multiaddr_parse(big, pos, bin, sizeof(bin)), HY_ERR_TOO_LONG, "binary over the limit");
		is_int(hy_multiaddr_parse(big, 512 * 4, bin, sizeof(bin)), 1024, "binary at the limit");
		memset(big, '/', sizeof(big));
		is_int(hy_multiaddr_parse(big, HY_MULTIADDR_TEXT_MAX, bin, sizeof(bin)), HY_ERR_TOO_LONG,
			   "text over the limit");
		/* the densest text: p2p-circuit, 12 chars for 2 bytes */
		pos = 0;
		for (int i = 0; i < 512; i++)
		{
			memcpy(big + pos, "/p2p-circuit", 12);
			pos += 12;
		}
		is_int(hy_multiaddr_parse(big, pos, bin, sizeof(bin)), 1024, "densest text at the binary limit");
		is_int(hy_multiaddr_format(bin, 1024, txt, sizeof(txt)), (int) pos, "formats within TEXT_MAX");
	}

	/* malformed binary */
	badbin("", HY_ERR_INVALID, "empty binary");
	badbin("04c00002", HY_ERR_TRUNCATED, "short ip4");
	badbin("04c000022a06", HY_ERR_TRUNCATED, "tcp without port");
	badbin("04c000022a0601", HY_ERR_TRUNCATED, "half a port");
	badbin("29000000", HY_ERR_TRUNCATED, "short ip6");
	badbin("8000c000022a", HY_ERR_INVALID, "non-minimal code");
	badbin("a5", HY_ERR_TRUNCATED, "truncated code");
	badbin("ff7f", HY_ERR_UNSUPPORTED, "unknown code");
	badbin("360000", HY_ERR_INVALID, "empty dns name");
	badbin("36", HY_ERR_TRUNCATED, "dns without length");
	badbin("3605616263", HY_ERR_TRUNCATED, "dns name shorter than its length");
	badbin("3603612f62", HY_ERR_INVALID, "slash in dns name");
	badbin("3603610062", HY_ERR_INVALID, "NUL in dns name");
	badbin("368000", HY_ERR_INVALID, "non-minimal dns length");
	badbin("a50300", HY_ERR_TRUNCATED, "p2p with empty id");
	badbin("a503021220", HY_ERR_TRUNCATED, "p2p with truncated multihash");
	badbin("a503031101ff", HY_ERR_UNSUPPORTED, "p2p with a sha1 multihash");
	badbin("a503040012ab00", HY_ERR_TRUNCATED, "p2p identity longer than its container");
	badbin("a50305000201", HY_ERR_TRUNCATED, "p2p length beyond the input");

	/* iterator */
	{
		hy_ma_iter	it;
		hy_ma_component c;

		n = ma("/ip4/192.0.2.42/tcp/443/p2p/" SHA_B58, bin);
		hy_ma_iter_init(&it, bin, n);
		is_int(hy_ma_iter_next(&it, &c), 1, "first component");
		ok(c.code == HY_MA_IP4 && c.value_len == 4 && c.value == bin + 1 && c.offset == 0 && c.size == 5,
		   "ip4 component");
		is_int(hy_ma_iter_next(&it, &c), 1, "second component");
		ok(c.code == HY_MA_TCP && c.value_len == 2 && c.value[0] == 1 && c.value[1] == 0xbb && c.offset == 5,
		   "tcp component");
		is_int(hy_ma_iter_next(&it, &c), 1, "third component");
		ok(c.code == HY_MA_P2P && c.value_len == 34 && c.value == bin + 11 && c.size == 37,
		   "p2p value excludes its length prefix");
		is_int(hy_ma_iter_next(&it, &c), 0, "end");
		is_int(hy_ma_iter_next(&it, &c), 0, "still the end");
		hy_ma_iter_init(&it, bin, n - 1);
		hy_ma_iter_next(&it, &c);
		hy_ma_iter_next(&it, &c);
		is_int(hy_ma_iter_next(&it, &c), HY_ERR_TRUNCATED, "iterator reports truncation");
	}

	/* tcp endpoint */
	{
		hy_ma_endpoint ep;

		n = ma("/ip4/192.0.2.42/tcp/443", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_OK, "ip4 tcp endpoint");
		ok(ep.family == 4 && memcmp(ep.ip, "\xc0\x00\x02\x2a", 4) == 0 && ep.port == 443, "ip4 endpoint fields");
		n = ma("/ip6/::1/tcp/4001/p2p/" ED_B58, bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_OK, "ip6 tcp endpoint with p2p");
		ok(ep.family == 6 && ep.ip[15] == 1 && ep.port == 4001, "ip6 endpoint fields");
		n = ma("/ip4/1.2.3.4/tcp/443/ws", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_ERR_UNSUPPORTED, "websocket is not plain tcp");
		n = ma("/ip4/1.2.3.4/udp/443/quic-v1", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_ERR_UNSUPPORTED, "quic is not tcp");
		n = ma("/dns4/example.com/tcp/443", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_ERR_UNSUPPORTED, "dns needs resolving first");
		n = ma("/ip4/1.2.3.4", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_ERR_UNSUPPORTED, "no port");
		n = ma("/ip4/1.2.3.4/tcp/1/p2p/" ED_B58 "/p2p-circuit", bin);
		is_int(hy_multiaddr_tcp_endpoint(bin, n, &ep), HY_ERR_UNSUPPORTED, "relay address");
		is_int(hy_multiaddr_tcp_endpoint(bin, 3, &ep), HY_ERR_TRUNCATED, "invalid binary");
	}

	/* strip and append /p2p */
	{
		const uint8_t *id;
		size_t		idlen;
		uint8_t		pid[HY_PEER_ID_MAX];
		int			plen = hy_peerid_parse(ED_B58, strlen(ED_B58), pid, sizeof(pid));
		int			r;

		n = ma("/ip4/1.2.3.4/tcp/4001/p2p/" ED_B58, bin);
		is_int(hy_multiaddr_strip_p2p(bin, n, &id, &idlen), 8, "strip p2p");
		is_mem(id, idlen, pid, plen, "stripped peer id");
		is_int(hy_multiaddr_strip_p2p(bin, 8, &id, &idlen), 8, "nothing to strip");
		ok(id == NULL && idlen == 0, "no peer id");
		is_int(hy_multiaddr_strip_p2p(bin, 8, NULL, NULL), 8, "id pointers optional");
		r = hy_multiaddr_append_p2p(bin, 8, pid, (size_t) plen, out, sizeof(out));
		is_mem(out, r < 0 ? 0 : r, bin, n, "append p2p");
		r = hy_multiaddr_append_p2p(bin, 8, pid, (size_t) plen, bin, sizeof(bin));
		is_int(r, (int) n, "append in place");
		is_int(hy_multiaddr_append_p2p(bin, 8, pid, (size_t) plen - 1, out, sizeof(out)),
			   HY_ERR_TRUNCATED, "append an invalid id");
		is_int(hy_multiaddr_append_p2p(bin, 8, pid, (size_t) plen, out, 20), HY_ERR_NOSPACE,
			   "append without room");
		n = ma("/p2p/" ED_B58, bin);
		is_int(hy_multiaddr_strip_p2p(bin, n, &id, &idlen), 0, "bare /p2p strips to empty");
		n = ma("/ip4/1.2.3.4/tcp/1/p2p/" ED_B58 "/p2p-circuit", bin);
		is_int(hy_multiaddr_strip_p2p(bin, n, &id, &idlen), (int) n, "p2p not last is kept");
	}

	/* scopes */
	{
		static const struct
		{
			const char *text;
			int			scope;
		}			s[] = {
			{"/ip4/8.8.8.8/tcp/1", HY_MA_SCOPE_PUBLIC},
			{"/ip4/127.0.0.1/tcp/1", HY_MA_SCOPE_LOOPBACK},
			{"/ip4/127.255.0.9", HY_MA_SCOPE_LOOPBACK},
			{"/ip4/10.1.2.3", HY_MA_SCOPE_PRIVATE},
			{"/ip4/172.16.0.1", HY_MA_SCOPE_PRIVATE},
			{"/ip4/172.31.255.255", HY_MA_SCOPE_PRIVATE},
			{"/ip4/172.32.0.1", HY_MA_SCOPE_PUBLIC},
			{"/ip4/192.168.1.1", HY_MA_SCOPE_PRIVATE},
			{"/ip4/100.64.0.1", HY_MA_SCOPE_PRIVATE},
			{"/ip4/100.128.0.1", HY_MA_SCOPE_PUBLIC},
			{"/ip4/169.254.1.1", HY_MA_SCOPE_LINK_LOCAL},
			{"/ip4/0.0.0.0/tcp/4001", HY_MA_SCOPE_UNSPECIFIED},
			{"/ip4/192.0.2.42/tcp/443", HY_MA_SCOPE_RESERVED},
			{"/ip4/198.51.100.1", HY_MA_SCOPE_RESERVED},
			{"/ip4/203.0.113.1", HY_MA_SCOPE_RESERVED},
			{"/ip4/198.18.0.1", HY_MA_SCOPE_RESERVED},
			{"/ip4/224.0.0.1", HY_MA_SCOPE_RESERVED},
			{"/ip4/255.255.255.255", HY_MA_SCOPE_RESERVED},
			{"/ip6/::1", HY_MA_SCOPE_LOOPBACK},
			{"/ip6/::", HY_MA_SCOPE_UNSPECIFIED},
			{"/ip6/fe80::1", HY_MA_SCOPE_LINK_LOCAL},
			{"/ip6/fd00::1", HY_MA_SCOPE_PRIVATE},
			{"/ip6/fc00::1", HY_MA_SCOPE_PRIVATE},
			{"/ip6/ff02::1", HY_MA_SCOPE_RESERVED},
			{"/ip6/2001:db8::1", HY_MA_SCOPE_RESERVED},
			{"/ip6/2606:4700::1111", HY_MA_SCOPE_PUBLIC},
			{"/ip6/::ffff:127.0.0.1", HY_MA_SCOPE_LOOPBACK},
			{"/ip6/::ffff:8.8.8.8", HY_MA_SCOPE_PUBLIC},
			{"/ip6/64:ff9b::a00:1", HY_MA_SCOPE_PRIVATE},
			{"/dns4/localhost/tcp/1", HY_MA_SCOPE_LOOPBACK},
			{"/dns/foo.LOCALHOST", HY_MA_SCOPE_LOOPBACK},
			{"/dns/notlocalhost", HY_MA_SCOPE_PUBLIC},
			{"/dnsaddr/bootstrap.libp2p.io", HY_MA_SCOPE_PUBLIC},
			{"/p2p-circuit", HY_ERR_UNSUPPORTED},
		};

		for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		{
			n = ma(s[i].text, bin);
			is_int(hy_multiaddr_scope(bin, n), s[i].scope, s[i].text);
			is_int(hy_multiaddr_is_public(bin, n), s[i].scope == HY_MA_SCOPE_PUBLIC, "is_public agrees");
		}
		is_int(hy_multiaddr_scope(bin, 0), HY_ERR_INVALID, "empty address has no scope");
	}
	return tap_done();
}
