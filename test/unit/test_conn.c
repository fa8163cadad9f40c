/*
 * test_conn.c — end to end in one process: a listening host and a dialing
 * host on one loop over loopback TCP complete multistream + Noise + yamux,
 * identify and ping; plus flow control on a custom protocol, refused
 * protocols, a wrong peer ID, garbage and silent clients, per-IP limits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "net/conn.h"
#include "net/ping.h"
#include "net/tcp.h"
#include "tap.h"

typedef struct world
{
	hy_loop    *loop;
	int			ready[2];		/* by side: 0 listener host, 1 dialer host */
	int			identified_ok[2];
	int			identified_fail[2];
	int			closed[2];
	hy_conn_reason last_reason[2];
	int			pinged;
	hy_conn    *dconn;
	int			ping_done;
	int			ping_err;
	uint64_t	rtt;
	size_t		sink_bytes;
	int			sink_eof;
	size_t		sent;
	int			src_closed;
	int			refused_closed;
} world;

static world W;
static hy_host *HA,
		   *HB;

/* Side of a host */
static int
side(hy_conn *c)
{
	return hy_conn_host(c) == HA ? 0 : 1;
}

/* conn_ready */
static void
cb_ready(hy_conn *c, void *arg)
{
	(void) arg;
	W.ready[side(c)]++;
}

/* conn_identified */
static void
cb_identified(hy_conn *c, int ok_, void *arg)
{
	(void) arg;
	if (ok_)
		W.identified_ok[side(c)]++;
	else
		W.identified_fail[side(c)]++;
}

/* pinged */
static void
cb_pinged(hy_conn *c, void *arg)
{
	(void) c;
	(void) arg;
	W.pinged++;
}

/* conn_closed */
static void
cb_closed(hy_conn *c, hy_conn_reason r, void *arg)
{
	(void) arg;
	W.closed[side(c)]++;
	W.last_reason[side(c)] = r;
	if (c == W.dconn)
		W.dconn = NULL;
}

/* Run the loop until *flag >= want or 5 s pass */
static int
run_until(int *flag, int want)
{
	struct timespec t0,
				t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (*flag < want)
	{
		hy_loop_run_once(W.loop, 20);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			return 0;
	}
	return 1;
}

/* Ping result */
static void
cb_ping(hy_conn *c, int err, uint64_t rtt, void *arg)
{
	(void) c;
	(void) arg;
	W.ping_err = err;
	W.rtt = rtt;
	W.ping_done++;
}

/* Sink protocol: counts bytes */
static int
sink_open(hy_stream *s, void **user)
{
	(void) s;
	(void) user;
	return 0;
}

/* Sink data */
static int
sink_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	(void) s;
	(void) user;
	(void) p;
	W.sink_bytes += n;
	return 0;
}

/* Sink EOF */
static void
sink_eof(hy_stream *s, void *user)
{
	(void) user;
	W.sink_eof++;
	hy_stream_close(s);
}

static const hy_proto_handler sink_handler = {
	.protocol = "/test/sink/1.0.0",
	.on_open = sink_open,
	.on_data = sink_data,
	.on_eof = sink_eof,
};

#define SOURCE_TOTAL (3 * 1024 * 1024 + 17)

/* Source: write until the window closes */
static void
source_pump(hy_stream *s)
{
	static uint8_t chunk[100000];

	while (W.sent < SOURCE_TOTAL)
	{
		size_t		k = SOURCE_TOTAL - W.sent;
		int			n;

		if (k > sizeof(chunk))
			k = sizeof(chunk);
		n = hy_stream_write(s, chunk, k);
		if (n <= 0)
			return;
		W.sent += (size_t) n;
	}
	hy_stream_close(s);
}

/* Source open */
static int
source_open(hy_stream *s, void **user)
{
	(void) user;
	source_pump(s);
	return 0;
}

/* Source writable */
static void
source_writable(hy_stream *s, void *user)
{
	(void) user;
	source_pump(s);
}

/* Source closed */
static void
source_close(hy_stream *s, void *user, int reset)
{
	(void) s;
	(void) user;
	W.src_closed = reset ? -1 : 1;
}

