/*
 * kad_probe.c — sends hand-built Kademlia requests to one DHT server over
 * its own connection (fresh Ed25519 identity, /ipfs/kad/1.0.0), to test
 * server rules that well-behaved clients never exercise.
 *
 *   kad_probe add-provider --target MADDR --key-cid CID [--provider-peer ID]
 *     ADD_PROVIDER(multihash of CID) whose providerPeers entry names us (or
 *     ID, a forgery), then GET_PROVIDERS(CID) on the same connection (so
 *     the server has handled the first request when the answer comes).
 *   kad_probe get-providers --target MADDR --key-cid CID
 *   kad_probe bad-key --target MADDR --len N [--type get-providers|find-node|get-value]
 *     a request whose key has N bytes (0: empty), then FIND_NODE(own id)
 *     on a new stream of the same connection: the server must not answer
 *     the first and must answer the second.
 *
 * Output lines: SELF <id>; SENT <type> ...; PROVIDER <id> per provider
 * peer; PROVIDERS <n>; NOANSWER <reason> / ANSWER <type> for bad-key;
 * ALIVE closer=<n>; then RESULT ok=1 fail=0 or FAIL <why> and RESULT
 * ok=0 fail=1.  Every step is bounded (10 s per request, 30 s in all).
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cid.h"
#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "dht/client.h"
#include "dht/kad_msg.h"
#include "net/conn.h"
#include "net/limits.h"
#include "net/loop.h"

#define PROBE_KEY_MAX 256
#define PROBE_TOTAL_MS 30000

typedef enum
{
	CMD_ADD_PROVIDER,
	CMD_GET_PROVIDERS,
	CMD_BAD_KEY
} probe_cmd;

typedef struct probe
{
	probe_cmd	cmd;
	hy_loop    *loop;
	hy_kad_client *kc;
	const hy_keypair *kp;
	uint8_t		key[PROBE_KEY_MAX];
	size_t		key_len;
	uint8_t		prov[HY_PEER_ID_MAX];
	size_t		prov_len;
	int			bad_type;
	int			started;
	int			done;
	int			ok;
} probe;

/* Print usage and exit */
static void
usage(void)
{
	fprintf(stderr,
			"usage: kad_probe add-provider --target MADDR --key-cid CID [--provider-peer ID]\n"
			"       kad_probe get-providers --target MADDR --key-cid CID\n"
			"       kad_probe bad-key --target MADDR --len N [--type get-providers|find-node|get-value]\n");
	exit(2);
}

/* Text form of a peer ID, or "invalid" */
static const char *
pid_text(const uint8_t *id, size_t len, char *buf, size_t cap)
{
	if (!id || hy_peerid_format(id, len, buf, cap) < 0)
		snprintf(buf, cap, "invalid");
	return buf;
}

/* Finish: print the result line once and stop the loop */
static void
finish(probe *p, int ok, const char *why)
{
	if (p->done)
		return;
	p->done = 1;
	p->ok = ok;
	if (!ok)
		printf("FAIL %s\n", why);
	printf("RESULT ok=%d fail=%d\n", ok ? 1 : 0, ok ? 0 : 1);
	fflush(stdout);
	hy_loop_stop(p->loop);
}

/* A request of a type with the probe's key */
static void
request_init(hy_kad_message *m, int type, const uint8_t *key, size_t key_len)
{
	hy_kad_message init = HY__KAD__MESSAGE__INIT;

	*m = init;
	m->has_type = 1;
	m->type = type;
	m->has_key = 1;
	m->key.data = (uint8_t *) key;
	m->key.len = key_len;
}

/* Print the provider peers of an answer */
static void
print_providers(const hy_kad_message *resp)
{
	char		pid[HY_PEER_ID_TEXT_MAX];

	for (size_t i = 0; i < resp->n_providerpeers; i++)
	{
		const hy_kad_peer *pp = resp->providerpeers[i];

		printf("PROVIDER %s\n", pid_text(pp->has_id ? pp->id.data : NULL,
										 pp->id.len, pid, sizeof(pid)));
	}
	printf("PROVIDERS %zu\n", resp->n_providerpeers);
}

/* GET_PROVIDERS answered */
static void
on_providers(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	probe	   *p = arg;
	char		why[128];

	(void) c;
	if (err < 0 || !resp)
	{
		snprintf(why, sizeof(why), "get_providers: %s", hy_net_strerror(err));
		finish(p, 0, why);
		return;
	}
	print_providers(resp);
	finish(p, 1, NULL);
}

