/*
 * test_yamux.c — yamux frame codec and session state machine, fed both
 * well-formed and hostile frame sequences.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/limits.h"
#include "net/yamux.h"
#include "tap.h"

/* What a session under test did */
typedef struct rec
{
	uint8_t		out[1 << 20];
	size_t		outlen;
	int			accepted;
	int			refuse;			/* accept() answer */
	int			closed;
	int			resets;
	int			eofs;
	int			writable;
	size_t		data;
	int			pongs;
	int			goaways;
	int			out_fail;		/* make output fail */
	hy_ymx_stream *last;
} rec;

/* Output callback: collect frames */
static int
r_output(void *arg, const uint8_t *p, size_t n)
{
	rec		   *r = arg;

	if (r->out_fail || r->outlen + n > sizeof(r->out))
		return HY_NET_ERR_LIMIT;
	memcpy(r->out + r->outlen, p, n);
	r->outlen += n;
	return 0;
}

/* Accept callback */
static int
r_accept(void *arg, hy_ymx_stream *st)
{
	rec		   *r = arg;

	r->accepted++;
	r->last = st;
	return r->refuse ? -1 : 0;
}

/* Data callback */
static void
r_data(void *arg, hy_ymx_stream *st, const uint8_t *p, size_t n)
{
	rec		   *r = arg;

	(void) st;
	(void) p;
	r->data += n;
}

/* EOF callback */
static void
r_eof(void *arg, hy_ymx_stream *st)
{
	(void) st;
	((rec *) arg)->eofs++;
}

/* Writable callback */
static void
r_writable(void *arg, hy_ymx_stream *st)
{
	(void) st;
	((rec *) arg)->writable++;
}

/* Closed callback */
static void
r_closed(void *arg, hy_ymx_stream *st, int reset)
{
	rec		   *r = arg;

	r->closed++;
	if (reset)
		r->resets++;
	if (r->last == st)
		r->last = NULL;
}

/* Pong callback */
static void
r_pong(void *arg, uint32_t v)
{
	(void) v;
	((rec *) arg)->pongs++;
}

/* GoAway callback */
static void
r_goaway(void *arg, uint32_t code)
{
	(void) code;
	((rec *) arg)->goaways++;
}

static const hy_ymx_cbs cbs = {
	r_output, r_accept, r_data, r_eof, r_writable, r_closed, r_pong, r_goaway
};

/* Build one frame into buf; returns its length */
static size_t
frame(uint8_t *buf, uint8_t type, uint16_t flags, uint32_t id, uint32_t len,
	  const uint8_t *payload, size_t plen)
{
	hy_ymx_hdr	h = {0, type, flags, id, len};

	hy_ymx_hdr_put(&h, buf);
	if (plen)
		memcpy(buf + 12, payload, plen);
	return 12 + plen;
}

/* Find the n-th frame header in the output */
static int
out_frame(const rec *r, int n, hy_ymx_hdr *h)
{
	size_t		off = 0;

	for (int i = 0; off + 12 <= r->outlen; i++)
	{
		hy_ymx_hdr_get(r->out + off, h);
		if (i == n)
			return 1;
		off += 12 + (h->type == HY_YMX_DATA ? h->length : 0);
	}
	return 0;
}

/* Count output frames */
static int
out_count(const rec *r)
{
	hy_ymx_hdr	h;
	int			n = 0;

	while (out_frame(r, n, &h))
		n++;
	return n;
}

/* Pump bytes between two sessions until quiet */
static void
pump(hy_ymx *a, rec *ra, hy_ymx *b, rec *rb)
{
	for (int i = 0; i < 100 && (ra->outlen || rb->outlen); i++)
	{
		uint8_t    *tmp = malloc(ra->outlen + 1);
		size_t		n = ra->outlen;

		memcpy(tmp, ra->out, n);
		ra->outlen = 0;
		hy_ymx_input(b, tmp, n);
		free(tmp);
		n = rb->outlen;
		tmp = malloc(n + 1);
		memcpy(tmp, rb->out, n);
		rb->outlen = 0;
		hy_ymx_input(a, tmp, n);
		free(tmp);
	}
}

