/*
 * hostile.c — a hostile peer for robustness tests: many TCP connections to
 * one or more libp2p listeners, each misbehaving in one way, then a few
 * fully upgraded connections (src/net dialer) that abuse yamux.
 *
 *   hostile --target MADDR[,MADDR...] [--conns 2000] [--batch 20]
 *           [--idle 30] [--full 4] [--wait-ms 200]
 *
 * Raw phase (poll, non-blocking sockets): --idle slowloris connections are
 * opened first and never send a byte; then --conns connections in batches
 * of --batch per target, kinds in turn:
 *   garbage    random bytes (1..4096)
 *   trunc-ms   a multistream header cut short ("\x13/multistream/1.")
 *   noise-junk a valid /multistream + /noise proposal, then two Noise
 *              handshake messages of random bytes
 *   big-len    a multistream header whose varint length is ~2^35
 *   big-noise  /noise negotiated, then a Noise frame announcing 65535
 *              bytes and carrying a few
 * Each connection waits up to --wait-ms for the listener to close it.
 * Full phase (per target, --full connections of each kind, on one loop):
 *   flood      open kad streams until refused, then 4000 raw yamux SYNs
 *   bigframe   a yamux Data frame announcing 16 MiB on a new stream
 *   sealjunk   a Noise transport frame of random bytes (fails to decrypt)
 * Finally the slowloris connections are checked (still open or closed by
 * the listener).  Prints one line per kind and DONE; exits by itself
 * (every step is bounded; the whole run stays under a minute with the
 * defaults).  Exit 0 unless the tool itself could not run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "net/conn.h"
#include "net/conn_internal.h"
#include "net/limits.h"
#include "net/loop.h"
#include "net/yamux_frame.h"

#define MAX_TARGETS 16
#define MAX_BATCH 256
#define MAX_IDLE 1024
#define NKINDS 5
#define FULL_KINDS 3
#define FULL_MAX 64
#define FULL_DEADLINE_MS 10000
#define RAW_SYNS 4000

typedef struct target
{
	char		text[512];
	struct sockaddr_in sa;
	uint8_t		ma[HY_MULTIADDR_MAX];
	int			ma_len;
} target;

static const char *const kind_name[NKINDS] = {
	"garbage", "trunc-ms", "noise-junk", "big-len", "big-noise"
};
static const char *const full_name[FULL_KINDS] = {"flood", "bigframe", "sealjunk"};

/* Counters of the raw phase, per kind */
static long sent[NKINDS],
			closed_by_peer[NKINDS],
			still_open[NKINDS],
			connect_failed[NKINDS];

/* Milliseconds of CLOCK_MONOTONIC */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print usage and exit */
static void
usage(void)
{
	fprintf(stderr, "usage: hostile --target MADDR[,MADDR...] [--conns N] [--batch N] "
			"[--idle N] [--full N] [--wait-ms MS]\n");
	exit(2);
}

/* Parse /ip4/A/tcp/P[/p2p/ID] into a target; 0 or -1 */
static int
parse_target(const char *s, target *t)
{
	char		ip[64];
	unsigned	port;

	if (strlen(s) >= sizeof(t->text) ||
		sscanf(s, "/ip4/%63[0-9.]/tcp/%u", ip, &port) != 2 || port == 0 || port > 65535)
		return -1;
	snprintf(t->text, sizeof(t->text), "%s", s);
	memset(&t->sa, 0, sizeof(t->sa));
	t->sa.sin_family = AF_INET;
	t->sa.sin_port = htons((uint16_t) port);
	if (inet_pton(AF_INET, ip, &t->sa.sin_addr) != 1)
		return -1;
	t->ma_len = hy_multiaddr_parse(s, strlen(s), t->ma, sizeof(t->ma));
	return t->ma_len < 0 ? -1 : 0;
}

/* Start a non-blocking connect; fd or -1 */
static int
open_conn(const target *t)
{
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *) &t->sa, sizeof(t->sa)) < 0 &&
		errno != EINPROGRESS)
	{
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait (bounded) until a non-blocking connect finished; 0 when connected */
static int
wait_connected(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd,.events = POLLOUT};
	int			err = 0;
	socklen_t	len = sizeof(err);

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		return -1;
	return 0;
}

