/*
 * hydra_dht_node.c — standalone multi-head Kademlia DHT server on the
 * hydra stack (src/net + src/dht), for interop tests and benchmarks.
 *
 *   hydra_dht_node [--heads N] [--host 127.0.0.1] [--port P] [--seed HEX64]
 *                  [--bootstrap maddr,...] [--duration S] [--public]
 *     HEAD <i> <multiaddr>/p2p/<id>                  one per head, first
 *     RT_ADD <id>                                    routing table grew
 *     ADD_PROVIDER <key-hex> <id> head=<i>           provider record queued
 *     PROVIDER_IGNORED <key-hex> <id> head=<i>       not the sender / no address
 *     GET_PROVIDERS <key-hex> head=<i> providers=<n> answered with providers
 *     PUT_VALUE <key-hex> head=<i> ok|rejected:<why>
 *     STATS ...                                      at exit
 *
 *   hydra_dht_node addprov <maddr/p2p/id> --key HEX --provider PEERID
 *     Sends ADD_PROVIDER(key) naming PEERID as provider (a forgery unless
 *     PEERID is our own), then GET_PROVIDERS(key) on the same connection:
 *     prints PROVIDERS <n> [ids...] and exits 0 if the exchange worked.
 *
 * Every head is a hy_host with its own Ed25519 identity (sha256(seed ||
 * index) as key seed) on its own port (P + i, or ephemeral with P = 0),
 * all on one loop, sharing one memstore and one routing table.  Heads
 * dial every bootstrap peer, and after identify ask it FIND_NODE(own id)
 * so that it learns them; peers named in the answers are dialed too
 * (a bounded self-lookup).  Loopback and private addresses are kept
 * unless --public.
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "dht/client.h"
#include "dht/memstore.h"
#include "dht/rtable.h"
#include "dht/server.h"
#include "net/conn.h"
#include "net/tcp.h"

#define MAX_HEADS 64
#define MAX_BOOT 16
#define MAX_DIALED 64			/* peers each head dials on its own */
#define FLUSH_MS 50

typedef struct node node;

typedef struct head
{
	node	   *n;
	int			index;
	hy_keypair	kp;
	hy_host    *host;
	uint8_t		dialed[MAX_DIALED][HY_PEER_ID_MAX];
	uint8_t		dialed_len[MAX_DIALED];
	int			ndialed;
} head;

struct node
{
	hy_loop    *loop;
	head		heads[MAX_HEADS];
	int			nheads;
	hy_memstore *ms;
	hy_rtable  *rt;
	hy_dht_server *srv;
	hy_kad_client *kc;
	hy_timer	flush_timer;
	int			allow_private;
};

/* Print usage and exit 2 */
static void
usage(void)
{
	fprintf(stderr,
			"usage: hydra_dht_node [--heads N] [--host IP] [--port P] [--seed HEX64]\n"
			"                      [--bootstrap maddr,...] [--duration S] [--public]\n"
			"       hydra_dht_node addprov <maddr/p2p/id> --key HEX --provider PEERID\n");
	exit(2);
}

/* Print bytes as hex */
static void
print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* Peer id text */
static const char *
pid_text(const uint8_t *id, size_t len, char *buf, size_t cap)
{
	if (!id || hy_peerid_format(id, len, buf, cap) < 0)
		snprintf(buf, cap, "invalid");
	return buf;
}

/* Decode hex into out; length or -1 */
static int
from_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t		n = 0;

	if (sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &n, NULL) != 0)
		return -1;
	return (int) n;
}