/* Header codec */
static void
test_codec(void)
{
	uint8_t		b[12];
	hy_ymx_hdr	h = {0, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN | HY_YMX_ACK, 0x01020304, 0xa0b0c0d0},
				g;
	static const uint8_t want[12] = {0, 1, 0, 3, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0};

	hy_ymx_hdr_put(&h, b);
	is_mem(b, 12, want, 12, "header encodes big-endian");
	is_int(hy_ymx_hdr_get(b, &g), HY_OK, "header decodes");
	ok(g.type == h.type && g.flags == h.flags && g.stream_id == h.stream_id &&
	   g.length == h.length, "header round trip");
	b[0] = 1;
	is_int(hy_ymx_hdr_get(b, &g), HY_ERR_UNSUPPORTED, "version 1 rejected");
	b[0] = 0;
	b[1] = 4;
	is_int(hy_ymx_hdr_get(b, &g), HY_ERR_UNSUPPORTED, "type 4 rejected");
}

/* Two sessions talk: open, data, FIN both ways, window updates */
static void
test_pair(void)
{
	static rec	ra,
				rb;
	hy_ymx	   *a,
			   *b;
	hy_ymx_stream *st;
	static uint8_t big[HY_YMX_WINDOW + 1000];
	hy_ymx_stats stats;
	int			n;

	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	memset(&stats, 0, sizeof(stats));
	a = hy_ymx_new(1, &cbs, &ra, &stats);	/* dialer */
	b = hy_ymx_new(0, &cbs, &rb, &stats);	/* listener */
	st = hy_ymx_open(a);
	ok(st && hy_ymx_stream_id(st) == 1, "dialer opens odd id 1");
	pump(a, &ra, b, &rb);
	is_int(rb.accepted, 1, "listener accepted");
	ok(rb.last && hy_ymx_stream_id(rb.last) == 1, "listener sees id 1");
	{
		hy_ymx_stream *s2 = hy_ymx_open(b);

		ok(s2 && hy_ymx_stream_id(s2) == 2, "listener opens even id 2");
		hy_ymx_reset(s2);
	}
	pump(a, &ra, b, &rb);
	/* send more than one window: only the window goes out */
	memset(big, 7, sizeof(big));
	n = hy_ymx_write(st, big, sizeof(big));
	is_int(n, HY_YMX_WINDOW, "write stops at the remote window");
	is_int(hy_ymx_send_window(st), 0, "window exhausted");
	is_int(hy_ymx_write(st, big, 10), 0, "no more until an update");
	pump(a, &ra, b, &rb);
	is_int(rb.data, HY_YMX_WINDOW, "listener got one window of data");
	ok(hy_ymx_send_window(st) >= HY_YMX_WINDOW / 2, "window credited back after half consumed");
	ok(ra.writable > 0, "writable reported");
	/* half-close both ways */
	hy_ymx_close(st);
	pump(a, &ra, b, &rb);
	is_int(rb.eofs, 1, "listener saw FIN");
	hy_ymx_close(rb.last);
	pump(a, &ra, b, &rb);
	is_int(ra.eofs, 1, "dialer saw FIN");
	is_int(hy_ymx_nstreams(a), 0, "dialer stream closed after both FINs");
	is_int(hy_ymx_nstreams(b), 0, "listener stream closed after both FINs");
	/* ping */
	hy_ymx_ping(a, 42);
	pump(a, &ra, b, &rb);
	is_int(ra.pongs, 1, "ping answered with the same value");
	is_int(hy_ymx_keepalive(a), HY_OK, "keepalive sends a ping");
	is_int(hy_ymx_keepalive(a), HY_NET_ERR_TIMEOUT, "unanswered keepalive times out");
	hy_ymx_free(a);
	hy_ymx_free(b);
}

/* Feed hostile frames to a listener session; returns the input result */
static int
hostile(rec *r, hy_ymx **sp, const uint8_t *in, size_t n)
{
	memset(r, 0, sizeof(*r));
	*sp = hy_ymx_new(0, &cbs, r, NULL);
	return hy_ymx_input(*sp, in, n);
}

