/*
 * test_kad.c — Kademlia messages and the DHT server: framing limits,
 * arena-bounded decoding, responses under 16 KiB, every request type
 * through hy_dht_server_feed with a memstore (rules: provider must be the
 * sender, no answer to ADD_PROVIDER, key limits, /pk/ and /ipns/ only,
 * older records refused, several requests per stream, hostile bytes), the
 * protocol prefix, and one end-to-end exchange over loopback between a
 * server head and hy_kad_request.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/varint.h"
#include "dht/client.h"
#include "dht/kad_msg.h"
#include "dht/memstore.h"
#include "dht/server.h"
#include "tap.h"

#define NOW_MS 1700000000000ULL

static uint64_t now_ms = NOW_MS;

/* Collected responses of one feed */
typedef struct sink
{
	uint8_t		buf[200000];
	size_t		n;
} sink;

static sink S;
static hy_kad_arena A;
static _Alignas(16) uint8_t arena_mem[HY_KAD_ARENA_SIZE];

/* Test clock */
static int requests_done[HY_KAD_NTYPES];	/* HY_DHT_EV_REQUEST_DONE per type */
static int requests_done_total;
static int last_served = -1;	/* result of the last HY_DHT_EV_PROVIDERS_SERVED */

/* Count the server's request-done events by kad type */
static void
record_event(void *arg, const hy_dht_event *ev)
{
	(void) arg;
	if (ev->type == HY_DHT_EV_PROVIDERS_SERVED)
		last_served = ev->result;
	if (ev->type != HY_DHT_EV_REQUEST_DONE)
		return;
	if (ev->result >= 0 && ev->result < HY_KAD_NTYPES)
		requests_done[ev->result]++;
	requests_done_total++;
}

static uint64_t
test_clock(void *arg)
{
	(void) arg;
	return now_ms;
}

/* Collect response bytes */
static void
sink_fn(void *arg, const uint8_t *p, size_t n)
{
	sink	   *s = arg;

	if (n <= sizeof(s->buf) - s->n)
	{
		memcpy(s->buf + s->n, p, n);
		s->n += n;
	}
}

/* Decode the i-th framed response collected in S; NULL if absent */
static hy_kad_message *
response(int i)
{
	size_t		off = 0;

	for (;;)
	{
		size_t		bo,
					bl;

		if (hy_kad_frame(S.buf + off, S.n - off, HY_KAD_MSG_IN_MAX, &bo, &bl) != 1)
			return NULL;
		if (i-- == 0)
			return hy_kad_decode(&A, S.buf + off + bo, bl);
		off += bo + bl;
	}
}

/* Count framed responses in S */
static int
nresponses(void)
{
	size_t		off = 0,
				bo,
				bl;
	int			n = 0;

	while (hy_kad_frame(S.buf + off, S.n - off, HY_KAD_MSG_IN_MAX, &bo, &bl) == 1)
	{
		off += bo + bl;
		n++;
	}
	return n;
}

/* Frame a request */
static size_t
request(uint8_t *out, size_t cap, int type, const void *key, size_t key_len,
		hy_kad_peer **prov, size_t nprov, Hy__Kad__Record *rec)
{
	hy_kad_message m = HY__KAD__MESSAGE__INIT;
	int			n;

	m.has_type = 1;
	m.type = (Hy__Kad__Message__MessageType) type;
	if (key)
	{
		m.has_key = 1;
		m.key.data = (uint8_t *) key;
		m.key.len = key_len;
	}
	m.n_providerpeers = nprov;
	m.providerpeers = prov;
	m.record = rec;
	n = hy_kad_encode(&m, out, cap);
	return n > 0 ? (size_t) n : 0;
}

/* Binary multiaddr from text */
static size_t
ma(const char *text, uint8_t *out)
{
	int			n = hy_multiaddr_parse(text, strlen(text), out, 64);

	return n > 0 ? (size_t) n : 0;
}

/* Load one JS-made IPNS record fixture by name */
static size_t
ipns_fixture(const char *name, uint8_t *id, size_t *id_len, uint8_t *rec)
{
	FILE	   *f = fopen("test/fixtures/ipns/records.txt", "r");
	static char line[16384];
	size_t		n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
	{
		char	   *nm = strtok(line, " \n"),
				   *ih = strtok(NULL, " \n"),
				   *rh = strtok(NULL, " \n");

		if (nm && ih && rh && strcmp(nm, name) == 0)
		{
			sodium_hex2bin(id, 64, ih, strlen(ih), NULL, id_len, NULL);
			sodium_hex2bin(rec, 4096, rh, strlen(rh), NULL, &n, NULL);
			break;
		}
	}
	fclose(f);
	return n;
}

