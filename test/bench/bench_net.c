/*
 * bench_net.c — network stack figures on loopback, single thread:
 *   ping round trips per second on one connection (one stream),
 *   yamux throughput on one stream (Noise + yamux, both ends in-process),
 *   memory per idle upgraded connection (RSS delta of the listening
 *   process over N connections dialed from a forked child).
 *
 * Usage: bench_net [--pings N] [--mbytes N] [--conns N]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "net/conn.h"
#include "net/ping.h"

static hy_loop *L;
static int	n_ready,
			n_ident,
			ping_done;
static uint64_t ping_rtt;
static size_t sink_bytes,
			src_sent,
			src_total;
static int	sink_eof;

/* Seconds from a monotonic clock */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Resident set size in KiB */
static long
rss_kib(void)
{
	long		pages = 0,
				rss = 0;
	FILE	   *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Host callbacks */
static void
cb_ready(hy_conn *c, void *arg)
{
	(void) c;
	(void) arg;
	n_ready++;
}

/* Identify done */
static void
cb_ident(hy_conn *c, int ok, void *arg)
{
	(void) c;
	(void) arg;
	if (ok)
		n_ident++;
}

/* Ping done */
static void
cb_ping(hy_conn *c, int err, uint64_t rtt, void *arg)
{
	(void) c;
	(void) arg;
	ping_done = err == 0 ? 1 : -1;
	ping_rtt = rtt;
}

/* Run until *flag reaches want */
static void
run_until(int *flag, int want)
{
	while (*flag < want && *flag >= 0)
		hy_loop_run_once(L, 50);
}

/* Sink handler */
static int
sink_open(hy_stream *s, void **u)
{
	(void) s;
	(void) u;
	return 0;
}

/* Sink data */
static int
sink_data(hy_stream *s, void *u, const uint8_t *p, size_t n)
{
	(void) s;
	(void) u;
	(void) p;
	sink_bytes += n;
	return 0;
}

/* Sink EOF */
static void
sink_eof_cb(hy_stream *s, void *u)
{
	(void) u;
	sink_eof = 1;
	hy_stream_close(s);
}

static const hy_proto_handler sink = {
	.protocol = "/bench/sink/1.0.0",
	.on_open = sink_open,
	.on_data = sink_data,
	.on_eof = sink_eof_cb,
};

/* Source: write while the window allows */
static void
src_pump(hy_stream *s)
{
	static uint8_t chunk[65536];

	while (src_sent < src_total)
	{
		size_t		k = src_total - src_sent;
		int			n;

		if (k > sizeof(chunk))
			k = sizeof(chunk);
		n = hy_stream_write(s, chunk, k);
		if (n <= 0)
			return;
		src_sent += (size_t) n;
	}
	hy_stream_close(s);
}

/* Source open */
static int
src_open(hy_stream *s, void **u)
{
	(void) u;
	src_pump(s);
	return 0;
}

/* Source writable */
static void
src_writable(hy_stream *s, void *u)
{
	(void) u;
	src_pump(s);
}

static const hy_proto_handler source = {
	.protocol = "/bench/sink/1.0.0",
	.on_open = src_open,
	.on_writable = src_writable,
};

/* Build /ip4/127.0.0.1/tcp/port/p2p/id */
static int
target(const hy_keypair *kp, uint16_t port, uint8_t *ma, size_t cap)
{
	char		pid[HY_PEER_ID_TEXT_MAX],
				text[256];

	hy_peerid_format(kp->peer_id, kp->peer_id_len, pid, sizeof(pid));
	snprintf(text, sizeof(text), "/ip4/127.0.0.1/tcp/%u/p2p/%s", port, pid);
	return hy_multiaddr_parse(text, strlen(text), ma, cap);
}

/* Ping and throughput on one connection */
static void
bench_one_conn(int pings, int mbytes)
{
	hy_keypair	ka,
				kb;
	uint8_t		sa[32] = {1},
				sb[32] = {2},
				ma[256];
	hy_host_config cfg;
	hy_host_cbs cbs = {cb_ready, cb_ident, NULL, NULL};
	hy_host    *a,
			   *b;
	hy_conn    *c;
	uint16_t	port;
	int			n,
				err;
	double		t0,
				t1;

	L = hy_loop_new();
	hy_keypair_from_seed(&ka, sa);
	hy_keypair_from_seed(&kb, sb);
	hy_host_config_init(&cfg, &ka);
	a = hy_host_new(L, &cfg, &cbs, NULL);
	hy_host_add_handler(a, &sink);
	hy_host_config_init(&cfg, &kb);
	b = hy_host_new(L, &cfg, &cbs, NULL);
	hy_host_listen(a, "127.0.0.1", 0, &port);
	n = target(&ka, port, ma, sizeof(ma));
	c = hy_host_dial(b, ma, (size_t) n, NULL, &err);
	run_until(&n_ident, 2);

	t0 = now_s();
	hy_ping(c, pings, cb_ping, NULL);
	run_until(&ping_done, 1);
	t1 = now_s();
	printf("ping: %d round trips on one stream in %.3f s = %.0f round trips/s (mean rtt %llu us)\n",
		   pings, t1 - t0, pings / (t1 - t0), (unsigned long long) ping_rtt);

	src_total = (size_t) mbytes * 1024 * 1024;
	t0 = now_s();
	hy_conn_open_stream(c, &source, NULL);
	run_until(&sink_eof, 1);
	t1 = now_s();
	printf("yamux: %d MiB on one stream in %.3f s = %.1f MB/s (Noise both ends, one thread; received %zu bytes)\n",
		   mbytes, t1 - t0, (double) sink_bytes / 1e6 / (t1 - t0), sink_bytes);
	hy_host_free(b);
	hy_host_free(a);
	hy_loop_free(L);
}

/* Child: dial n connections and keep them open until killed */
static void
child_dialer(int rfd, int wfd, int nconns)
{
	hy_keypair	ka,
				kb;
	uint8_t		sa[32] = {3},
				sb[32] = {4},
				ma[256];
	uint16_t	port;
	hy_host_config cfg;
	hy_host_cbs cbs = {cb_ready, cb_ident, NULL, NULL};
	hy_host    *b;
	int			n,
				err,
				started = 0;
	char		x = 'r';

	if (read(rfd, &port, sizeof(port)) != sizeof(port))
		_exit(1);
	hy_keypair_from_seed(&ka, sa);
	hy_keypair_from_seed(&kb, sb);
	L = hy_loop_new();
	hy_host_config_init(&cfg, &kb);
	cfg.max_conns = nconns + 16;
	cfg.idle_timeout_ms = -1;
	b = hy_host_new(L, &cfg, &cbs, NULL);
	n = target(&ka, port, ma, sizeof(ma));
	n_ident = 0;
	while (n_ident < nconns)
	{
		/* at most 64 handshakes in flight */
		while (started < nconns && started - n_ident < 64)
		{
			if (hy_host_dial(b, ma, (size_t) n, NULL, &err))
				started++;
			else
				break;
		}
		hy_loop_run_once(L, 10);
	}
	if (write(wfd, &x, 1) != 1)
		_exit(1);
	for (;;)
		hy_loop_run_once(L, 1000);
}

/* Memory per idle connection, measured in the listening process */
static void
bench_idle_memory(int nconns)
{
	int			p2c[2],
				c2p[2];
	pid_t		pid;
	hy_keypair	ka;
	uint8_t		sa[32] = {3};
	hy_host_config cfg;
	hy_host_cbs cbs = {cb_ready, cb_ident, NULL, NULL};
	hy_host    *a;
	uint16_t	port;
	long		before,
				after;
	char		x;
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (pipe(p2c) < 0 || pipe(c2p) < 0)
		return;
	pid = fork();
	if (pid == 0)
		child_dialer(p2c[0], c2p[1], nconns);
	hy_keypair_from_seed(&ka, sa);
	L = hy_loop_new();
	hy_host_config_init(&cfg, &ka);
	cfg.max_conns = nconns + 16;
	cfg.max_conns_per_ip = nconns + 16;
	cfg.idle_timeout_ms = -1;
	a = hy_host_new(L, &cfg, &cbs, NULL);
	hy_host_listen(a, "127.0.0.1", 0, &port);
	n_ready = n_ident = 0;
	before = rss_kib();
	if (write(p2c[1], &port, sizeof(port)) != sizeof(port))
		return;
	while (n_ident < nconns)
		hy_loop_run_once(L, 10);
	/* let the last identify streams finish and buffers drain */
	for (int i = 0; i < 50; i++)
		hy_loop_run_once(L, 10);
	if (read(c2p[0], &x, 1) != 1)
		x = 0;
	after = rss_kib();
	printf("memory: %d idle upgraded connections (identified), listener RSS +%ld KiB = %.1f KiB per connection (live %d)\n",
		   nconns, after - before, (double) (after - before) / nconns, hy_host_nconns(a));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	hy_host_free(a);
	hy_loop_free(L);
}

/* Entry point */
int
main(int argc, char **argv)
{
	int			pings = 20000,
				mbytes = 256,
				conns = 2000;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i + 1 < argc; i += 2)
	{
		if (strcmp(argv[i], "--pings") == 0)
			pings = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--mbytes") == 0)
			mbytes = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--conns") == 0)
			conns = atoi(argv[i + 1]);
	}
	bench_one_conn(pings, mbytes);
	n_ready = n_ident = 0;
	bench_idle_memory(conns);
	return 0;
}
