/*
 * test_multistream.c — multistream-select listener and dialer: header
 * exchange, pipelining, na, limits and arbitrary input chunking.
 */
#include <string.h>

#include "tap.h"
#include "core/err.h"
#include "net/multistream.h"

#define HDR "\x13/multistream/1.0.0\n"
#define NOISE "\x07/noise\n"
#define TLS "\x0b/tls/1.0.0\n"
#define NA "\x03na\n"
#define YAMUX "\x0d/yamux/1.0.0\n"

static const char *const listen_protos[] = {"/noise", "/yamux/1.0.0"};
static const char *const dial_protos[] = {"/tls/1.0.0", "/noise"};

/* Drain all pending output into buf; returns the byte count */
static size_t
drain(hy_mss *m, uint8_t *buf)
{
	size_t		len;
	const uint8_t *p = hy_mss_pending_output(m, &len);

	memcpy(buf, p, len);
	hy_mss_consume_output(m, len);
	return len;
}

/* Feed a listener a whole input; returns the feed result */
static int
feed_all(hy_mss *m, const void *in, size_t len, size_t *consumed)
{
	return hy_mss_feed(m, (const uint8_t *) in, len, consumed);
}

/* Listener: header + pipelined proposal + trailing data in one read */
static void
test_listener_pipelined(void)
{
	hy_mss		m;
	uint8_t		out[4096];
	size_t		used,
				n;
	static const char in[] = HDR NOISE "\x00\x20trailing";
	size_t		inlen = sizeof(in) - 1;

	is_int(hy_mss_init_listener(&m, listen_protos, 2), HY_OK, "listener init");
	n = drain(&m, out);
	is_mem(out, n, HDR, 20, "listener sends its header at once");
	is_int(feed_all(&m, in, inlen, &used), HY_MSS_DONE, "pipelined proposal selected");
	is_int(used, 20 + 8, "consumed header + proposal only");
	is_mem(in + used, inlen - used, "\x00\x20trailing", 10, "trailing bytes left to the caller");
	is_int(hy_mss_selected(&m), 0, "selected index");
	is_str(hy_mss_selected_name(&m), "/noise", "selected name");
	n = drain(&m, out);
	is_mem(out, n, NOISE, 8, "echo of the selected protocol");
	is_int(feed_all(&m, "xx", 2, &used), HY_MSS_DONE, "done is sticky");
	is_int(used, 0, "nothing consumed after done");
}

/* Listener: go proposes /tls/1.0.0 first, then /noise */
static void
test_listener_na_then_noise(void)
{
	hy_mss		m;
	uint8_t		out[4096];
	size_t		used,
				n;

	hy_mss_init_listener(&m, listen_protos, 2);
	drain(&m, out);
	is_int(feed_all(&m, HDR TLS, 20 + 12, &used), HY_MSS_MORE, "tls proposal: more");
	is_int(used, 32, "all consumed");
	n = drain(&m, out);
	is_mem(out, n, NA, 4, "na for /tls/1.0.0");
	is_int(hy_mss_selected(&m), -1, "nothing selected yet");
	is_int(feed_all(&m, "\x03ls\n", 4, &used), HY_MSS_MORE, "ls: more");
	n = drain(&m, out);
	is_mem(out, n, NA, 4, "na for ls");
	is_int(feed_all(&m, YAMUX, 14, &used), HY_MSS_DONE, "then a supported one");
	is_int(hy_mss_selected(&m), 1, "yamux selected");
	n = drain(&m, out);
	is_mem(out, n, YAMUX, 14, "yamux echoed");
}

/* Listener fed one byte at a time */
static void
test_listener_bytewise(void)
{
	hy_mss		m;
	uint8_t		out[4096];
	static const char in[] = HDR TLS NOISE "Z";
	size_t		inlen = sizeof(in) - 1,
				used,
				i,
				n = 0;
	int			rc = HY_MSS_MORE;

	hy_mss_init_listener(&m, listen_protos, 2);
	for (i = 0; i < inlen && rc == HY_MSS_MORE; i++)
	{
		rc = feed_all(&m, in + i, 1, &used);
		if (used != 1)
			break;
		n += drain(&m, out + n);
	}
	is_int(rc, HY_MSS_DONE, "byte-by-byte: done");
	is_int(i, inlen - 1, "stopped right after the proposal");
	is_mem(out, n, HDR NA NOISE, 20 + 4 + 8, "byte-by-byte output");
}

