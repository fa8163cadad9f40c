/*
 * test_delegated.c — the Delegated Routing V1 parser on good and hostile
 * bodies (JSON and ndjson), and the client's error and timeout outcomes
 * against a closed port and a server that never answers.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "net/delegated.h"

#define PEER_A "QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"
#define PEER_B "QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa"
#define REC(id, schema, addrs) "{\"Schema\":\"" schema "\",\"ID\":\"" id "\",\"Addrs\":[" addrs "],\"Protocols\":[\"transport-bitswap\"]}"
#define ADDR "\"/ip4/1.2.3.4/tcp/4001\""

static hy_deleg_provider out[HY_DELEG_MAX_PROVIDERS];

/* Parse a NUL-terminated body */
static int
parse(const char *s)
{
	return hy_deleg_parse(s, strlen(s), out, HY_DELEG_MAX_PROVIDERS);
}

/* Good answers in both forms */
static void
test_good(void)
{
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", ADDR) "]}"), 1, "json: one record");
	is_int(out[0].naddrs, 1, "json: its address");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", ADDR ",\"/ip4/5.6.7.8/tcp/1/p2p/" PEER_A "\"") ","
				 REC(PEER_B, "peer", "\"/dns4/example.com/tcp/4001\"") "]}"), 2, "json: two records");
	is_int(out[0].naddrs, 2, "json: p2p suffix kept for the caller to check");
	is_int(parse(REC(PEER_A, "peer", ADDR) "\n" REC(PEER_B, "peer", ADDR) "\n"), 2, "ndjson: two lines");
	is_int(parse("{\"Providers\":[]}"), 0, "json: empty");
	is_int(parse("{\"Providers\":null}"), 0, "json: null providers");
	is_int(parse(""), 0, "empty body");
	is_int(parse(" \n\r\t"), 0, "whitespace body");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", ADDR) "," REC(PEER_A, "peer", ADDR) "]}"), 1,
		   "duplicate peer kept once");
	is_int(parse("{\"Addrs\":[" ADDR "],\"ID\":\"" PEER_A "\",\"Schema\":\"peer\",\"X\":{\"a\":[1,2.5e3,-1,true,false,null]}}"),
		   1, "ndjson: keys in any order, unknown keys skipped");
	is_int(parse("{\"Schema\":\"\\u0070eer\",\"ID\":\"" PEER_A "\",\"Addrs\":[\"\\/ip4\\/1.2.3.4\\/tcp\\/1\"]}"), 1,
		   "escapes decoded");
}

/* Records we must not keep */
static void
test_filtered(void)
{
	is_int(parse("{\"Providers\":[" REC(PEER_A, "bitswap", ADDR) "]}"), 0, "other schema dropped");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "Peer", ADDR) "]}"), 0, "schema is case-sensitive");
	is_int(parse("{\"Providers\":[{\"ID\":\"" PEER_A "\",\"Addrs\":[" ADDR "]}]}"), 0, "no schema dropped");
	is_int(parse("{\"Providers\":[" REC("QmNotAPeer", "peer", ADDR) "]}"), 0, "bad peer ID dropped");
	is_int(parse("{\"Providers\":[" REC("", "peer", ADDR) "]}"), 0, "empty peer ID dropped");
	is_int(parse("{\"Providers\":[{\"Schema\":\"peer\",\"ID\":42,\"Addrs\":[" ADDR "]}]}"), 0, "numeric ID dropped");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", "") "]}"), 0, "no addresses dropped");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", "\"/ip4/999.1.1.1/tcp/1\",\"junk\",7,{}") "]}"), 0,
		   "unparseable addresses dropped");
	is_int(parse("{\"Providers\":[{\"Schema\":\"peer\",\"ID\":\"" PEER_A "\",\"Addrs\":\"" "/ip4/1.2.3.4/tcp/1\"}]}"), 0,
		   "addresses not an array dropped");
	is_int(parse("{\"Providers\":[" REC(PEER_A, "bitswap", ADDR) "," REC(PEER_B, "peer", ADDR) "]}"), 1,
		   "mixed: only the peer record kept");
	is_int(parse("[" REC(PEER_A, "peer", ADDR) "]"), HY_ERR_INVALID, "top-level array refused");
	is_int(parse("{\"Providers\":{\"Providers\":[" REC(PEER_A, "peer", ADDR) "]}}"), 0,
		   "nested Providers not followed");
}