/* The payload of one hostile connection of a kind; its length */
static size_t
payload(int kind, uint8_t *buf, size_t cap)
{
	static const char ms[] = "\x13/multistream/1.0.0\n";
	static const char noise[] = "\x07/noise\n";
	size_t		n = 0;

	switch (kind)
	{
		case 0:
			n = 1 + randombytes_uniform(4096);
			n = n > cap ? cap : n;
			randombytes_buf(buf, n);
			break;
		case 1:
			n = 17;
			memcpy(buf, ms, n);
			break;
		case 2:
		case 4:
			memcpy(buf, ms, sizeof(ms) - 1);
			n = sizeof(ms) - 1;
			memcpy(buf + n, noise, sizeof(noise) - 1);
			n += sizeof(noise) - 1;
			if (kind == 2)
			{
				/*
				 * Noise messages of random bytes: the first passes as an
				 * ephemeral key (any 32 bytes do), the second cannot
				 * decrypt as the third handshake message
				 */
				size_t		m = 32 + randombytes_uniform(200);

				buf[n++] = 0;
				buf[n++] = 32;
				randombytes_buf(buf + n, 32);
				n += 32;
				buf[n++] = (uint8_t) (m >> 8);
				buf[n++] = (uint8_t) m;
				randombytes_buf(buf + n, m);
				n += m;
			}
			else
			{
				/* a frame announcing 65535 bytes, carrying 64 */
				buf[n++] = 0xff;
				buf[n++] = 0xff;
				randombytes_buf(buf + n, 64);
				n += 64;
			}
			break;
		case 3:
			{
				/* varint 0xffffffff0 (~2^36), then some bytes */
				static const uint8_t big[] = {0xf0, 0xff, 0xff, 0xff, 0xff, 0x01};

				memcpy(buf, big, sizeof(big));
				n = sizeof(big);
				memcpy(buf + n, "/multistream/1.0.0\n", 19);
				n += 19;
			}
			break;
	}
	return n;
}