/* Print server events as lines */
static void
on_event(void *arg, const hy_dht_event *ev)
{
	char		pid[HY_PEER_ID_TEXT_MAX];

	(void) arg;
	switch (ev->type)
	{
		case HY_DHT_EV_PROVIDER_STORED:
		case HY_DHT_EV_PROVIDER_IGNORED:
			printf("%s ", ev->type == HY_DHT_EV_PROVIDER_STORED ?
				   "ADD_PROVIDER" : "PROVIDER_IGNORED");
			print_hex(ev->key, ev->key_len);
			printf(" %s head=%d\n", pid_text(ev->peer, ev->peer_len, pid, sizeof(pid)),
				   ev->head);
			break;
		case HY_DHT_EV_PROVIDERS_SERVED:
			if (ev->count == 0)
				return;
			printf("GET_PROVIDERS ");
			print_hex(ev->key, ev->key_len);
			printf(" head=%d providers=%d\n", ev->head, ev->count);
			break;
		case HY_DHT_EV_VALUE_STORED:
		case HY_DHT_EV_VALUE_REJECTED:
			printf("PUT_VALUE ");
			print_hex(ev->key, ev->key_len);
			if (ev->type == HY_DHT_EV_VALUE_STORED)
				printf(" head=%d ok\n", ev->head);
			else
				printf(" head=%d rejected:%s\n", ev->head, hy_store_strerror(ev->result));
			break;
		default:
			return;
	}
	fflush(stdout);
}

/* Whether a head already dialed (or is) a peer; remember it if not */
static int
dialed_before(head *h, const uint8_t *id, size_t len)
{
	if (len == h->kp.peer_id_len && memcmp(id, h->kp.peer_id, len) == 0)
		return 1;
	for (int i = 0; i < h->ndialed; i++)
		if (h->dialed_len[i] == len && memcmp(h->dialed[i], id, len) == 0)
			return 1;
	if (h->ndialed >= MAX_DIALED)
		return 1;
	memcpy(h->dialed[h->ndialed], id, len);
	h->dialed_len[h->ndialed++] = (uint8_t) len;
	return 0;
}

/* Dial the first TCP address of a peer from a head */
static void
dial_peer(head *h, const uint8_t *id, size_t id_len, const hy_kad_peer *p)
{
	for (size_t j = 0; j < p->n_addrs; j++)
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		hy_ma_endpoint ep;
		const uint8_t *pid;
		size_t		pid_len;
		int			bare,
					n,
					err = 0;

		bare = hy_multiaddr_strip_p2p(p->addrs[j].data, p->addrs[j].len, &pid, &pid_len);
		if (bare <= 0 ||
			hy_multiaddr_tcp_endpoint(p->addrs[j].data, (size_t) bare, &ep) != HY_OK)
			continue;
		if (!h->n->allow_private &&
			!hy_multiaddr_is_public(p->addrs[j].data, (size_t) bare))
			continue;
		n = hy_multiaddr_append_p2p(p->addrs[j].data, (size_t) bare, id, id_len,
									ma, sizeof(ma));
		if (n > 0 && hy_host_dial(h->host, ma, (size_t) n, NULL, &err))
			return;
	}
}

/* FIND_NODE(self) answered: dial the peers it named */
static void
on_self_lookup(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	head	   *h = arg;

	(void) c;
	if (err < 0 || !resp)
		return;
	for (size_t i = 0; i < resp->n_closerpeers; i++)
	{
		const hy_kad_peer *p = resp->closerpeers[i];

		if (!p->has_id || hy_peerid_check(p->id.data, p->id.len) != HY_OK ||
			dialed_before(h, p->id.data, p->id.len))
			continue;
		dial_peer(h, p->id.data, p->id.len, p);
	}
}