static const hy_proto_handler source_handler = {
	.protocol = "/test/sink/1.0.0",
	.on_open = source_open,
	.on_writable = source_writable,
	.on_close = source_close,
};

/* Opening an unknown protocol */
static int
nope_open(hy_stream *s, void **user)
{
	(void) s;
	(void) user;
	return 0;
}

/* Unknown protocol closed */
static void
nope_close(hy_stream *s, void *user, int reset)
{
	(void) s;
	(void) user;
	W.refused_closed = reset ? 1 : 2;
}

static const hy_proto_handler nope_handler = {
	.protocol = "/not/served/1.0.0",
	.on_open = nope_open,
	.on_close = nope_close,
};

/* Raw TCP client to the listener */
static int
raw_client(uint16_t port)
{
	struct sockaddr_in sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
	{
		close(fd);
		return -1;
	}
	return fd;
}

/* Entry point */
int
main(void)
{
	hy_keypair	ka,
				kb,
				kc;
	uint8_t		sa[32] = {0xa},
				sb[32] = {0xb},
				sc[32] = {0xc};
	hy_host_config cfg;
	hy_host_cbs cbs = {cb_ready, cb_identified, cb_pinged, cb_closed};
	uint16_t	port = 0;
	uint8_t		ma[128];
	int			n,
				err;
	const hy_net_stats *st;

	hy_keypair_from_seed(&ka, sa);
	hy_keypair_from_seed(&kb, sb);
	hy_keypair_from_seed(&kc, sc);
	W.loop = hy_loop_new();
	hy_host_config_init(&cfg, &ka);
	cfg.max_conns_per_ip = 4;
	cfg.handshake_timeout_ms = 300;
	HA = hy_host_new(W.loop, &cfg, &cbs, NULL);
	hy_host_config_init(&cfg, &kb);
	HB = hy_host_new(W.loop, &cfg, &cbs, NULL);
	ok(HA && HB, "hosts created");
	is_int(hy_host_add_handler(HA, &sink_handler), HY_OK, "custom handler registered");
	is_int(hy_host_listen(HA, "127.0.0.1", 0, &port), HY_OK, "listen on an ephemeral port");
	ok(port != 0, "bound port reported");

	/* dial with /p2p */
	{
		char		text[200];
		char		pid[100];

		hy_peerid_format(ka.peer_id, ka.peer_id_len, pid, sizeof(pid));
		snprintf(text, sizeof(text), "/ip4/127.0.0.1/tcp/%u/p2p/%s", port, pid);
		n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));
		ok(n > 0, "target multiaddr parsed");
	}
	W.dconn = hy_host_dial(HB, ma, (size_t) n, NULL, &err);
	ok(W.dconn != NULL, "dial started");
	ok(run_until(&W.ready[1], 1) && run_until(&W.ready[0], 1), "both sides upgraded");
	ok(run_until(&W.identified_ok[1], 1) && run_until(&W.identified_ok[0], 1),
	   "identify completed both ways");
	if (W.dconn)
	{
		size_t		len;
		const uint8_t *pid = hy_conn_peer_id(W.dconn, &len);
		const hy_id_info *info = hy_conn_identify(W.dconn);

		is_mem(pid, len, ka.peer_id, ka.peer_id_len, "dialer authenticated the listener");
		ok(info && strstr(info->protocols, "/ipfs/ping/1.0.0") &&
		   strstr(info->protocols, "/test/sink/1.0.0"), "remote protocols recorded");
		is_str(info ? info->agent : NULL, "hydra/0.1.0", "remote agent recorded");
		ok(info && info->naddrs == 1, "listener announced its address");
		ok(info && info->observed_len == 8 && info->observed[0] == 4,
		   "listener reported our observed ip4 address");
		is_int(hy_ping(W.dconn, 10, cb_ping, NULL), HY_OK, "ping started");
		ok(run_until(&W.ping_done, 1), "ping finished");
		is_int(W.ping_err, HY_OK, "10 ping round trips ok");
		ok(run_until(&W.pinged, 1), "listener served the ping stream");

		/* flow control on a custom protocol */
		ok(hy_conn_open_stream(W.dconn, &source_handler, NULL) != NULL, "custom stream opened");
		ok(run_until(&W.sink_eof, 1), "sink got EOF");
		is_int(W.sink_bytes, SOURCE_TOTAL, "3 MiB through 256 KiB windows intact");
		ok(run_until(&W.src_closed, 1), "source stream closed cleanly");

		/* unknown protocol is refused */
		ok(hy_conn_open_stream(W.dconn, &nope_handler, NULL) != NULL, "stream for unknown protocol");
		ok(run_until(&W.refused_closed, 1) && W.refused_closed == 1,
		   "na: on_close(reset) for an unserved protocol");
		hy_conn_close(W.dconn);
		ok(run_until(&W.closed[0], 1), "listener saw the close");
	}

	/* wrong peer id */
	{
		uint8_t		ma2[128];
		int			m = hy_multiaddr_append_p2p(ma, (size_t) (n - (2 + 1 + ka.peer_id_len)), kc.peer_id,
												kc.peer_id_len, ma2, sizeof(ma2));
		int			before = W.closed[1];

		ok(m > 0, "multiaddr with another peer id");
		W.dconn = hy_host_dial(HB, ma2, (size_t) m, NULL, &err);
		ok(run_until(&W.closed[1], before + 1), "dial to the wrong peer ends");
		is_int(W.last_reason[1], HY_REASON_PEER_ID, "reason: peer id");
	}

	/* garbage client and silent client */
	{
		int			fd = raw_client(port);
		int			fd2 = raw_client(port);
		int			before = W.closed[0] + 2;
		static const char junk[] = "\x13/multistream/1.0.0\n\x07/bogus\n" "GET / HTTP/1.1\r\n\r\n";

		ok(fd >= 0 && fd2 >= 0, "raw clients connected");
		ok(write(fd, junk, sizeof(junk) - 1) > 0, "garbage sent");
		ok(run_until(&W.closed[0], before), "garbage and silent clients dropped");
		st = hy_host_stats(HA);
		ok(st->handshake_failed_by[HY_REASON_TIMEOUT] >= 1, "silent client: handshake timeout counted");
		ok(st->handshake_failed_by[HY_REASON_MULTISTREAM] + st->handshake_failed_by[HY_REASON_EOF] +
		   st->handshake_failed_by[HY_REASON_TIMEOUT] >= 2, "garbage client counted as failed handshake");
		close(fd);
		close(fd2);
	}

	/* per-IP limit */
	{
		int			fds[6];

		for (int i = 0; i < 6; i++)
			fds[i] = raw_client(port);
		for (int i = 0; i < 20; i++)
			hy_loop_run_once(W.loop, 10);
		st = hy_host_stats(HA);
		is_int(st->refused_per_ip, 2, "connections over the per-IP limit refused and counted");
		for (int i = 0; i < 6; i++)
			close(fds[i]);
	}
	st = hy_host_stats(HA);
	ok(st->bytes_in > SOURCE_TOTAL && st->bytes_out > 0, "byte counters move");
	ok(st->ymx.streams_in >= 3, "yamux stream counters move");

	/* IPv6 listener */
	{
		uint16_t	p6 = 0;

		if (hy_host_listen(HA, "::1", 0, &p6) == HY_OK)
		{
			char		text[200];
			char		pid[100];
				int			before = W.identified_ok[1];

			hy_peerid_format(ka.peer_id, ka.peer_id_len, pid, sizeof(pid));
			snprintf(text, sizeof(text), "/ip6/::1/tcp/%u/p2p/%s", p6, pid);
			n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));
			W.dconn = hy_host_dial(HB, ma, (size_t) n, NULL, &err);
			ok(run_until(&W.identified_ok[1], before + 1), "IPv6 dial upgraded and identified");
		}
		else
			ok(1, "# skip no IPv6 loopback");
	}

	hy_host_free(HB);
	hy_host_free(HA);
	hy_loop_free(W.loop);
	return tap_done();
}
