/*
 * hydra_peer.c — standalone libp2p peer on the hydra network stack, for
 * interop tests against go-libp2p and js-libp2p.
 *
 *   hydra_peer listen [--host 127.0.0.1] [--port 0] [--seed HEX64] [--kad]
 *                     [--duration SECONDS]
 *     LISTEN <multiaddr>/p2p/<id>
 *     PEER <id> identify=ok protocols=<a,b,...> agent=<agent>   (inbound)
 *     PINGED <id>
 *     STATS accepted=N handshakes_ok=N handshakes_failed=N      (at exit)
 *
 *   hydra_peer dial <multiaddr>/p2p/<id> [--count N] [--seed HEX64] [--kad]
 *     OK <id> protocols=<a,b,...> agent=<agent> rtt_us=<n>   or   FAIL <reason>
 *     RESULT ok=N fail=M            (exit status 0 iff every dial succeeded)
 *
 * --kad only adds /ipfs/kad/1.0.0 to the protocols identify announces;
 * there is no kad handler here, so streams proposing it get "na".
 */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "net/conn.h"
#include "net/ping.h"
#include "net/tcp.h"

#define KAD_PROTOCOL "/ipfs/kad/1.0.0"
#define DIAL_STEP_TIMEOUT_MS 15000

static const char *const kad_announce[] = {KAD_PROTOCOL};

typedef struct peer_app
{
	hy_loop    *loop;
	hy_host    *host;
	int			dial_mode;
	/* dial mode */
	uint8_t		target[HY_MULTIADDR_MAX];
	int			target_len;
	int			count;
	int			attempt;
	int			ok;
	int			fail;
	hy_conn    *cur;
	int			cur_done;
	hy_timer	step_timer;
} peer_app;

/* Print usage and exit 2 */
static void
usage(void)
{
	fprintf(stderr,
			"usage: hydra_peer listen [--host IP] [--port N] [--seed HEX64] [--kad] [--duration S]\n"
			"       hydra_peer dial <multiaddr/p2p/id> [--count N] [--seed HEX64] [--kad]\n");
	exit(2);
}

/* Decode 64 hex characters */
static int
parse_seed(const char *hex, uint8_t seed[32])
{
	size_t		bin_len = 0;

	if (strlen(hex) != 64 ||
		sodium_hex2bin(seed, 32, hex, 64, NULL, &bin_len, NULL) != 0 || bin_len != 32)
		return -1;
	return 0;
}

/* Peer ID text of a connection */
static void
conn_peer_text(hy_conn *c, char *out, size_t cap)
{
	size_t		len;
	const uint8_t *id = hy_conn_peer_id(c, &len);

	if (!id || hy_peerid_format(id, len, out, cap) < 0)
		snprintf(out, cap, "unknown");
}

/* Listen: print identify results of inbound connections */
static void
on_identified(hy_conn *c, int ok, void *arg)
{
	char		pid[HY_PEER_ID_TEXT_MAX];
	const hy_id_info *info = hy_conn_identify(c);

	(void) arg;
	if (hy_conn_is_dialer(c))
		return;
	conn_peer_text(c, pid, sizeof(pid));
	if (ok && info)
		printf("PEER %s identify=ok protocols=%s agent=%s\n", pid,
			   info->protocols, info->agent);
	else
		printf("PEER %s identify=fail\n", pid);
	fflush(stdout);
}

/* Listen: an inbound ping stream ended */
static void
on_pinged(hy_conn *c, void *arg)
{
	char		pid[HY_PEER_ID_TEXT_MAX];

	(void) arg;
	conn_peer_text(c, pid, sizeof(pid));
	printf("PINGED %s\n", pid);
	fflush(stdout);
}

static void dial_next(peer_app *app);

/* Dial: the ping of the current connection finished */
static void
on_ping_done(hy_conn *c, int err, uint64_t rtt_us, void *arg)
{
	peer_app   *app = arg;
	char		pid[HY_PEER_ID_TEXT_MAX];
	const hy_id_info *info = hy_conn_identify(c);

	if (c != app->cur || app->cur_done)
		return;
	app->cur_done = 1;
	if (err < 0 || !info)
	{
		app->fail++;
		printf("FAIL ping: %s\n", hy_net_strerror(err));
	}
	else
	{
		conn_peer_text(c, pid, sizeof(pid));
		app->ok++;
		printf("OK %s protocols=%s agent=%s rtt_us=%llu\n", pid, info->protocols,
			   info->agent, (unsigned long long) rtt_us);
	}
	fflush(stdout);
	hy_conn_close(c);
}