/* Identify finished: feed the routing table; outbound: ask FIND_NODE(self) */
static void
on_identified(hy_conn *c, int ok, void *arg)
{
	head	   *h = arg;
	char		pid[HY_PEER_ID_TEXT_MAX];
	const uint8_t *id;
	size_t		id_len;
	int			rc;

	if (!ok)
		return;
	id = hy_conn_peer_id(c, &id_len);
	rc = hy_dht_server_peer_identified(h->n->srv, c);
	if (rc == HY_RT_ADDED)
	{
		printf("RT_ADD %s\n", pid_text(id, id_len, pid, sizeof(pid)));
		fflush(stdout);
	}
	if (rc > 0 && hy_conn_is_dialer(c))
	{
		hy_kad_message m = HY__KAD__MESSAGE__INIT;

		dialed_before(h, id, id_len);
		m.has_type = 1;
		m.type = HY_KAD_FIND_NODE;
		m.has_key = 1;
		m.key.data = h->kp.peer_id;
		m.key.len = h->kp.peer_id_len;
		hy_kad_request(h->n->kc, c, &m, on_self_lookup, h);
	}
}

/* Apply the memstore's queued records (the batching a real store does) */
static void
on_flush(hy_loop *loop, void *arg)
{
	node	   *n = arg;

	hy_memstore_flush(n->ms);
	hy_timer_start(loop, &n->flush_timer, FLUSH_MS);
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

/* Derive head i's key seed from the node seed */
static void
head_seed(const uint8_t seed[32], int i, uint8_t out[32])
{
	uint8_t		buf[36];

	memcpy(buf, seed, 32);
	buf[32] = (uint8_t) (i >> 24);
	buf[33] = (uint8_t) (i >> 16);
	buf[34] = (uint8_t) (i >> 8);
	buf[35] = (uint8_t) i;
	crypto_hash_sha256(out, buf, sizeof(buf));
}

/* Print the STATS line */
static void
print_stats(node *n)
{
	const hy_dht_stats *st = hy_dht_server_stats(n->srv);
	hy_memstore_stats ms = hy_memstore_get_stats(n->ms);

	printf("STATS heads=%d rt_size=%d streams=%llu", n->nheads, hy_rtable_size(n->rt),
		   (unsigned long long) st->streams);
	for (int t = 0; t < HY_KAD_NTYPES; t++)
		printf(" %s=%llu/%llu/%llu", hy_kad_type_name(t),
			   (unsigned long long) st->received[t], (unsigned long long) st->answered[t],
			   (unsigned long long) st->errors[t]);
	printf(" providers_stored=%llu providers_wrong_peer=%llu providers_no_addrs=%llu"
		   " providers_shed=%llu providers_served=%llu values_stored=%llu"
		   " values_rejected=%llu values_older=%llu malformed=%llu too_large=%llu"
		   " bad_key=%llu resets=%llu records=%llu\n",
		   (unsigned long long) st->providers_stored,
		   (unsigned long long) st->providers_wrong_peer,
		   (unsigned long long) st->providers_no_addrs,
		   (unsigned long long) st->providers_shed,
		   (unsigned long long) st->providers_served,
		   (unsigned long long) st->values_stored,
		   (unsigned long long) st->values_rejected,
		   (unsigned long long) st->values_older,
		   (unsigned long long) st->msg_malformed,
		   (unsigned long long) st->msg_too_large,
		   (unsigned long long) st->bad_key,
		   (unsigned long long) st->streams_reset,
		   (unsigned long long) ms.records);
	fflush(stdout);
}

/* Dial every bootstrap peer from every head */
static void
bootstrap(node *n, char *list)
{
	char	   *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		const uint8_t *id;
		size_t		id_len;
		int			len = hy_multiaddr_parse(tok, strlen(tok), ma, sizeof(ma)),
					err = 0;

		if (len < 0 || hy_multiaddr_strip_p2p(ma, (size_t) len, &id, &id_len) < 0 || !id)
		{
			fprintf(stderr, "hydra_dht_node: bad bootstrap address %s\n", tok);
			continue;
		}
		for (int i = 0; i < n->nheads; i++)
		{
			dialed_before(&n->heads[i], id, id_len);
			if (!hy_host_dial(n->heads[i].host, ma, (size_t) len, NULL, &err))
				fprintf(stderr, "hydra_dht_node: dial %s: %s\n", tok, hy_net_strerror(err));
		}
	}
}