/* Check that the last output frame is GoAway(protocol error) */
static int
sent_goaway(const rec *r)
{
	hy_ymx_hdr	h;
	int			n = out_count(r);

	return n > 0 && out_frame(r, n - 1, &h) && h.type == HY_YMX_GO_AWAY &&
		h.length == HY_YMX_GOAWAY_PROTOCOL;
}

/* Hostile sequences */
static void
test_hostile(void)
{
	static rec	r;
	hy_ymx	   *s;
	uint8_t		in[4096];
	static uint8_t huge[12 + HY_YMX_WINDOW + 10];
	size_t		n;
	hy_ymx_hdr	h;
	int			rc;

	/* wrong parity: a dialer's SYN must be odd */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 2, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "wrong-parity SYN is a protocol error");
	ok(sent_goaway(&r), "wrong parity answered with GoAway(1)");
	is_int(hy_ymx_input(s, in, n), HY_NET_ERR_CLOSED, "dead session refuses input");
	hy_ymx_free(s);

	/* stream id 0 with SYN */
	n = frame(in, HY_YMX_DATA, HY_YMX_SYN, 0, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "SYN on id 0 rejected");
	hy_ymx_free(s);

	/* duplicate SYN */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "duplicate SYN is a protocol error");
	ok(sent_goaway(&r), "duplicate answered with GoAway(1)");
	is_int(r.accepted, 1, "second SYN did not create a stream");
	hy_ymx_free(s);
	is_int(r.closed, 1, "free closes the live stream once");

	/* reused lower id after close */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 3, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, 3, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "SYN below the highest id is rejected");
	hy_ymx_free(s);

	/* data beyond the window */
	memset(huge, 0, sizeof(huge));
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_OK, "SYN accepted");
	frame(huge, HY_YMX_DATA, 0, 1, HY_YMX_WINDOW + 1, NULL, 0);
	rc = hy_ymx_input(s, huge, 12);
	is_int(rc, HY_NET_ERR_PROTOCOL, "data frame over the window is a session error");
	is_int(r.data, 0, "no data delivered");
	hy_ymx_free(s);

	/* window overrun over two frames */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	frame(huge, HY_YMX_DATA, 0, 1, HY_YMX_WINDOW / 2 + 1, NULL, 0);
	/* the first half is consumed and credited back: no error */
	rc = hy_ymx_input(s, huge, 12 + HY_YMX_WINDOW / 2 + 1);
	is_int(rc, HY_OK, "half a window plus one is fine");
	ok(out_frame(&r, out_count(&r) - 1, &h) && h.type == HY_YMX_WINDOW_UPDATE &&
	   h.length == HY_YMX_WINDOW / 2 + 1, "window update after half consumed");
	hy_ymx_free(s);

	/* oversized frame on an unknown stream */
	n = frame(in, HY_YMX_DATA, 0, 9, 0x7fffffff, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "oversized data frame rejected even for unknown ids");
	hy_ymx_free(s);

	/* unknown type and version */
	n = frame(in, 7, 0, 0, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "unknown type rejected");
	hy_ymx_free(s);
	n = frame(in, HY_YMX_PING, HY_YMX_SYN, 0, 1, NULL, 0);
	in[0] = 2;
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "unknown version rejected");
	hy_ymx_free(s);

	/* window update overflow */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, 0, 1, 0xffffffff, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_NET_ERR_PROTOCOL, "window overflow rejected");
	hy_ymx_free(s);

	/* RST then data for the dead stream is dropped quietly */
	n = frame(in, HY_YMX_DATA, HY_YMX_SYN, 1, 3, (const uint8_t *) "abc", 3);
	n += frame(in + n, HY_YMX_DATA, HY_YMX_RST, 1, 0, NULL, 0);
	n += frame(in + n, HY_YMX_DATA, 0, 1, 3, (const uint8_t *) "def", 3);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_OK, "late data after RST is ignored");
	is_int(r.data, 3, "only data before RST delivered");
	is_int(r.resets, 1, "RST closed the stream at once");
	hy_ymx_free(s);

	/* FIN then data: stream reset, session fine */
	n = frame(in, HY_YMX_DATA, HY_YMX_SYN | HY_YMX_FIN, 1, 1, (const uint8_t *) "a", 1);
	n += frame(in + n, HY_YMX_DATA, 0, 1, 1, (const uint8_t *) "b", 1);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_OK, "data after FIN does not kill the session");
	is_int(r.eofs, 1, "FIN delivered after its data");
	is_int(r.resets, 1, "stream reset for data after FIN");
	hy_ymx_free(s);

	/* FIN twice, RST after FIN */
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN | HY_YMX_FIN, 1, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, HY_YMX_FIN, 1, 0, NULL, 0);
	n += frame(in + n, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, 1, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	is_int(rc, HY_OK, "FIN, FIN, RST accepted");
	is_int(r.eofs, 1, "one EOF");
	is_int(r.closed, 1, "one close");
	hy_ymx_free(s);

	/* refused stream gets RST */
	memset(&r, 0, sizeof(r));
	r.refuse = 1;
	s = hy_ymx_new(0, &cbs, &r, NULL);
	n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 1, 0, NULL, 0);
	rc = hy_ymx_input(s, in, n);
	ok(rc == HY_OK && out_frame(&r, out_count(&r) - 1, &h) && (h.flags & HY_YMX_RST),
	   "refused stream answered with RST");
	hy_ymx_free(s);

	/* stream limit */
	{
		hy_ymx_stats st;
		int			refused_ok;

		memset(&st, 0, sizeof(st));
		memset(&r, 0, sizeof(r));
		s = hy_ymx_new(0, &cbs, &r, &st);
		for (uint32_t i = 0; i < HY_YMX_MAX_STREAMS + 5; i++)
		{
			n = frame(in, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 2 * i + 1, 0, NULL, 0);
			rc = hy_ymx_input(s, in, n);
			if (rc < 0)
				break;
		}
		refused_ok = (rc == HY_OK && st.streams_refused == 5);
		ok(refused_ok, "streams over the limit refused and counted");
		is_int(hy_ymx_nstreams(s), HY_YMX_MAX_STREAMS, "live streams capped");
		hy_ymx_free(s);
		is_int(r.closed, HY_YMX_MAX_STREAMS, "free closes every live stream");
	}

	/* ping request answered; GoAway noted */
	n = frame(in, HY_YMX_PING, HY_YMX_SYN, 0, 0xdeadbeef, NULL, 0);
	n += frame(in + n, HY_YMX_GO_AWAY, 0, 0, 0, NULL, 0);
	rc = hostile(&r, &s, in, n);
	ok(rc == HY_OK && out_frame(&r, 0, &h) && h.type == HY_YMX_PING &&
	   h.flags == HY_YMX_ACK && h.length == 0xdeadbeef, "Ping(SYN) answered with ACK, same value");
	is_int(r.goaways, 1, "GoAway reported");
	ok(hy_ymx_remote_goaway(s) && hy_ymx_open(s) == NULL, "no new streams after GoAway");
	hy_ymx_free(s);

	/* byte-at-a-time delivery */
	n = frame(in, HY_YMX_DATA, HY_YMX_SYN, 1, 5, (const uint8_t *) "hello", 5);
	memset(&r, 0, sizeof(r));
	s = hy_ymx_new(0, &cbs, &r, NULL);
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = hy_ymx_input(s, in + i, 1);
	ok(rc == 0 && r.data == 5 && r.accepted == 1, "frames split per byte parse the same");
	hy_ymx_free(s);

	/* output failure ends the session without crashing */
	memset(&r, 0, sizeof(r));
	s = hy_ymx_new(0, &cbs, &r, NULL);
	r.out_fail = 1;
	n = frame(in, HY_YMX_PING, HY_YMX_SYN, 0, 1, NULL, 0);
	rc = hy_ymx_input(s, in, n);
	ok(rc < 0 && hy_ymx_failed(s), "output limit fails the session");
	hy_ymx_free(s);
}

/* Entry point */
int
main(void)
{
	test_codec();
	test_pair();
	test_hostile();
	return tap_done();
}