/* Malformed or hostile inputs */
static void
test_listener_errors(void)
{
	hy_mss		m;
	uint8_t		big[2048];
	size_t		used;

	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x13/multistream/2.0.0\n", 20, &used), HY_ERR_UNSUPPORTED,
		   "wrong header rejected");
	is_int(feed_all(&m, HDR, 20, &used), HY_ERR_UNSUPPORTED, "failure is sticky");

	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x13/multistream/1.0.0X", 20, &used), HY_ERR_INVALID,
		   "missing newline rejected");

	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x01\n", 2, &used), HY_ERR_INVALID, "empty token rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x00", 1, &used), HY_ERR_INVALID, "zero length rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x04" "a\tb\n", 5, &used), HY_ERR_INVALID, "control character rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x04" "a\nb\n", 5, &used), HY_ERR_INVALID, "inner newline rejected");

	/* lengths: 1024 is the limit, newline included */
	hy_mss_init_listener(&m, listen_protos, 2);
	big[0] = 0x81;
	big[1] = 0x08;				/* 1025 */
	is_int(feed_all(&m, big, 2, &used), HY_ERR_TOO_LONG, "1025-byte message rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	feed_all(&m, HDR, 20, &used);
	big[0] = 0x80;
	big[1] = 0x08;				/* 1024 */
	memset(big + 2, 'a', 1023);
	big[2 + 1023] = '\n';
	is_int(feed_all(&m, big, 1026, &used), HY_MSS_MORE, "1024-byte message accepted (na)");
	is_int(used, 1026, "all of it consumed");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x85\x00", 2, &used), HY_ERR_INVALID, "non-minimal varint rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\xff\xff\xff\xff\x0f", 5, &used), HY_ERR_TOO_LONG, "huge varint rejected");
	hy_mss_init_listener(&m, listen_protos, 2);
	is_int(feed_all(&m, "\x80", 1, &used), HY_MSS_MORE, "open varint waits");
	is_int(feed_all(&m, "\x80", 1, &used), HY_ERR_TOO_LONG, "three-byte varint rejected");

	/* too many refusals */
	hy_mss_init_listener(&m, listen_protos, 2);
	{
		int			rc = feed_all(&m, HDR, 20, &used);
		int			i;

		for (i = 0; i < 20 && rc == HY_MSS_MORE; i++)
		{
			uint8_t		out[4096];

			rc = feed_all(&m, TLS, 12, &used);
			drain(&m, out);
		}
		is_int(rc, HY_ERR_TOO_LONG, "too many proposals rejected");
		is_int(i, HY_MSS_MAX_REJECTS + 1, "after the allowed number of na");
	}
}

/* Output back-pressure: a full output buffer pauses input */
static void
test_listener_backpressure(void)
{
	hy_mss		m;
	uint8_t		in[8192],
				out[8192];
	size_t		len = 0,
				used,
				total = 0,
				n;
	int			rc;
	char		name[1024];

	memset(name, 'p', 1023);
	name[1023] = 0;
	{
		const char *const protos[] = {name};

		hy_mss_init_listener(&m, protos, 1);
		memcpy(in, HDR, 20);
		len = 20;
		/* 3 pipelined oversized-echo proposals: 2 na, then the long one */
		memcpy(in + len, TLS TLS, 24);
		len += 24;
		len += hy_mss_encode(name, in + len, sizeof(in) - len);
		memcpy(in + len, "rest", 4);
		len += 4;
		/* do not drain our header: leave output partly full */
		rc = feed_all(&m, in, len, &used);
		total = used;
		n = drain(&m, out);
		while (rc == HY_MSS_MORE && total < len)
		{
			rc = feed_all(&m, in + total, len - total, &used);
			total += used;
			n += drain(&m, out + n);
		}
		is_int(rc, HY_MSS_DONE, "long echo selected");
		is_int(len - total, 4, "trailing bytes left");
		is_int(n, 20 + 8 + 1026, "header, 2 na, long echo");
	}
}