/* Send GET_PROVIDERS for the probe's key */
static void
send_get_providers(probe *p, hy_conn *c)
{
	hy_kad_message m;

	request_init(&m, HY_KAD_GET_PROVIDERS, p->key, p->key_len);
	if (hy_kad_request(p->kc, c, &m, on_providers, p) < 0)
		finish(p, 0, "cannot send GET_PROVIDERS");
}

/* ADD_PROVIDER written; ask for the providers on the same connection */
static void
on_add_sent(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	probe	   *p = arg;
	char		pid[HY_PEER_ID_TEXT_MAX];
	char		why[128];

	(void) resp;
	if (err < 0)
	{
		snprintf(why, sizeof(why), "add_provider: %s", hy_net_strerror(err));
		finish(p, 0, why);
		return;
	}
	printf("SENT ADD_PROVIDER provider=%s\n", pid_text(p->prov, p->prov_len, pid, sizeof(pid)));
	send_get_providers(p, c);
}

/* Send ADD_PROVIDER naming p->prov, with one (loopback) address */
static void
send_add_provider(probe *p, hy_conn *c)
{
	hy_kad_message m;
	hy_kad_peer pp = HY__KAD__MESSAGE__PEER__INIT;
	hy_kad_peer *ppp = &pp;
	ProtobufCBinaryData addr;
	uint8_t		ma[8] = {0x04, 127, 0, 0, 1, 0x06, 0x10, 0x01};	/* /ip4/127.0.0.1/tcp/4097 */

	pp.has_id = 1;
	pp.id.data = p->prov;
	pp.id.len = p->prov_len;
	addr.data = ma;
	addr.len = sizeof(ma);
	pp.n_addrs = 1;
	pp.addrs = &addr;
	request_init(&m, HY_KAD_ADD_PROVIDER, p->key, p->key_len);
	m.n_providerpeers = 1;
	m.providerpeers = &ppp;
	if (hy_kad_request(p->kc, c, &m, on_add_sent, p) < 0)
		finish(p, 0, "cannot send ADD_PROVIDER");
}

/* FIND_NODE after the bad request answered: the server still serves */
static void
on_alive(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	probe	   *p = arg;
	char		why[128];

	(void) c;
	if (err < 0 || !resp)
	{
		snprintf(why, sizeof(why), "find_node after the bad request: %s", hy_net_strerror(err));
		finish(p, 0, why);
		return;
	}
	printf("ALIVE closer=%zu\n", resp->n_closerpeers);
	finish(p, 1, NULL);
}

/* The bad request ended: it must not have been answered */
static void
on_bad_reply(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	probe	   *p = arg;
	hy_kad_message m;

	if (resp)
	{
		printf("ANSWER %s\n", hy_kad_type_name(resp->has_type ? (int) resp->type : 0));
		finish(p, 0, "the server answered a request with a bad key");
		return;
	}
	printf("NOANSWER %s\n", err == HY_NET_ERR_REFUSED ? "reset" : hy_net_strerror(err));
	if (err == HY_NET_ERR_TIMEOUT)
	{
		finish(p, 0, "the server neither answered nor reset the stream");
		return;
	}
	request_init(&m, HY_KAD_FIND_NODE, p->kp->peer_id, p->kp->peer_id_len);
	if (hy_kad_request(p->kc, c, &m, on_alive, p) < 0)
		finish(p, 0, "cannot send FIND_NODE");
}

/* Connected and identified: start the exchange */
static void
on_identified(hy_conn *c, int ok, void *arg)
{
	probe	   *p = arg;
	hy_kad_message m;

	if (!ok)
	{
		finish(p, 0, "identify failed");
		return;
	}
	if (p->started)
		return;
	p->started = 1;
	switch (p->cmd)
	{
		case CMD_ADD_PROVIDER:
			send_add_provider(p, c);
			break;
		case CMD_GET_PROVIDERS:
			send_get_providers(p, c);
			break;
		case CMD_BAD_KEY:
			request_init(&m, p->bad_type, p->key, p->key_len);
			printf("SENT %s key_len=%zu\n", hy_kad_type_name(p->bad_type), p->key_len);
			if (hy_kad_request(p->kc, c, &m, on_bad_reply, p) < 0)
				finish(p, 0, "cannot send the request");
			break;
	}
}

/* Connection lost before the end */
static void
on_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	probe	   *p = arg;
	char		why[128];

	(void) c;
	snprintf(why, sizeof(why), "connection closed: %s", hy_conn_reason_name(reason));
	finish(p, 0, why);
}

/* Overall deadline */
static void
on_deadline(hy_loop *loop, void *arg)
{
	(void) loop;
	finish(arg, 0, "timeout");
}