/* Dial: identify done, start the ping */
static void
dial_identified(hy_conn *c, int ok, void *arg)
{
	peer_app   *app = arg;

	if (!app->dial_mode)
	{
		on_identified(c, ok, arg);
		return;
	}
	if (c != app->cur || app->cur_done)
		return;
	if (!ok || !hy_conn_identify(c))
	{
		app->cur_done = 1;
		app->fail++;
		printf("FAIL identify\n");
		fflush(stdout);
		hy_conn_close(c);
		return;
	}
	if (hy_ping(c, 1, on_ping_done, app) < 0)
	{
		app->cur_done = 1;
		app->fail++;
		printf("FAIL ping: cannot open stream\n");
		fflush(stdout);
		hy_conn_close(c);
	}
}

/* A connection ended: in dial mode move on to the next attempt */
static void
on_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	peer_app   *app = arg;

	if (!app->dial_mode || c != app->cur)
		return;
	if (!app->cur_done)
	{
		app->fail++;
		printf("FAIL %s\n", hy_conn_reason_name(reason));
		fflush(stdout);
	}
	app->cur = NULL;
	hy_timer_stop(app->loop, &app->step_timer);
	dial_next(app);
}

/* Dial: the current attempt took too long */
static void
on_step_timeout(hy_loop *loop, void *arg)
{
	peer_app   *app = arg;

	(void) loop;
	if (app->cur && !app->cur_done)
	{
		app->cur_done = 1;
		app->fail++;
		printf("FAIL timeout\n");
		fflush(stdout);
		hy_conn_close(app->cur);
	}
}

/* Dial: start the next connection or stop */
static void
dial_next(peer_app *app)
{
	int			err = 0;

	while (app->attempt < app->count)
	{
		app->attempt++;
		app->cur_done = 0;
		app->cur = hy_host_dial(app->host, app->target, (size_t) app->target_len,
								NULL, &err);
		if (app->cur)
		{
			hy_timer_start(app->loop, &app->step_timer, DIAL_STEP_TIMEOUT_MS);
			return;
		}
		app->fail++;
		printf("FAIL dial: %s\n", hy_net_strerror(err));
		fflush(stdout);
	}
	hy_loop_stop(app->loop);
}

/* SIGTERM / SIGINT arrived */
static void
on_signal(hy_loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;

	(void) events;
	(void) arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		;
	hy_loop_stop(loop);
}

/* --duration elapsed */
static void
on_duration(hy_loop *loop, void *arg)
{
	(void) arg;
	hy_loop_stop(loop);
}