/* Dialer: header + proposal pipelined, na then echo, data after echo */
static void
test_dialer(void)
{
	hy_mss		m;
	uint8_t		out[4096];
	size_t		used,
				n;
	static const char in[] = HDR NA NOISE "\x00\x10";
	const char *const bad[] = {"ok", "x\ny"};
	const char *const one[] = {"/noise"};

	is_int(hy_mss_init_dialer(&m, dial_protos, 2), HY_OK, "dialer init");
	n = drain(&m, out);
	is_mem(out, n, HDR TLS, 32, "header and first proposal pipelined");
	is_int(feed_all(&m, in, sizeof(in) - 1, &used), HY_MSS_DONE, "dialer done after na + echo");
	is_int(used, 20 + 4 + 8, "listener data after the echo left");
	n = drain(&m, out);
	is_mem(out, n, NOISE, 8, "second proposal sent after na");
	is_int(hy_mss_selected(&m), 1, "second proposal selected");

	hy_mss_init_dialer(&m, one, 1);
	drain(&m, out);
	is_int(feed_all(&m, HDR NA, 24, &used), HY_ERR_UNSUPPORTED, "all proposals refused");
	hy_mss_init_dialer(&m, one, 1);
	is_int(feed_all(&m, HDR YAMUX, 34, &used), HY_ERR_INVALID, "echo of another protocol rejected");

	is_int(hy_mss_init_dialer(&m, bad, 2), HY_ERR_INVALID, "proposal with newline refused");
	is_int(hy_mss_init_dialer(&m, bad, 0), HY_ERR_INVALID, "empty proposal list refused");
	is_int(feed_all(&m, HDR, 20, &used), HY_ERR_INVALID, "failed init is sticky");
}

/* Listener and dialer talking to each other through random chunking */
static void
test_pair(void)
{
	hy_mss		l,
				d;
	uint8_t		buf[4096];
	size_t		used,
				n;
	int			rl = HY_MSS_MORE,
				rd = HY_MSS_MORE;
	unsigned	seed = 12345;

	hy_mss_init_listener(&l, listen_protos, 2);
	hy_mss_init_dialer(&d, dial_protos, 2);
	for (int round = 0; round < 64 && (rl != HY_MSS_DONE || rd != HY_MSS_DONE); round++)
	{
		const uint8_t *p;

		p = hy_mss_pending_output(&d, &n);
		if (n > 0 && rl == HY_MSS_MORE)
		{
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % n;
			rl = hy_mss_feed(&l, p, n, &used);
			hy_mss_consume_output(&d, used);
		}
		p = hy_mss_pending_output(&l, &n);
		if (n > 0 && rd == HY_MSS_MORE)
		{
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % n;
			rd = hy_mss_feed(&d, p, n, &used);
			hy_mss_consume_output(&l, used);
		}
	}
	is_int(rl, HY_MSS_DONE, "pair: listener done");
	is_int(rd, HY_MSS_DONE, "pair: dialer done");
	is_str(hy_mss_selected_name(&l), "/noise", "pair: listener chose /noise");
	is_str(hy_mss_selected_name(&d), "/noise", "pair: dialer chose /noise");
	(void) buf;
}

/* hy_mss_encode bounds */
static void
test_encode(void)
{
	uint8_t		out[2048];
	char		name[1100];

	is_int(hy_mss_encode("na", out, sizeof(out)), 4, "encode na");
	is_mem(out, 4, NA, 4, "na bytes");
	is_int(hy_mss_encode("na", out, 3), HY_ERR_NOSPACE, "encode capacity checked");
	memset(name, 'x', 1024);
	name[1024] = 0;
	is_int(hy_mss_encode(name, out, sizeof(out)), HY_ERR_TOO_LONG, "1024-char token too long");
	name[1023] = 0;
	is_int(hy_mss_encode(name, out, sizeof(out)), 1026, "1023-char token fits");
}

int
main(void)
{
	test_listener_pipelined();
	test_listener_na_then_noise();
	test_listener_bytewise();
	test_listener_errors();
	test_listener_backpressure();
	test_dialer();
	test_pair();
	test_encode();
	return tap_done();
}