/* Malformed and oversized input */
static void
test_hostile(void)
{
	static const char *const bad[] = {
		"{", "{\"Providers\":[", "{\"Providers\":[{\"Schema\":\"pe", "\"Providers\"", "nul", "{\"a\":tru}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\x01\"}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "}",
		"{\"a\":[1 2]}", "{\"a\":{\"b\":1]}",
	};
	char	   *big;
	size_t		n;
	int			r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		name[80];

		snprintf(name, sizeof(name), "malformed %zu refused", i);
		is_int(parse(bad[i]), HY_ERR_INVALID, name);
	}
	is_int(parse("{\"Providers\":[" REC(PEER_A, "peer", ADDR) ",{\"Schema\":\"pe"), 1,
		   "truncated after a record: the record kept");
	is_int(parse(REC(PEER_A, "peer", ADDR) "\n{garbage\n" REC(PEER_B, "peer", ADDR) "\n"), 2,
		   "ndjson: a broken line skipped");

	/* nesting deeper than the limit, then very deep */
	big = malloc(1 << 20);
	n = 0;
	n += (size_t) sprintf(big, "{\"x\":");
	for (int i = 0; i < 100000; i++)
		big[n++] = '[';
	big[n] = '\0';
	is_int(hy_deleg_parse(big, n, out, HY_DELEG_MAX_PROVIDERS), HY_ERR_INVALID, "deep nesting refused");
	/* the limit itself: the answer object plus 15 arrays is 16 deep, one more is too deep */
	for (int extra = 0; extra <= 1; extra++)
	{
		int			arrays = HY_DELEG_DEPTH_MAX - 1 + extra;

		n = (size_t) sprintf(big, "{\"x\":");
		for (int i = 0; i < arrays; i++)
			big[n++] = '[';
		for (int i = 0; i < arrays; i++)
			big[n++] = ']';
		n += (size_t) sprintf(big + n, ",\"Providers\":[" REC(PEER_A, "peer", ADDR) "]}");
		is_int(hy_deleg_parse(big, n, out, HY_DELEG_MAX_PROVIDERS), extra ? HY_ERR_INVALID : 1,
			   extra ? "one level past the depth limit: refused" : "exactly at the depth limit: parsed");
	}

	/* a huge string and many records: bounded work, bounded output */
	n = (size_t) sprintf(big, "{\"Providers\":[{\"Schema\":\"");
	memset(big + n, 'a', 300000);
	n += 300000;
	n += (size_t) sprintf(big + n, "\"}]}");
	is_int(hy_deleg_parse(big, n, out, HY_DELEG_MAX_PROVIDERS), HY_ERR_INVALID,
		   "past the body limit: cut, so malformed");
	n = (size_t) sprintf(big, "{\"Providers\":[");
	for (int i = 0; i < 1000; i++)
		n += (size_t) sprintf(big + n, "%s", REC(PEER_A, "peer", ADDR) ",");
	n += (size_t) sprintf(big + n, REC(PEER_B, "peer", ADDR) "]}");
	r = hy_deleg_parse(big, n, out, HY_DELEG_MAX_PROVIDERS);
	is_int(r, 2, "1000 duplicates: two distinct peers");
	n = (size_t) sprintf(big, "{\"Providers\":[" REC(PEER_A, "peer", ADDR "," ADDR "," ADDR "," ADDR ","
																	   ADDR "," ADDR "," ADDR "," ADDR ","
																	   ADDR "," ADDR) "]}");
	is_int(hy_deleg_parse(big, n, out, HY_DELEG_MAX_PROVIDERS), 1, "many addresses: record kept");
	is_int(out[0].naddrs, HY_DELEG_ADDRS_MAX, "addresses capped");
	is_int(hy_deleg_parse(big, n, out, 0), 0, "max 0: nothing written");
	free(big);
}

/* Run the client until it reports tag; its status, or -1 after 5 s */
static int
wait_result(hy_deleg *d, uint64_t tag)
{
	hy_deleg_result *res = malloc(sizeof(*res));
	int			st = -1;

	for (int i = 0; i < 500 && st < 0; i++)
	{
		while (hy_deleg_poll(d, res))
			if (res->tag == tag)
				st = (int) res->status;
		if (st < 0)
			usleep(10000);
	}
	free(res);
	return st;
}

/* A loopback port nobody listens on, or a listening socket (*fd) that never answers */
static int
loopback_port(int *fd, int listening)
{
	struct sockaddr_in sa;
	socklen_t	sl = sizeof(sa);
	int			s = socket(AF_INET, SOCK_STREAM, 0);
	int			port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *) &sa, sizeof(sa)) < 0 || getsockname(s, (struct sockaddr *) &sa, &sl) < 0)
		return -1;
	port = ntohs(sa.sin_port);
	if (listening)
	{
		if (listen(s, 4) < 0)
			return -1;
		*fd = s;
	}
	else
		close(s);
	return port;
}

/* Client outcomes without a real server */
static void
test_client(void)
{
	hy_deleg   *d = hy_deleg_new(4);
	char		url[64];
	int			fd = -1;
	int			port;

	ok(d != NULL, "client created");
	is_int(hy_deleg_start(d, "http://127.0.0.1:1", "bafy/../x", 1000, 1), HY_ERR_INVALID, "CID with a slash refused");
	is_int(hy_deleg_start(d, "file:///etc", "bafy", 1000, 1), HY_ERR_UNSUPPORTED, "non-HTTP URL refused");
	port = loopback_port(NULL, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	is_int(hy_deleg_start(d, url, "bafkqaaa", 2000, 7), HY_OK, "request to a closed port started");
	is_int(hy_deleg_active(d), 1, "one in flight");
	is_int(wait_result(d, 7), HY_DELEG_ERROR, "closed port: error");
	port = loopback_port(&fd, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	is_int(hy_deleg_start(d, url, "bafkqaaa", 200, 8), HY_OK, "request to a silent server started");
	is_int(wait_result(d, 8), HY_DELEG_TIMEOUT, "silent server: timeout");
	is_int(hy_deleg_start(d, url, "bafkqaaa", 200, 9), HY_OK, "another request");
	hy_deleg_cancel(d, 9);
	is_int(hy_deleg_active(d), 0, "cancelled");
	for (int i = 0; i < 4; i++)
		hy_deleg_start(d, url, "bafkqaaa", 1000, 10 + i);
	is_int(hy_deleg_start(d, url, "bafkqaaa", 1000, 20), HY_ERR_NOSPACE, "slots bounded");
	hy_deleg_free(d);
	close(fd);
}

int
main(void)
{
	test_good();
	test_filtered();
	test_hostile();
	test_client();
	return tap_done();
}