/* Entry point */
int
main(int argc, char **argv)
{
	peer_app	app;
	hy_keypair	kp;
	hy_host_config cfg;
	hy_host_cbs cbs;
	uint8_t		seed[32];
	const char *host_ip = "127.0.0.1";
	const char *target = NULL;
	int			port = 0,
				kad = 0,
				have_seed = 0;
	long		duration = 0;
	sigset_t	mask;
	int			sfd;
	hy_timer	dur_timer;

	if (argc < 2)
		usage();
	memset(&app, 0, sizeof(app));
	app.count = 1;
	if (strcmp(argv[1], "dial") == 0)
	{
		app.dial_mode = 1;
		if (argc < 3)
			usage();
		target = argv[2];
	}
	else if (strcmp(argv[1], "listen") != 0)
		usage();
	for (int i = app.dial_mode ? 3 : 2; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--kad") == 0)
			kad = 1;
		else if (strcmp(a, "--host") == 0 && v)
			host_ip = argv[++i];
		else if (strcmp(a, "--port") == 0 && v)
			port = atoi(argv[++i]);
		else if (strcmp(a, "--seed") == 0 && v)
		{
			if (parse_seed(argv[++i], seed) < 0)
			{
				fprintf(stderr, "hydra_peer: --seed needs 64 hex characters\n");
				return 2;
			}
			have_seed = 1;
		}
		else if (strcmp(a, "--duration") == 0 && v)
			duration = atol(argv[++i]);
		else if (strcmp(a, "--count") == 0 && v)
			app.count = atoi(argv[++i]);
		else
			usage();
	}
	if (port < 0 || port > 65535 || app.count < 1)
		usage();
	if (sodium_init() < 0)
		return 1;
	if (!have_seed)
		randombytes_buf(seed, sizeof(seed));
	hy_keypair_from_seed(&kp, seed);

	/* SIGPIPE would kill us on a write to a reset socket */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	app.loop = hy_loop_new();
	if (!app.loop)
		return 1;
	hy_host_config_init(&cfg, &kp);
	cfg.agent = "hydra/0.1.0";
	if (kad)
	{
		cfg.announce = kad_announce;
		cfg.nannounce = 1;
	}
	memset(&cbs, 0, sizeof(cbs));
	cbs.conn_identified = dial_identified;
	cbs.pinged = on_pinged;
	cbs.conn_closed = on_closed;
	app.host = hy_host_new(app.loop, &cfg, &cbs, &app);
	if (!app.host)
	{
		fprintf(stderr, "hydra_peer: cannot create host\n");
		return 1;
	}
	if (sfd >= 0)
		hy_loop_add_fd(app.loop, sfd, HY_EV_READ, on_signal, &app);
	hy_timer_init(&app.step_timer, on_step_timeout, &app);

	if (app.dial_mode)
	{
		const uint8_t *id = NULL;
		size_t		idlen = 0;

		app.target_len = hy_multiaddr_parse(target, strlen(target), app.target,
											sizeof(app.target));
		if (app.target_len < 0 ||
			hy_multiaddr_strip_p2p(app.target, (size_t) app.target_len, &id, &idlen) < 0 ||
			idlen == 0)
		{
			fprintf(stderr, "hydra_peer: need a multiaddr ending in /p2p/<id>\n");
			return 2;
		}
		dial_next(&app);
		if (app.attempt < app.count || app.cur)
			hy_loop_run(app.loop);
		printf("RESULT ok=%d fail=%d\n", app.ok, app.fail);
		fflush(stdout);
		hy_host_free(app.host);
		hy_loop_free(app.loop);
		return app.fail == 0 && app.ok == app.count ? 0 : 1;
	}
	else
	{
		uint16_t	bound = 0;
		struct sockaddr_storage ss;
		socklen_t	sl;
		uint8_t		ma[64];
		char		text[256],
					pid[HY_PEER_ID_TEXT_MAX];
		int			n,
					rc;
		const hy_net_stats *st;

		rc = hy_host_listen(app.host, host_ip, (uint16_t) port, &bound);
		if (rc < 0)
		{
			fprintf(stderr, "hydra_peer: listen %s:%d: %s\n", host_ip, port,
					hy_net_strerror(rc));
			return 1;
		}
		if (hy_tcp_sockaddr_from_text(host_ip, bound, &ss, &sl) < 0 ||
			(n = hy_tcp_sockaddr_to_multiaddr((struct sockaddr *) &ss, ma, sizeof(ma))) < 0 ||
			hy_multiaddr_format(ma, (size_t) n, text, sizeof(text)) < 0 ||
			hy_peerid_format(kp.peer_id, kp.peer_id_len, pid, sizeof(pid)) < 0)
			return 1;
		printf("LISTEN %s/p2p/%s\n", text, pid);
		fflush(stdout);
		hy_timer_init(&dur_timer, on_duration, &app);
		if (duration > 0)
			hy_timer_start(app.loop, &dur_timer, (uint64_t) duration * 1000);
		hy_loop_run(app.loop);
		st = hy_host_stats(app.host);
		printf("STATS accepted=%llu handshakes_ok=%llu handshakes_failed=%llu\n",
			   (unsigned long long) st->accepted,
			   (unsigned long long) st->handshakes_ok,
			   (unsigned long long) st->handshakes_failed);
		fflush(stdout);
		hy_timer_stop(app.loop, &dur_timer);
		hy_host_free(app.host);
		hy_loop_free(app.loop);
		return 0;
	}
}