/* One batch of raw connections: connect, send, wait for the close */
static void
raw_batch(const target *t, int count, int *kind_next, int wait_ms)
{
	struct pollfd pfd[MAX_BATCH];
	int			kinds[MAX_BATCH];
	uint8_t		buf[4400],
				rb[4096];
	int			n = 0;
	long long	deadline;

	for (int i = 0; i < count && i < MAX_BATCH; i++)
	{
		int			k = (*kind_next)++ % NKINDS;
		int			fd = open_conn(t);

		sent[k]++;
		if (fd < 0)
		{
			connect_failed[k]++;
			continue;
		}
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		kinds[n] = k;
		n++;
	}
	for (int i = 0; i < n; i++)
	{
		size_t		len;

		if (wait_connected(pfd[i].fd, 2000) < 0)
		{
			connect_failed[kinds[i]]++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			continue;
		}
		len = payload(kinds[i], buf, sizeof(buf));
		/* a short or failed write is fine: the peer may already have closed */
		if (send(pfd[i].fd, buf, len, MSG_NOSIGNAL) < 0)
			(void) 0;
	}
	deadline = now_ms() + wait_ms;
	for (;;)
	{
		long long	left = deadline - now_ms();
		int			open = 0;

		for (int i = 0; i < n; i++)
			open += pfd[i].fd >= 0;
		if (open == 0 || left <= 0)
			break;
		if (poll(pfd, (nfds_t) n, (int) left) <= 0)
			continue;
		for (int i = 0; i < n; i++)
		{
			ssize_t		r;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(pfd[i].fd, rb, sizeof(rb), 0);
			if (r <= 0 && !(r < 0 && (errno == EAGAIN || errno == EINTR)))
			{
				closed_by_peer[kinds[i]]++;
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
		{
			still_open[kinds[i]]++;
			close(pfd[i].fd);
		}
}

/* State of one fully upgraded hostile connection */
typedef struct full_conn
{
	int			kind;
	int			streams_opened;
	int			streams_refused;
	int			done;
	hy_conn_reason reason;
} full_conn;

static int full_live;
static hy_loop *full_loop;

/* A flood stream was negotiated: keep it open */
static int
flood_open(hy_stream *s, void **user)
{
	full_conn  *fc = *user;

	(void) s;
	fc->streams_opened++;
	return 0;
}

/* A flood stream ended */
static void
flood_close(hy_stream *s, void *user, int reset)
{
	full_conn  *fc = user;

	(void) s;
	if (reset)
		fc->streams_refused++;
}

static const hy_proto_handler flood_handler = {
	.protocol = "/ipfs/kad/1.0.0",
	.on_open = flood_open,
	.on_close = flood_close,
};

/* Queue a raw yamux header (inside Noise) on a connection */
static void
send_ymx(hy_conn *c, uint8_t type, uint16_t flags, uint32_t id, uint32_t len)
{
	hy_ymx_hdr	h = {.version = HY_YMX_VERSION,.type = type,.flags = flags,
	.stream_id = id,.length = len};
	uint8_t		b[HY_YMX_HDR_LEN];

	hy_ymx_hdr_put(&h, b);
	(void) hy_conn_send_plain(c, b, sizeof(b));
}

/* Upgraded: misbehave according to the connection's kind */
static void
full_ready(hy_conn *c, void *arg)
{
	full_conn  *fc = hy_conn_user(c);
	uint8_t		junk[512];

	(void) arg;
	if (!fc)
		return;
	switch (fc->kind)
	{
		case 0:
			for (int i = 0; i < 2 * HY_YMX_MAX_STREAMS; i++)
				if (!hy_conn_open_stream(c, &flood_handler, fc))
					break;
			/* raw SYNs beyond any limit, ids far above ours */
			for (uint32_t i = 0; i < RAW_SYNS; i++)
				send_ymx(c, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, 0x10000001u + 2 * i, 0);
			break;
		case 1:
			send_ymx(c, HY_YMX_DATA, HY_YMX_SYN, 0x7ffffff1u, 16u << 20);
			randombytes_buf(junk, sizeof(junk));
			(void) hy_conn_send_plain(c, junk, sizeof(junk));
			break;
		case 2:
			/* a well-framed Noise transport message that cannot decrypt */
			randombytes_buf(junk, sizeof(junk));
			junk[0] = (uint8_t) ((sizeof(junk) - 2) >> 8);
			junk[1] = (uint8_t) (sizeof(junk) - 2);
			(void) hy_conn_send_raw(c, junk, sizeof(junk));
			break;
	}
}

/* A full connection ended */
static void
full_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	full_conn  *fc = hy_conn_user(c);

	(void) arg;
	if (fc && !fc->done)
	{
		fc->done = 1;
		fc->reason = reason;
		if (--full_live == 0)
			hy_loop_stop(full_loop);
	}
}

/* Deadline of the full phase */
static void
full_deadline(hy_loop *loop, void *arg)
{
	(void) arg;
	hy_loop_stop(loop);
}

/* The full phase against every target */
static void
full_phase(const target *tg, int ntargets, int per_kind)
{
	static full_conn fcs[MAX_TARGETS * FULL_KINDS * FULL_MAX];
	hy_keypair	kp;
	hy_host_config cfg;
	hy_host_cbs cbs = {0};
	hy_host    *host;
	hy_timer	t;
	uint8_t		seed[32];
	int			n = 0;

	randombytes_buf(seed, sizeof(seed));
	hy_keypair_from_seed(&kp, seed);
	full_loop = hy_loop_new();
	if (!full_loop)
		return;
	hy_host_config_init(&cfg, &kp);
	cfg.identify_on_connect = 0;
	cbs.conn_ready = full_ready;
	cbs.conn_closed = full_closed;
	host = hy_host_new(full_loop, &cfg, &cbs, NULL);
	if (!host)
	{
		hy_loop_free(full_loop);
		return;
	}
	for (int ti = 0; ti < ntargets; ti++)
		for (int k = 0; k < FULL_KINDS; k++)
			for (int j = 0; j < per_kind; j++)
			{
				full_conn  *fc = &fcs[n];
				hy_conn    *c;
				int			err = 0;

				memset(fc, 0, sizeof(*fc));
				fc->kind = k;
				c = hy_host_dial(host, tg[ti].ma, (size_t) tg[ti].ma_len, NULL, &err);
				if (!c)
					continue;
				hy_conn_set_user(c, fc);
				full_live++;
				n++;
			}
	hy_timer_init(&t, full_deadline, NULL);
	hy_timer_start(full_loop, &t, FULL_DEADLINE_MS);
	if (full_live > 0)
		hy_loop_run(full_loop);
	hy_timer_stop(full_loop, &t);
	for (int k = 0; k < FULL_KINDS; k++)
	{
		long		conns = 0,
					open = 0,
					opened = 0,
					refused = 0;
		long		by[HY_REASON_COUNT] = {0};

		for (int i = 0; i < n; i++)
		{
			if (fcs[i].kind != k)
				continue;
			conns++;
			opened += fcs[i].streams_opened;
			refused += fcs[i].streams_refused;
			if (fcs[i].done)
				by[fcs[i].reason]++;
			else
				open++;
		}
		printf("FULL %s conns=%ld streams_opened=%ld streams_refused=%ld still_open=%ld closed:",
			   full_name[k], conns, opened, refused, open);
		for (int r = 0; r < HY_REASON_COUNT; r++)
			if (by[r])
				printf(" %s=%ld", hy_conn_reason_name((hy_conn_reason) r), by[r]);
		printf("\n");
	}
	/* stop the callbacks from touching state while the host closes */
	full_live = -1000000;
	hy_host_free(host);
	hy_loop_free(full_loop);
}

/* Entry point */
int
main(int argc, char **argv)
{
	static target tg[MAX_TARGETS];
	static int	idle_fd[MAX_IDLE];
	int			ntargets = 0,
				conns = 2000,
				batch = 20,
				idle = 30,
				full = 4,
				wait_ms = 200,
				nidle = 0,
				kind_next = 0,
				idle_open = 0;
	long long	t0;
	char	   *list = NULL;

	for (int i = 1; i + 1 < argc; i += 2)
	{
		const char *a = argv[i],
				   *v = argv[i + 1];

		if (strcmp(a, "--target") == 0)
			list = strdup(v);
		else if (strcmp(a, "--conns") == 0)
			conns = atoi(v);
		else if (strcmp(a, "--batch") == 0)
			batch = atoi(v);
		else if (strcmp(a, "--idle") == 0)
			idle = atoi(v);
		else if (strcmp(a, "--full") == 0)
			full = atoi(v);
		else if (strcmp(a, "--wait-ms") == 0)
			wait_ms = atoi(v);
		else
			usage();
	}
	if (argc % 2 != 1 || !list || conns < 0 || conns > 100000 || batch < 1 ||
		batch > MAX_BATCH || idle < 0 || idle > MAX_IDLE || full < 0 || full > FULL_MAX ||
		wait_ms < 0 || wait_ms > 10000)
		usage();
	for (char *save = NULL, *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save))
	{
		if (ntargets == MAX_TARGETS || parse_target(s, &tg[ntargets]) < 0)
			usage();
		ntargets++;
	}
	free(list);
	if (ntargets == 0 || sodium_init() < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ms();

	/* slowloris: connections that never send, spread over the targets */
	for (int i = 0; i < idle; i++)
	{
		int			fd = open_conn(&tg[i % ntargets]);

		if (fd >= 0 && wait_connected(fd, 2000) == 0)
			idle_fd[nidle++] = fd;
		else if (fd >= 0)
			close(fd);
	}
	printf("IDLE opened=%d\n", nidle);
	fflush(stdout);

	/* raw phase, round-robin over the targets */
	for (int done = 0, ti = 0; done < conns; ti = (ti + 1) % ntargets)
	{
		int			b = conns - done < batch ? conns - done : batch;

		raw_batch(&tg[ti], b, &kind_next, wait_ms);
		done += b;
	}
	for (int k = 0; k < NKINDS; k++)
		printf("RAW %s sent=%ld closed_by_peer=%ld still_open=%ld connect_failed=%ld\n",
			   kind_name[k], sent[k], closed_by_peer[k], still_open[k], connect_failed[k]);
	fflush(stdout);

	full_phase(tg, ntargets, full);
	fflush(stdout);

	/* the slowloris connections: still open, or closed by the listener? */
	for (int i = 0; i < nidle; i++)
	{
		uint8_t		b;
		ssize_t		r = recv(idle_fd[i], &b, 1, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			idle_open++;
		close(idle_fd[i]);
	}
	printf("IDLE still_open=%d closed_by_peer=%d\n", idle_open, nidle - idle_open);
	printf("DONE seconds=%lld\n", (now_ms() - t0 + 500) / 1000);
	return 0;
}