/* addprov: state of the two-request exchange */
typedef struct addprov
{
	hy_loop    *loop;
	hy_kad_client *kc;
	uint8_t		key[128];
	size_t		key_len;
	uint8_t		prov[HY_PEER_ID_MAX];
	size_t		prov_len;
	int			result;
	int			started;
} addprov;

/* addprov: GET_PROVIDERS answered */
static void
addprov_got(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	addprov    *ap = arg;
	char		pid[HY_PEER_ID_TEXT_MAX];

	if (err < 0 || !resp)
		printf("FAIL get_providers: %s\n", hy_net_strerror(err));
	else
	{
		printf("PROVIDERS %zu", resp->n_providerpeers);
		for (size_t i = 0; i < resp->n_providerpeers; i++)
			printf(" %s", pid_text(resp->providerpeers[i]->id.data,
								   resp->providerpeers[i]->id.len, pid, sizeof(pid)));
		printf("\n");
		ap->result = 0;
	}
	fflush(stdout);
	hy_conn_close(c);
	hy_loop_stop(ap->loop);
}

/* addprov: ADD_PROVIDER sent; give the server a moment, then ask */
static void
addprov_sent(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	addprov    *ap = arg;
	hy_kad_message m = HY__KAD__MESSAGE__INIT;

	(void) resp;
	if (err < 0)
	{
		printf("FAIL add_provider: %s\n", hy_net_strerror(err));
		hy_loop_stop(ap->loop);
		return;
	}
	printf("SENT ADD_PROVIDER\n");
	m.has_type = 1;
	m.type = HY_KAD_GET_PROVIDERS;
	m.has_key = 1;
	m.key.data = ap->key;
	m.key.len = ap->key_len;
	if (hy_kad_request(ap->kc, c, &m, addprov_got, ap) < 0)
		hy_loop_stop(ap->loop);
}

/* addprov: connected and identified; send the forged record */
static void
addprov_identified(hy_conn *c, int ok, void *arg)
{
	addprov    *ap = arg;
	hy_kad_message m = HY__KAD__MESSAGE__INIT;
	hy_kad_peer p = HY__KAD__MESSAGE__PEER__INIT;
	hy_kad_peer *pp = &p;
	ProtobufCBinaryData addr;
	uint8_t		ma[8] = {0x04, 127, 0, 0, 1, 0x06, 0x10, 0x01};

	if (!ok || ap->started)
		return;
	ap->started = 1;
	p.has_id = 1;
	p.id.data = ap->prov;
	p.id.len = ap->prov_len;
	addr.data = ma;
	addr.len = sizeof(ma);
	p.n_addrs = 1;
	p.addrs = &addr;
	m.has_type = 1;
	m.type = HY_KAD_ADD_PROVIDER;
	m.has_key = 1;
	m.key.data = ap->key;
	m.key.len = ap->key_len;
	m.n_providerpeers = 1;
	m.providerpeers = &pp;
	if (hy_kad_request(ap->kc, c, &m, addprov_sent, ap) < 0)
		hy_loop_stop(ap->loop);
}

/* addprov: connection lost */
static void
addprov_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	addprov    *ap = arg;

	(void) c;
	if (ap->result != 0)
		printf("FAIL connection: %s\n", hy_conn_reason_name(reason));
	hy_loop_stop(ap->loop);
}