/* End-to-end world */
typedef struct e2e
{
	hy_loop    *loop;
	hy_conn    *dconn;
	int			identified;
	int			got;
	int			err;
	size_t		ncloser;
	int			sent_add;
} e2e;

static e2e E;

/* e2e: identify done on the dialer side */
static void
e2e_identified(hy_conn *c, int ok_, void *arg)
{
	(void) arg;
	if (hy_conn_is_dialer(c) && ok_)
		E.identified = 1;
}

/* e2e: FIND_NODE answered */
static void
e2e_reply(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	(void) arg;
	(void) c;
	E.got++;
	E.err = err;
	E.ncloser = resp ? resp->n_closerpeers : 0;
}

/* e2e: ADD_PROVIDER sent */
static void
e2e_sent(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	(void) arg;
	(void) c;
	(void) resp;
	E.sent_add = err == HY_OK ? 1 : -1;
}

/* Run the loop until a flag is set or 5 s pass */
static void
run_until(int *flag)
{
	for (int i = 0; i < 500 && !*flag; i++)
		hy_loop_run_once(E.loop, 10);
}

/* Entry point */
int
main(void)
{
	hy_keypair	head,
				remote,
				other,
				peers[40];
	hy_memstore *ms;
	hy_memstore_config mcfg = {0};
	hy_rtable_config rcfg = {0};
	hy_rtable  *rt;
	hy_dht_server_config scfg = {0};
	hy_dht_server *srv;
	const hy_dht_stats *st;
	hy_addrset	lo;
	uint8_t		seed[32],
				req[70000],
				key[34],
				addr[64],
				id_addrs[64];
	size_t		n,
				alen,
				id_addrs_len;
	hy_kad_message *m;
	int			rc;

	if (sodium_init() < 0)
		return 1;
	hy_kad_arena_init(&A, arena_mem, sizeof(arena_mem));
	memset(seed, 9, 32);
	hy_keypair_from_seed(&head, seed);
	memset(seed, 10, 32);
	hy_keypair_from_seed(&remote, seed);
	memset(seed, 11, 32);
	hy_keypair_from_seed(&other, seed);
	for (int i = 0; i < 40; i++)
	{
		memset(seed, 0, 32);
		seed[0] = (uint8_t) i;
		seed[1] = 0x77;
		hy_keypair_from_seed(&peers[i], seed);
	}
	key[0] = 0x12;
	key[1] = 0x20;
	memset(key + 2, 0xab, 32);
	alen = ma("/ip4/127.0.0.1/tcp/4001", addr);
	memset(&lo, 0, sizeof(lo));
	hy_addrset_add(&lo, addr, alen, NULL, 0, 1);

	/* framing */
	{
		size_t		bo,
					bl;
		uint8_t		big[10];
		int			h = hy_uvarint_put(HY_KAD_MSG_IN_MAX + 1, big);

		is_int(hy_kad_frame(big, (size_t) h, HY_KAD_MSG_IN_MAX, &bo, &bl), HY_ERR_TOO_LONG,
			   "prefix over 64 KiB refused before the body arrives");
		is_int(hy_kad_frame((const uint8_t *) "\x80", 1, HY_KAD_MSG_IN_MAX, &bo, &bl), 0,
			   "partial varint waits");
		is_int(hy_kad_frame((const uint8_t *) "\x80\x00", 2, HY_KAD_MSG_IN_MAX, &bo, &bl),
			   HY_ERR_INVALID, "non-minimal varint refused");
		is_int(hy_kad_frame((const uint8_t *) "\x05\x01", 2, HY_KAD_MSG_IN_MAX, &bo, &bl), 0,
			   "partial body waits");
		ok(hy_kad_frame((const uint8_t *) "\x00", 1, HY_KAD_MSG_IN_MAX, &bo, &bl) == 1 &&
		   bl == 0, "empty body framed");
	}

	/* arena bound: 30000 empty peers decode to more than the arena holds */
	{
		static uint8_t body[60000];

		for (int i = 0; i < 30000; i++)
		{
			body[2 * i] = 0x42;
			body[2 * i + 1] = 0x00;
		}
		ok(hy_kad_decode(&A, body, sizeof(body)) == NULL, "many tiny peers exceed the arena");
		ok(hy_kad_decode(&A, body, 200) != NULL, "100 tiny peers decode");
	}

	/* encode_fit: 96 peers x 8 addresses of 60 bytes must be trimmed */
	{
		static hy_kad_builder b;
		static hy_addrset fat;
		static uint8_t out[HY_KAD_MSG_OUT_MAX];
		int			len;
		char		dns[80];

		memset(&fat, 0, sizeof(fat));
		for (int i = 0; i < HY_ADDRS_MAX; i++)
		{
			uint8_t		a[80];
			size_t		l;

			snprintf(dns, sizeof(dns), "/dns4/host%d-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example/tcp/4001", i);
			l = (size_t) hy_multiaddr_parse(dns, strlen(dns), a, sizeof(a));
			hy_addrset_add(&fat, a, l, NULL, 0, 0);
		}
		is_int(fat.n, HY_ADDRS_MAX, "8 long addresses in a set");
		hy_kad_builder_init(&b, HY_KAD_GET_PROVIDERS, key, sizeof(key));
		for (int i = 0; i < 40; i++)
			hy_kad_builder_add_peer(&b, i % 2, peers[i].peer_id, peers[i].peer_id_len, &fat);
		len = hy_kad_encode_fit(&b.msg, out, sizeof(out));
		ok(len > 0 && len < HY_KAD_MSG_OUT_MAX, "trimmed answer under 16 KiB");
		ok(b.msg.n_providerpeers == 20 && b.msg.n_closerpeers < 20,
		   "closer peers dropped before providers");
		hy_kad_builder_init(&b, HY_KAD_FIND_NODE, key, sizeof(key));
		for (int i = 0; i < HY_KAD_RESP_PEERS; i++)
			hy_kad_builder_add_peer(&b, 0, peers[0].peer_id, peers[0].peer_id_len, NULL);
		is_int(hy_kad_builder_add_peer(&b, 0, peers[0].peer_id, peers[0].peer_id_len, NULL),
			   HY_ERR_NOSPACE, "builder full");
	}

	/* a server with one virtual head */
	ms = hy_memstore_new(&mcfg);
	rcfg.allow_private = 1;
	rcfg.bits = 3;
	n = hy_rtable_mem_size(&rcfg);
	rt = hy_rtable_init(aligned_alloc(64, (n + 63) & ~(size_t) 63), n, &rcfg);
	scfg.store = hy_memstore_store(ms);
	scfg.rt = rt;
	scfg.allow_private = 1;
	scfg.now_ms = test_clock;
	scfg.protocol_prefix = "/test";
	scfg.on_event = record_event;
	srv = hy_dht_server_new(&scfg);
	ok(srv != NULL, "server created");
	is_str(hy_dht_server_protocol(srv), "/test/kad/1.0.0", "protocol prefix honoured");
	is_int(hy_dht_server_add_virtual_head(srv, head.peer_id, head.peer_id_len, &lo), 0,
		   "head 0");
	st = hy_dht_server_stats(srv);
	for (int i = 0; i < 30; i++)
		hy_rtable_update(rt, peers[i].peer_id, peers[i].peer_id_len, &lo, NOW_MS, 0);
	hy_rtable_update(rt, head.peer_id, head.peer_id_len, &lo, NOW_MS, HY_RT_FLAG_HEAD);
	hy_rtable_update(rt, remote.peer_id, remote.peer_id_len, &lo, NOW_MS, 0);
	id_addrs_len = 0;
	id_addrs[id_addrs_len++] = (uint8_t) alen;
	memcpy(id_addrs + id_addrs_len, addr, alen);
	id_addrs_len += alen;

#define FEED(buf, len, eof) \
	(S.n = 0, hy_dht_server_feed(srv, 0, remote.peer_id, remote.peer_id_len, \
								 id_addrs, id_addrs_len, (buf), (len), (eof), sink_fn, &S))

	/* PING */
	n = request(req, sizeof(req), HY_KAD_PING, NULL, 0, NULL, 0, NULL);
	rc = FEED(req, n, 1);
	m = response(0);
	ok(rc == 1 && m && m->type == HY_KAD_PING, "PING echoed, stream closed after EOF");
	ok(requests_done[HY_KAD_PING] == 1 && requests_done_total == 1,
	   "one request-done event, typed PING");
	{
		static const uint8_t garbage[] = {3, 0xff, 0xff, 0xff};

		FEED(garbage, sizeof(garbage), 0);
		is_int(requests_done_total, 1, "a malformed message is no handled request");
	}

	/* FIND_NODE */
	n = request(req, sizeof(req), HY_KAD_FIND_NODE, peers[3].peer_id, peers[3].peer_id_len,
				NULL, 0, NULL);
	FEED(req, n, 0);
	m = response(0);
	ok(m && m->n_closerpeers == 20, "FIND_NODE: k = 20 closer peers");
	if (m)
	{
		int			self = 0,
					req_ = 0;

		for (size_t i = 0; i < m->n_closerpeers; i++)
		{
			self |= m->closerpeers[i]->id.len == head.peer_id_len &&
				memcmp(m->closerpeers[i]->id.data, head.peer_id, head.peer_id_len) == 0;
			req_ |= m->closerpeers[i]->id.len == remote.peer_id_len &&
				memcmp(m->closerpeers[i]->id.data, remote.peer_id, remote.peer_id_len) == 0;
		}
		ok(!self && !req_, "FIND_NODE excludes the head and the requester");
		is_mem(m->closerpeers[0]->id.data, m->closerpeers[0]->id.len, peers[3].peer_id,
			   peers[3].peer_id_len, "known target comes first");
		ok(m->closerpeers[0]->n_addrs == 1, "closer peers carry addresses");
	}
	n = request(req, sizeof(req), HY_KAD_FIND_NODE, head.peer_id, head.peer_id_len,
				NULL, 0, NULL);
	FEED(req, n, 0);
	m = response(0);
	ok(m && m->n_closerpeers >= 1 && m->closerpeers[0]->id.len == head.peer_id_len &&
	   memcmp(m->closerpeers[0]->id.data, head.peer_id, head.peer_id_len) == 0,
	   "FIND_NODE(head) answers with the head itself");
	is_int(requests_done[HY_KAD_FIND_NODE], 2, "two request-done events typed FIND_NODE");

	/* ADD_PROVIDER */
	{
		hy_kad_peer p = HY__KAD__MESSAGE__PEER__INIT;
		hy_kad_peer *pp = &p;
		ProtobufCBinaryData a = {alen, addr};
		uint64_t	stored = st->providers_stored;

		p.has_id = 1;
		p.id.data = other.peer_id;
		p.id.len = other.peer_id_len;
		p.n_addrs = 1;
		p.addrs = &a;
		n = request(req, sizeof(req), HY_KAD_ADD_PROVIDER, key, sizeof(key), &pp, 1, NULL);
		rc = FEED(req, n, 0);
		ok(rc == 0 && S.n == 0, "ADD_PROVIDER not answered");
		is_int(st->providers_wrong_peer, 1, "provider naming another peer ignored and counted");
		is_int(st->providers_stored, stored, "nothing stored for it");

		p.id.data = remote.peer_id;
		p.id.len = remote.peer_id_len;
		n = request(req, sizeof(req), HY_KAD_ADD_PROVIDER, key, sizeof(key), &pp, 1, NULL);
		FEED(req, n, 0);
		is_int(st->providers_stored, stored + 1, "provider = sender stored");
		n = request(req, sizeof(req), HY_KAD_GET_PROVIDERS, key, sizeof(key), NULL, 0, NULL);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->n_providerpeers == 0, "not visible before the store flushes");
		hy_memstore_flush(ms);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->n_providerpeers == 1 && m->providerpeers[0]->n_addrs == 1 &&
		   m->n_closerpeers == 20, "GET_PROVIDERS: provider with address + k closer peers");

		/* zero addresses: identify's listenAddrs stand in */
		p.n_addrs = 0;
		key[2] = 0x01;
		n = request(req, sizeof(req), HY_KAD_ADD_PROVIDER, key, sizeof(key), &pp, 1, NULL);
		FEED(req, n, 0);
		is_int(st->providers_stored, stored + 2, "zero addresses + identify addresses: stored");
		S.n = 0;
		hy_dht_server_feed(srv, 0, remote.peer_id, remote.peer_id_len, NULL, 0, req, n, 0,
						   sink_fn, &S);
		is_int(st->providers_no_addrs, 1, "zero addresses and no identify: ignored");

		/* the provider's addresses are served for 24 h only */
		hy_memstore_flush(ms);
		key[2] = 0xab;
		now_ms += 25ULL * 3600 * 1000;
		n = request(req, sizeof(req), HY_KAD_GET_PROVIDERS, key, sizeof(key), NULL, 0, NULL);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->n_providerpeers == 1 && m->providerpeers[0]->n_addrs == 0,
		   "after 24 h the provider is served without addresses");
		now_ms += 24ULL * 3600 * 1000;
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->n_providerpeers == 0, "after 48 h the record is gone");
		now_ms = NOW_MS;

		/* graceful decline: 8 store ops/s (burst 2) at a frozen clock */
		{
			uint64_t	declined = st->store_declined;
			int			served = 0,
						closer = 1;

			hy_dht_server_set_limits(srv, 8, 0);
			for (int i = 0; i < 5; i++)
			{
				FEED(req, n, 0);
				m = response(0);
				served += m && m->n_providerpeers == 1;
				closer &= m && m->n_closerpeers == 20;
			}
			is_int(served, 2, "store budget: 2 GET_PROVIDERS (the burst) reach the store");
			is_int(st->store_declined - declined, 3, "3 declined and counted");
			ok(closer, "declined ones are still answered with k closer peers");
			is_int(last_served, HY_DHT_SERVED_DECLINED, "the event says declined (no prefetch for it)");
			now_ms += 250;
			FEED(req, n, 0);
			m = response(0);
			ok(m && m->n_providerpeers == 1 && last_served == HY_DHT_SERVED_STORE,
			   "250 ms later the budget has refilled");
			now_ms = NOW_MS;
		}

		/* full decline: 4 requests/s (burst 1); PING is always served */
		{
			uint8_t		fn[256],
						pg[64];
			size_t		fn_len = request(fn, sizeof(fn), HY_KAD_FIND_NODE, peers[3].peer_id,
										 peers[3].peer_id_len, NULL, 0, NULL);
			size_t		pg_len = request(pg, sizeof(pg), HY_KAD_PING, NULL, 0, NULL, 0, NULL);
			uint64_t	refused = st->requests_refused;

			hy_dht_server_set_limits(srv, 0, 4);
			ok(FEED(fn, fn_len, 0) == 0 && response(0) != NULL, "peak: first FIND_NODE answered");
			ok(FEED(fn, fn_len, 0) < 0 && S.n == 0, "over the peak: FIND_NODE refused (stream reset)");
			ok(FEED(pg, pg_len, 0) == 0 && response(0) != NULL, "over the peak: PING still answered");
			ok(FEED(req, n, 0) < 0, "over the peak: GET_PROVIDERS refused");
			is_int(st->requests_refused - refused, 2, "refusals counted");
			now_ms += 250;
			ok(FEED(fn, fn_len, 0) == 0 && response(0) != NULL, "250 ms later FIND_NODE is answered again");
			hy_dht_server_set_limits(srv, 0, 0);
			now_ms = NOW_MS;
		}

		/* invalid multihash key */
		n = request(req, sizeof(req), HY_KAD_ADD_PROVIDER, "\x12\x20\x01", 3, &pp, 1, NULL);
		ok(FEED(req, n, 0) < 0, "ADD_PROVIDER with a non-multihash key resets");
	}

	/* several requests on one stream, answered in order */
	{
		size_t		l1 = request(req, sizeof(req), HY_KAD_PING, NULL, 0, NULL, 0, NULL);
		size_t		l2 = request(req + l1, sizeof(req) - l1, HY_KAD_FIND_NODE, key,
								 sizeof(key), NULL, 0, NULL);
		size_t		l3 = request(req + l1 + l2, sizeof(req) - l1 - l2, HY_KAD_GET_PROVIDERS,
								 key, sizeof(key), NULL, 0, NULL);

		rc = FEED(req, l1 + l2 + l3, 1);
		ok(rc == 1 && nresponses() == 3, "three requests, three answers, then close");
		m = response(2);
		ok(m && m->type == HY_KAD_GET_PROVIDERS, "answers in order");
		rc = FEED(req, l1 + l2 + 5, 1);
		ok(rc < 0 && nresponses() == 2, "EOF inside a request: answered what was complete, reset");
	}

	/* hostile input */
	{
		uint8_t		k81[81];
		uint64_t	resets;

		memset(k81, 1, sizeof(k81));
		n = request(req, sizeof(req), HY_KAD_GET_PROVIDERS, k81, sizeof(k81), NULL, 0, NULL);
		ok(FEED(req, n, 0) < 0 && S.n == 0, "81-byte key: reset, no answer");
		n = request(req, sizeof(req), HY_KAD_FIND_NODE, NULL, 0, NULL, 0, NULL);
		ok(FEED(req, n, 0) < 0, "missing key: reset");
		n = request(req, sizeof(req), HY_KAD_FIND_NODE, "", 0, NULL, 0, NULL);
		ok(FEED(req, n, 0) < 0, "empty key: reset");
		ok(FEED((const uint8_t *) "\x03\xff\xff\xff", 4, 0) < 0, "garbage protobuf: reset");
		ok(FEED((const uint8_t *) "\x02\x08\x09", 3, 0) < 0, "unknown type 9: reset");
		ok(FEED((const uint8_t *) "\x00", 1, 0) < 0, "message without type: reset");
		n = (size_t) hy_uvarint_put(HY_KAD_MSG_IN_MAX + 1, req);
		resets = st->msg_too_large;
		ok(FEED(req, n, 0) < 0 && st->msg_too_large == resets + 1, "oversize prefix: reset");
		memset(req, 0, sizeof(req));
		ok(FEED(req, HY_KAD_MSG_IN_MAX + 100, 0) < 0, "input over one frame: reset");
		ok(FEED(req, 0, 1) == 1, "empty stream closes cleanly");
	}

	/* PUT_VALUE / GET_VALUE */
	{
		Hy__Kad__Record rec = HY__KAD__RECORD__INIT;
		uint8_t		pkkey[64],
					ikey[80],
					rec1[4096],
					rec2[4096],
					iid[64];
		size_t		iid_len,
					r1,
					r2,
					klen;

		memcpy(pkkey, "/pk/", 4);
		memcpy(pkkey + 4, remote.peer_id, remote.peer_id_len);
		klen = 4 + remote.peer_id_len;
		rec.has_key = 1;
		rec.key.data = pkkey;
		rec.key.len = klen;
		rec.has_value = 1;
		rec.value.data = remote.pubkey_pb;
		rec.value.len = sizeof(remote.pubkey_pb);
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, pkkey, klen, NULL, 0, &rec);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->type == HY_KAD_PUT_VALUE && m->record && m->record->timereceived &&
		   strncmp(m->record->timereceived, "2023-11-14T22:13:20", 19) == 0,
		   "PUT_VALUE /pk/ echoed with timeReceived");
		n = request(req, sizeof(req), HY_KAD_GET_VALUE, pkkey, klen, NULL, 0, NULL);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->record && m->record->value.len == sizeof(remote.pubkey_pb) &&
		   m->n_closerpeers > 0, "GET_VALUE returns the record and closer peers");

		rec.value.data = other.pubkey_pb;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, pkkey, klen, NULL, 0, &rec);
		ok(FEED(req, n, 0) < 0 && S.n == 0, "/pk/ with another key: reset");
		rec.value.data = remote.pubkey_pb;
		rec.key.data = (uint8_t *) "/pk/x";
		rec.key.len = 5;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, pkkey, klen, NULL, 0, &rec);
		ok(FEED(req, n, 0) < 0, "record key != message key: reset");
		rec.key.data = (uint8_t *) "/v/abc";
		rec.key.len = 6;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, "/v/abc", 6, NULL, 0, &rec);
		ok(FEED(req, n, 0) < 0, "other namespace: reset");
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, pkkey, klen, NULL, 0, NULL);
		ok(FEED(req, n, 0) < 0, "PUT_VALUE without record: reset");

		/* IPNS: newer replaces, older refused */
		r1 = ipns_fixture("v1v2_seq1", iid, &iid_len, rec1);
		r2 = ipns_fixture("v1v2_seq2", iid, &iid_len, rec2);
		ok(r1 > 0 && r2 > 0, "IPNS fixtures loaded");
		memcpy(ikey, "/ipns/", 6);
		memcpy(ikey + 6, iid, iid_len);
		klen = 6 + iid_len;
		rec.key.data = ikey;
		rec.key.len = klen;
		rec.value.data = rec2;
		rec.value.len = r2;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, ikey, klen, NULL, 0, &rec);
		FEED(req, n, 0);
		ok(nresponses() == 1, "IPNS seq 2 stored");
		rec.value.data = rec1;
		rec.value.len = r1;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, ikey, klen, NULL, 0, &rec);
		ok(FEED(req, n, 0) < 0 && st->values_older == 1, "IPNS seq 1 after seq 2: refused");
		n = request(req, sizeof(req), HY_KAD_GET_VALUE, ikey, klen, NULL, 0, NULL);
		FEED(req, n, 0);
		m = response(0);
		ok(m && m->record && m->record->value.len == r2 &&
		   memcmp(m->record->value.data, rec2, r2) == 0, "GET_VALUE returns seq 2");
		rec2[r2 - 3] ^= 1;
		rec.value.data = rec2;
		rec.value.len = r2;
		n = request(req, sizeof(req), HY_KAD_PUT_VALUE, ikey, klen, NULL, 0, &rec);
		ok(FEED(req, n, 0) < 0, "tampered IPNS record: reset");
	}
	ok(st->received[HY_KAD_PING] >= 2 && st->answered[HY_KAD_FIND_NODE] >= 2 &&
	   st->errors[HY_KAD_PUT_VALUE] >= 5, "per-type counters");

	/* load shedding: a full store queue is counted, not grown */
	{
		hy_memstore_config small = {0};
		hy_memstore *ms2;
		hy_store	s2;
		hy_provider p;
		int			shed = 0;

		small.queue_cap = 4;
		ms2 = hy_memstore_new(&small);
		s2 = hy_memstore_store(ms2);
		memset(&p, 0, sizeof(p));
		memcpy(p.peer_id, remote.peer_id, remote.peer_id_len);
		p.peer_id_len = (uint8_t) remote.peer_id_len;
		for (int i = 0; i < 10; i++)
			shed += s2.ops->add_provider(s2.ctx, key, sizeof(key), &p, NOW_MS) == HY_STORE_SHED;
		is_int(shed, 6, "queue of 4: 6 of 10 shed");
		hy_memstore_free(ms2);
	}

	/* end to end over loopback: a real head and hy_kad_request */
	{
		hy_host_config hc;
		hy_host_cbs cbs = {0};
		hy_host    *hs,
				   *hd;
		hy_kad_client *kc;
		uint16_t	port;
		uint8_t		dial[128];
		char		text[128];
		int			len,
					err;
		hy_kad_message fm = HY__KAD__MESSAGE__INIT;

		E.loop = hy_loop_new();
		cbs.conn_identified = e2e_identified;
		hy_host_config_init(&hc, &head);
		hs = hy_host_new(E.loop, &hc, &cbs, NULL);
		hy_host_config_init(&hc, &remote);
		hd = hy_host_new(E.loop, &hc, &cbs, NULL);
		ok(hy_host_listen(hs, "127.0.0.1", 0, &port) == HY_OK, "head listens");
		ok(hy_dht_server_add_head(srv, hs, &lo) == 1, "real head attached as head 1");
		kc = hy_kad_client_new(E.loop, "/test/kad/1.0.0", 3000);
		snprintf(text, sizeof(text), "/ip4/127.0.0.1/tcp/%u", port);
		len = hy_multiaddr_parse(text, strlen(text), dial, sizeof(dial));
		E.dconn = hy_host_dial(hd, dial, (size_t) len, NULL, &err);
		run_until(&E.identified);
		ok(E.identified, "dialer identified the head");
		fm.has_type = 1;
		fm.type = HY_KAD_FIND_NODE;
		fm.has_key = 1;
		fm.key.data = key;
		fm.key.len = sizeof(key);
		ok(hy_kad_request(kc, E.dconn, &fm, e2e_reply, NULL) == HY_OK, "request sent");
		run_until(&E.got);
		ok(E.got == 1 && E.err == HY_OK && E.ncloser == 20, "FIND_NODE over yamux: 20 closer peers");
		{
			hy_kad_peer p = HY__KAD__MESSAGE__PEER__INIT;
			hy_kad_peer *pp = &p;
			ProtobufCBinaryData a = {alen, addr};
			uint64_t	stored = st->providers_stored;

			p.has_id = 1;
			p.id.data = remote.peer_id;
			p.id.len = remote.peer_id_len;
			p.n_addrs = 1;
			p.addrs = &a;
			fm.type = HY_KAD_ADD_PROVIDER;
			fm.n_providerpeers = 1;
			fm.providerpeers = &pp;
			hy_kad_request(kc, E.dconn, &fm, e2e_sent, NULL);
			run_until(&E.sent_add);
			for (int i = 0; i < 20 && st->providers_stored == stored; i++)
				hy_loop_run_once(E.loop, 10);
			ok(E.sent_add == 1 && st->providers_stored == stored + 1,
			   "ADD_PROVIDER over yamux from the authenticated peer stored");
		}
		E.got = 0;
		fm.type = HY_KAD_GET_PROVIDERS;
		fm.n_providerpeers = 0;
		hy_kad_request(kc, E.dconn, &fm, e2e_reply, NULL);
		hy_kad_client_free(NULL);
		run_until(&E.got);
		ok(E.got == 1 && E.err == HY_OK, "GET_PROVIDERS over yamux answered");

		/* batched GET_PROVIDERS: a second server whose lookups wait for a flush */
		{
			hy_dht_server_config bcfg = scfg;
			hy_dht_server *bsrv;
			hy_host    *hb;
			hy_conn    *bconn;
			uint16_t	bport = 0;
			uint64_t	batches = hy_memstore_get_stats(ms).lookup_batches;
			int			pending = 0,
						answered;

			bcfg.batch_get_providers = 1;
			bcfg.on_event = NULL;
			bsrv = hy_dht_server_new(&bcfg);
			hy_host_config_init(&hc, &other);
			hb = hy_host_new(E.loop, &hc, &cbs, NULL);
			ok(bsrv && hy_host_listen(hb, "127.0.0.1", 0, &bport) == HY_OK &&
			   hy_dht_server_add_head(bsrv, hb, &lo) == 0, "batching server listens");
			snprintf(text, sizeof(text), "/ip4/127.0.0.1/tcp/%u", bport);
			len = hy_multiaddr_parse(text, strlen(text), dial, sizeof(dial));
			E.identified = 0;
			bconn = hy_host_dial(hd, dial, (size_t) len, NULL, &err);
			run_until(&E.identified);
			E.got = 0;
			for (int i = 0; i < 5; i++)
				hy_kad_request(kc, bconn, &fm, e2e_reply, NULL);
			for (int i = 0; i < 300 && (pending = hy_dht_server_pending(bsrv)) < 5; i++)
				hy_loop_run_once(E.loop, 10);
			is_int(pending, 5, "5 GET_PROVIDERS wait in the batch");
			is_int(E.got, 0, "none answered before the flush");
			answered = hy_dht_server_flush_pending(bsrv);
			is_int(answered, 5, "one flush answers all 5");
			is_int((int) (hy_memstore_get_stats(ms).lookup_batches - batches), 1, "with one store call");
			for (int i = 0; i < 300 && E.got < 5; i++)
				hy_loop_run_once(E.loop, 10);
			ok(E.got == 5 && E.err == HY_OK, "all 5 answers arrive");

			/* a connection that goes away while its lookup waits */
			hy_kad_request(kc, bconn, &fm, e2e_reply, NULL);
			for (int i = 0; i < 300 && hy_dht_server_pending(bsrv) < 1; i++)
				hy_loop_run_once(E.loop, 10);
			is_int(hy_dht_server_pending(bsrv), 1, "another one waits");
			hy_conn_close(bconn);
			for (int i = 0; i < 50; i++)
				hy_loop_run_once(E.loop, 5);
			is_int(hy_dht_server_flush_pending(bsrv), 0,
				   "its stream closed meanwhile: nothing to answer, nothing touched");
			hy_host_free(hb);
			hy_dht_server_free(bsrv);
		}
		hy_host_free(hd);
		hy_host_free(hs);
		for (int i = 0; i < 20; i++)
			hy_loop_run_once(E.loop, 1);
		ok(hy_kad_client_inflight(kc) == 0, "no request left in flight");
		hy_kad_client_free(kc);
		hy_loop_free(E.loop);
	}

	hy_dht_server_free(srv);
	hy_memstore_free(ms);
	free(rt);
	return tap_done();
}