/* Entry point */
int
main(int argc, char **argv)
{
	static probe p;
	hy_keypair	kp;
	hy_host_config cfg;
	hy_host_cbs cbs = {0};
	hy_host    *host;
	hy_cid		cid;
	hy_timer	t;
	uint8_t		seed[32],
				ma[HY_MULTIADDR_MAX];
	const char *target = NULL,
			   *cidtext = NULL,
			   *provtext = NULL,
			   *type = "get-providers";
	long		badlen = -1;
	int			len,
				err = 0;
	char		pid[HY_PEER_ID_TEXT_MAX];

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "add-provider") == 0)
		p.cmd = CMD_ADD_PROVIDER;
	else if (strcmp(argv[1], "get-providers") == 0)
		p.cmd = CMD_GET_PROVIDERS;
	else if (strcmp(argv[1], "bad-key") == 0)
		p.cmd = CMD_BAD_KEY;
	else
		usage();
	for (int i = 2; i + 1 < argc; i += 2)
	{
		if (strcmp(argv[i], "--target") == 0)
			target = argv[i + 1];
		else if (strcmp(argv[i], "--key-cid") == 0)
			cidtext = argv[i + 1];
		else if (strcmp(argv[i], "--provider-peer") == 0)
			provtext = argv[i + 1];
		else if (strcmp(argv[i], "--len") == 0)
			badlen = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--type") == 0)
			type = argv[i + 1];
		else
			usage();
	}
	if (argc % 2 != 0 || !target)
		usage();
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	randombytes_buf(seed, sizeof(seed));
	hy_keypair_from_seed(&kp, seed);
	p.kp = &kp;
	if (p.cmd == CMD_BAD_KEY)
	{
		if (badlen < 0 || badlen > PROBE_KEY_MAX)
			usage();
		if (strcmp(type, "get-providers") == 0)
			p.bad_type = HY_KAD_GET_PROVIDERS;
		else if (strcmp(type, "find-node") == 0)
			p.bad_type = HY_KAD_FIND_NODE;
		else if (strcmp(type, "get-value") == 0)
			p.bad_type = HY_KAD_GET_VALUE;
		else
			usage();
		/* "/ipns/" then 'k': a plausible key, just too long (or empty) */
		for (long i = 0; i < badlen; i++)
			p.key[i] = i < 6 ? (uint8_t) "/ipns/"[i] : 'k';
		p.key_len = (size_t) badlen;
	}
	else
	{
		if (!cidtext || hy_cid_parse(cidtext, strlen(cidtext), &cid) != HY_OK ||
			cid.mh_len > sizeof(p.key))
			usage();
		memcpy(p.key, cid.mh, cid.mh_len);
		p.key_len = cid.mh_len;
	}
	if (provtext)
	{
		len = hy_peerid_parse(provtext, strlen(provtext), p.prov, sizeof(p.prov));
		if (len < 0)
			usage();
		p.prov_len = (size_t) len;
	}
	else
	{
		memcpy(p.prov, kp.peer_id, kp.peer_id_len);
		p.prov_len = kp.peer_id_len;
	}
	len = hy_multiaddr_parse(target, strlen(target), ma, sizeof(ma));
	if (len < 0)
		usage();
	printf("SELF %s\n", pid_text(kp.peer_id, kp.peer_id_len, pid, sizeof(pid)));
	fflush(stdout);

	p.loop = hy_loop_new();
	hy_host_config_init(&cfg, &kp);
	cbs.conn_identified = on_identified;
	cbs.conn_closed = on_closed;
	host = p.loop ? hy_host_new(p.loop, &cfg, &cbs, &p) : NULL;
	p.kc = p.loop ? hy_kad_client_new(p.loop, "/ipfs/kad/1.0.0", HY_KAD_REQUEST_TIMEOUT_MS) : NULL;
	if (!host || !p.kc || !hy_host_dial(host, ma, (size_t) len, NULL, &err))
	{
		printf("FAIL dial: %s\nRESULT ok=0 fail=1\n", hy_net_strerror(err));
		return 1;
	}
	hy_timer_init(&t, on_deadline, &p);
	hy_timer_start(p.loop, &t, PROBE_TOTAL_MS);
	hy_loop_run(p.loop);
	hy_timer_stop(p.loop, &t);
	/* closing the host may still report the connection; the result is out */
	p.done = 1;
	hy_host_free(host);
	hy_kad_client_free(p.kc);
	hy_loop_free(p.loop);
	return p.ok ? 0 : 1;
}