/* addprov subcommand */
static int
cmd_addprov(int argc, char **argv)
{
	addprov		ap;
	hy_keypair	kp;
	hy_host_config cfg;
	hy_host_cbs cbs = {0};
	hy_host    *host;
	uint8_t		seed[32],
				ma[HY_MULTIADDR_MAX];
	const char *keyhex = NULL,
			   *provtext = NULL;
	int			len = -1,
				err = 0,
				n = -1;
	hy_timer	t;

	if (argc < 3)
		usage();
	for (int i = 3; i + 1 < argc; i += 2)
	{
		if (strcmp(argv[i], "--key") == 0)
			keyhex = argv[i + 1];
		else if (strcmp(argv[i], "--provider") == 0)
			provtext = argv[i + 1];
		else
			usage();
	}
	memset(&ap, 0, sizeof(ap));
	ap.result = 1;
	if (!keyhex || !provtext || (n = from_hex(keyhex, ap.key, sizeof(ap.key))) <= 0 ||
		(len = hy_peerid_parse(provtext, strlen(provtext), ap.prov, sizeof(ap.prov))) < 0)
		usage();
	ap.key_len = (size_t) n;
	ap.prov_len = (size_t) len;
	len = hy_multiaddr_parse(argv[2], strlen(argv[2]), ma, sizeof(ma));
	if (len < 0)
		usage();
	randombytes_buf(seed, sizeof(seed));
	hy_keypair_from_seed(&kp, seed);
	ap.loop = hy_loop_new();
	hy_host_config_init(&cfg, &kp);
	cbs.conn_identified = addprov_identified;
	cbs.conn_closed = addprov_closed;
	host = hy_host_new(ap.loop, &cfg, &cbs, &ap);
	ap.kc = hy_kad_client_new(ap.loop, "/ipfs/kad/1.0.0", 10000);
	if (!host || !ap.kc || !hy_host_dial(host, ma, (size_t) len, NULL, &err))
	{
		printf("FAIL dial: %s\n", hy_net_strerror(err));
		return 1;
	}
	hy_timer_init(&t, on_duration, NULL);
	hy_timer_start(ap.loop, &t, 20000);
	hy_loop_run(ap.loop);
	hy_timer_stop(ap.loop, &t);
	hy_host_free(host);
	hy_kad_client_free(ap.kc);
	hy_loop_free(ap.loop);
	return ap.result;
}

/* Entry point */
int
main(int argc, char **argv)
{
	static node n;
	hy_memstore_config mcfg = {0};
	hy_rtable_config rcfg = {0};
	hy_dht_server_config scfg = {0};
	uint8_t		seed[32];
	const char *host_ip = "127.0.0.1";
	char	   *boot = NULL;
	int			nheads = 3,
				port = 0,
				have_seed = 0;
	long		duration = 0;
	sigset_t	mask;
	int			sfd;
	hy_timer	dur_timer;
	size_t		rt_size;

	if (argc >= 2 && strcmp(argv[1], "addprov") == 0)
	{
		if (sodium_init() < 0)
			return 1;
		signal(SIGPIPE, SIG_IGN);
		return cmd_addprov(argc, argv);
	}
	n.allow_private = 1;
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--public") == 0)
			n.allow_private = 0;
		else if (strcmp(a, "--heads") == 0 && v)
			nheads = atoi(argv[++i]);
		else if (strcmp(a, "--host") == 0 && v)
			host_ip = argv[++i];
		else if (strcmp(a, "--port") == 0 && v)
			port = atoi(argv[++i]);
		else if (strcmp(a, "--seed") == 0 && v)
		{
			if (from_hex(argv[++i], seed, sizeof(seed)) != 32)
			{
				fprintf(stderr, "hydra_dht_node: --seed needs 64 hex characters\n");
				return 2;
			}
			have_seed = 1;
		}
		else if (strcmp(a, "--bootstrap") == 0 && v)
			boot = argv[++i];
		else if (strcmp(a, "--duration") == 0 && v)
			duration = atol(argv[++i]);
		else
			usage();
	}
	if (nheads < 1 || nheads > MAX_HEADS || port < 0 || port + nheads > 65536)
		usage();
	if (sodium_init() < 0)
		return 1;
	if (!have_seed)
		randombytes_buf(seed, sizeof(seed));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	n.loop = hy_loop_new();
	n.ms = hy_memstore_new(&mcfg);
	rcfg.allow_private = n.allow_private;
	rt_size = hy_rtable_mem_size(&rcfg);
	n.rt = hy_rtable_init(aligned_alloc(64, (rt_size + 63) & ~(size_t) 63), rt_size, &rcfg);
	if (!n.loop || !n.ms || !n.rt)
		return 1;
	scfg.store = hy_memstore_store(n.ms);
	scfg.rt = n.rt;
	scfg.allow_private = n.allow_private;
	scfg.on_event = on_event;
	n.srv = hy_dht_server_new(&scfg);
	n.kc = n.srv ? hy_kad_client_new(n.loop, hy_dht_server_protocol(n.srv), 10000) : NULL;
	if (!n.srv || !n.kc)
		return 1;

	for (int i = 0; i < nheads; i++)
	{
		head	   *h = &n.heads[i];
		hy_host_config cfg;
		hy_host_cbs cbs = {0};
		uint8_t		hs[32],
					ma[64];
		uint16_t	bound = 0;
		struct sockaddr_storage ss;
		socklen_t	sl;
		char		text[256],
					pid[HY_PEER_ID_TEXT_MAX];
		hy_addrset	own = {0};
		int			len,
					rc;

		h->n = &n;
		h->index = i;
		head_seed(seed, i, hs);
		hy_keypair_from_seed(&h->kp, hs);
		hy_host_config_init(&cfg, &h->kp);
		cfg.agent = "hydra-dht-node/0.1.0";
		cbs.conn_identified = on_identified;
		h->host = hy_host_new(n.loop, &cfg, &cbs, h);
		if (!h->host)
			return 1;
		rc = hy_host_listen(h->host, host_ip, (uint16_t) (port ? port + i : 0), &bound);
		if (rc < 0)
		{
			fprintf(stderr, "hydra_dht_node: listen %s: %s\n", host_ip, hy_net_strerror(rc));
			return 1;
		}
		if (hy_tcp_sockaddr_from_text(host_ip, bound, &ss, &sl) < 0 ||
			(len = hy_tcp_sockaddr_to_multiaddr((struct sockaddr *) &ss, ma, sizeof(ma))) < 0 ||
			hy_multiaddr_format(ma, (size_t) len, text, sizeof(text)) < 0)
			return 1;
		hy_addrset_add(&own, ma, (size_t) len, NULL, 0, 1);
		if (hy_dht_server_add_head(n.srv, h->host, &own) < 0)
			return 1;
		/* heads are DHT servers too: FIND_NODE answers name them */
		hy_rtable_update(n.rt, h->kp.peer_id, h->kp.peer_id_len, &own, 0,
						 HY_RT_FLAG_HEAD);
		printf("HEAD %d %s/p2p/%s\n", i, text,
			   pid_text(h->kp.peer_id, h->kp.peer_id_len, pid, sizeof(pid)));
		n.nheads++;
	}
	fflush(stdout);
	if (sfd >= 0)
		hy_loop_add_fd(n.loop, sfd, HY_EV_READ, on_signal, &n);
	hy_timer_init(&n.flush_timer, on_flush, &n);
	hy_timer_start(n.loop, &n.flush_timer, FLUSH_MS);
	hy_timer_init(&dur_timer, on_duration, &n);
	if (duration > 0)
		hy_timer_start(n.loop, &dur_timer, (uint64_t) duration * 1000);
	if (boot)
		bootstrap(&n, boot);
	hy_loop_run(n.loop);
	hy_memstore_flush(n.ms);
	print_stats(&n);
	hy_timer_stop(n.loop, &dur_timer);
	hy_timer_stop(n.loop, &n.flush_timer);
	for (int i = 0; i < n.nheads; i++)
		hy_host_free(n.heads[i].host);
	hy_kad_client_free(n.kc);
	hy_dht_server_free(n.srv);
	free(n.rt);
	hy_memstore_free(n.ms);
	hy_loop_free(n.loop);
	return 0;
}
