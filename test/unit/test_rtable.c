/*
 * test_rtable.c — the shared routing table: layout in a caller block,
 * admission rules (dialable addresses, private-address switch), bucket
 * limits and the replacement cache, eviction after failed checks, exact
 * XOR ordering of closest() against brute force, liveness iteration.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "dht/rtable.h"
#include "tap.h"

#define NPEERS 600

static hy_keypair peers[NPEERS];

/* A one-address set from text */
static hy_addrset
addrs_of(const char *text)
{
	hy_addrset	s;
	uint8_t		ma[128];
	int			n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));

	memset(&s, 0, sizeof(s));
	if (n > 0)
	{
		s.len[0] = (uint8_t) n;
		memcpy(s.a[0], ma, (size_t) n);
		s.n = 1;
	}
	return s;
}

/* A fresh table in heap memory */
static hy_rtable *
new_table(hy_rtable_config *cfg)
{
	size_t		size = hy_rtable_mem_size(cfg);
	void	   *mem = aligned_alloc(64, (size + 63) & ~(size_t) 63);

	return hy_rtable_init(mem, size, cfg);
}

static int closest_is_exact(const hy_rtable *rt, const uint8_t target[32], const hy_rt_entry *out,
							int n, const uint8_t *ex_id, size_t ex_len);

/* closest() for random targets returns min(size, 20) entries, exact by brute force */
static int
random_targets_exact(const hy_rtable *rt, int targets)
{
	uint8_t		target[32];
	hy_rt_entry out[20];
	int			want = hy_rtable_size(rt) < 20 ? hy_rtable_size(rt) : 20;
	int			exact = 1;

	for (int t = 0; t < targets; t++)
	{
		int			n;

		randombytes_buf(target, sizeof(target));
		n = hy_rtable_closest(rt, target, NULL, 0, out, 20);
		exact &= n == want && closest_is_exact(rt, target, out, n, NULL, 0);
	}
	return exact;
}

/* Brute-force check that out[] are the n closest non-excluded actives */
static int
closest_is_exact(const hy_rtable *rt, const uint8_t target[32], const hy_rt_entry *out,
				 int n, const uint8_t *ex, size_t exlen)
{
	int			total = 0;

	for (int i = 0; i + 1 < n; i++)
		if (hy_kadid_cmp_dist(target, out[i].kad_id, out[i + 1].kad_id) > 0)
			return 0;
	for (int i = 0; i < hy_rtable_nslots(rt); i++)
	{
		const hy_rt_entry *e = hy_rtable_entry_at(rt, i);

		if (!e || (ex && e->peer_id_len == exlen && memcmp(e->peer_id, ex, exlen) == 0))
			continue;
		total++;
		/* anything closer than the last answer must be in the answer */
		if (n > 0 && hy_kadid_cmp_dist(target, e->kad_id, out[n - 1].kad_id) < 0)
		{
			int			found = 0;

			for (int j = 0; j < n; j++)
				found |= memcmp(out[j].kad_id, e->kad_id, 32) == 0;
			if (!found)
				return 0;
		}
	}
	return n == (total < 20 ? total : 20);
}

/* Entry point */
int
main(void)
{
	hy_rtable_config cfg;
	hy_rtable  *rt;
	hy_addrset	lo = addrs_of("/ip4/127.0.0.1/tcp/4001"),
				pub = addrs_of("/ip4/8.8.8.8/tcp/4001"),
				quic = addrs_of("/ip4/8.8.8.8/udp/4001/quic-v1"),
				none;
	hy_rt_entry out[64],
				e;
	uint8_t		target[32];
	int			rc;

	if (sodium_init() < 0)
		return 1;
	memset(&none, 0, sizeof(none));
	for (int i = 0; i < NPEERS; i++)
	{
		uint8_t		seed[32] = {0};

		seed[0] = (uint8_t) i;
		seed[1] = (uint8_t) (i >> 8);
		seed[2] = 0x5a;
		hy_keypair_from_seed(&peers[i], seed);
	}

	/* layout */
	memset(&cfg, 0, sizeof(cfg));
	hy_rtable_config_defaults(&cfg);
	is_int(cfg.k, 20, "default k = 20");
	is_int(cfg.bits, 7, "default 128 buckets");
	ok(hy_rtable_mem_size(&cfg) < 4u << 20, "default table under 4 MiB");
	{
		uint8_t		small[64];

		ok(hy_rtable_init(small, sizeof(small), &cfg) == NULL, "too small a block refused");
	}

	/* admission */
	memset(&cfg, 0, sizeof(cfg));
	cfg.bits = 2;
	cfg.k = 4;
	cfg.replacements = 2;
	rt = new_table(&cfg);
	ok(rt != NULL && hy_rtable_attach(rt) == rt, "table formatted and attachable");
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &lo, 1, 0);
	is_int(rc, HY_ERR_INVALID, "loopback-only peer refused in public mode");
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &quic, 1, 0);
	is_int(rc, HY_ERR_INVALID, "peer without TCP address refused");
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &none, 1, 0);
	is_int(rc, HY_ERR_INVALID, "peer without addresses refused");
	rc = hy_rtable_update(rt, (const uint8_t *) "\x12\x20junk", 6, &pub, 1, 0);
	is_int(rc, HY_ERR_INVALID, "invalid peer id refused");
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &pub, 1, 0);
	is_int(rc, HY_RT_ADDED, "public peer added");
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &pub, 2, 0);
	is_int(rc, HY_RT_UPDATED, "same peer updated");
	is_int(hy_rtable_size(rt), 1, "size 1");
	ok(hy_rtable_find(rt, peers[0].peer_id, peers[0].peer_id_len, &e) &&
	   e.last_seen_ms == 2 && e.addrs.n == 1, "find returns refreshed entry");
	free(rt);

	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_private = 1;
	cfg.bits = 2;
	cfg.k = 4;
	cfg.replacements = 2;
	rt = new_table(&cfg);
	rc = hy_rtable_update(rt, peers[0].peer_id, peers[0].peer_id_len, &lo, 1, 0);
	is_int(rc, HY_RT_ADDED, "loopback peer added when private addresses allowed");

	/* bucket limits: fill all 4 buckets beyond k */
	{
		int			added = 1,
					cached = 0;

		for (int i = 1; i < 60; i++)
		{
			rc = hy_rtable_update(rt, peers[i].peer_id, peers[i].peer_id_len, &lo,
								  (uint64_t) (10 + i), 0);
			added += rc == HY_RT_ADDED;
			cached += rc == HY_RT_CACHED;
		}
		is_int(added, 16, "4 buckets x k=4 active entries");
		is_int(hy_rtable_size(rt), 16, "size capped at buckets*k");
		is_int(cached, 44, "the rest went to replacement caches");
		is_int(rt->ncached, 8, "caches hold 2 per bucket");
	}

	/* eviction after failed checks promotes the freshest replacement */
	{
		const hy_rt_entry *victim = NULL;
		uint8_t		vid[HY_PEER_ID_MAX];
		size_t		vlen;

		for (int i = 0; i < hy_rtable_nslots(rt) && !victim; i++)
			victim = hy_rtable_entry_at(rt, i);
		memcpy(vid, victim->peer_id, victim->peer_id_len);
		vlen = victim->peer_id_len;
		is_int(hy_rtable_mark_failed(rt, vid, vlen), 0, "first failure keeps the peer");
		is_int(hy_rtable_mark_failed(rt, vid, vlen), 0, "second failure keeps the peer");
		is_int(hy_rtable_mark_failed(rt, vid, vlen), 1, "third failure evicts");
		ok(!hy_rtable_find(rt, vid, vlen, NULL), "evicted peer gone");
		is_int(hy_rtable_size(rt), 16, "bucket refilled from its cache");
		is_int(rt->ncached, 7, "one replacement promoted");
		is_int(hy_rtable_mark_failed(rt, vid, vlen), HY_ERR_INVALID, "unknown peer");
	}

	/* a failing peer gives its seat to a newcomer that answered */
	{
		int			slot = -1,
					victim_bucket;
		const hy_rt_entry *v;

		for (int i = 0; i < hy_rtable_nslots(rt) && slot < 0; i++)
			if (hy_rtable_entry_at(rt, i))
				slot = i;
		v = hy_rtable_entry_at(rt, slot);
		victim_bucket = (int) hy_kadid_prefix(v->kad_id, 2);
		hy_rtable_mark_failed(rt, v->peer_id, v->peer_id_len);
		rc = 0;
		for (int i = 60; i < NPEERS; i++)
		{
			uint8_t		k[32];

			hy_kadid(peers[i].peer_id, peers[i].peer_id_len, k);
			if ((int) hy_kadid_prefix(k, 2) != victim_bucket)
				continue;
			rc = hy_rtable_update(rt, peers[i].peer_id, peers[i].peer_id_len, &lo, 999, 0);
			break;
		}
		is_int(rc, HY_RT_ADDED, "newcomer replaces a peer that failed a check");
		is_int(hy_rtable_size(rt), 16, "size unchanged");
	}

	/* removal */
	{
		int			was = hy_rtable_find(rt, peers[0].peer_id, peers[0].peer_id_len, NULL);

		is_int(hy_rtable_remove(rt, peers[0].peer_id, peers[0].peer_id_len), was,
			   "remove reports whether the peer was there");
		ok(!hy_rtable_find(rt, peers[0].peer_id, peers[0].peer_id_len, NULL),
		   "removed peer gone");
	}
	is_int(hy_rtable_remove(rt, (const uint8_t *) "x", 1), 0, "remove of unknown id");
	free(rt);

	/* closest(): exact against brute force on a bigger table */
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_private = 1;
	cfg.bits = 4;
	cfg.k = 20;
	rt = new_table(&cfg);
	for (int i = 0; i < NPEERS; i++)
		hy_rtable_update(rt, peers[i].peer_id, peers[i].peer_id_len, &lo, 5, 0);
	ok(hy_rtable_size(rt) > 200, "big table filled");
	ok(random_targets_exact(rt, 200), "200 random targets: closest 20 exact by XOR");
	{
		hy_rt_exclude ex = {peers[7].peer_id, peers[7].peer_id_len};
		int			n,
					has = 0;

		hy_kadid(peers[7].peer_id, peers[7].peer_id_len, target);
		if (hy_rtable_find(rt, peers[7].peer_id, peers[7].peer_id_len, NULL))
		{
			n = hy_rtable_closest(rt, target, NULL, 0, out, 20);
			ok(n > 0 && memcmp(out[0].peer_id, peers[7].peer_id, peers[7].peer_id_len) == 0,
			   "a known target is its own closest peer");
		}
		else
			ok(1, "target not in table (bucket full); skipped");
		n = hy_rtable_closest(rt, target, &ex, 1, out, 20);
		for (int i = 0; i < n; i++)
			has |= out[i].peer_id_len == peers[7].peer_id_len &&
				memcmp(out[i].peer_id, peers[7].peer_id, peers[7].peer_id_len) == 0;
		ok(n == 20 && !has && closest_is_exact(rt, target, out, n, peers[7].peer_id,
											   peers[7].peer_id_len),
		   "excluded peer left out, still exact");
		is_int(hy_rtable_closest(rt, target, NULL, 0, out, 0), 0, "max 0 returns nothing");
		is_int(hy_rtable_closest(rt, target, NULL, 0, out, 64), hy_rtable_size(rt) < 64 ?
			   hy_rtable_size(rt) : 64, "max 64 honoured");
	}

	/* after churn (removals promote replacements, failures evict) closest() stays exact */
	for (int i = 0; i < NPEERS; i += 3)
		hy_rtable_remove(rt, peers[i].peer_id, peers[i].peer_id_len);
	for (int i = 1; i < NPEERS; i += 7)
		for (int f = 0; f < 3; f++)
			hy_rtable_mark_failed(rt, peers[i].peer_id, peers[i].peer_id_len);
	ok(random_targets_exact(rt, 200), "after removals and evictions: closest 20 still exact");

	/* liveness iteration: round robin over due entries, heads skipped */
	{
		int			due = 0;

		while (hy_rtable_next_check(rt, 100000, 1000, &e) == 1 && due < 10000)
			due++;
		is_int(due, hy_rtable_size(rt), "every entry handed out once per interval");
		is_int(hy_rtable_next_check(rt, 100500, 1000, &e), 0, "nothing due right after");
		ok(hy_rtable_next_check(rt, 101001, 1000, &e) == 1, "due again after the interval");
	}
	free(rt);

	/* a sparse table (a young node): few peers in many buckets, all found */
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_private = 1;
	cfg.bits = 10;
	rt = new_table(&cfg);
	for (int i = 0; i < 5; i++)
		hy_rtable_update(rt, peers[i].peer_id, peers[i].peer_id_len, &lo, 5, 0);
	hy_rtable_remove(rt, peers[2].peer_id, peers[2].peer_id_len);
	is_int(hy_rtable_size(rt), 4, "sparse table: 4 peers in 1024 buckets");
	ok(random_targets_exact(rt, 50), "sparse table: every peer returned, in XOR order");
	free(rt);

	/* heads are never evicted nor checked */
	memset(&cfg, 0, sizeof(cfg));
	cfg.allow_private = 1;
	rt = new_table(&cfg);
	hy_rtable_update(rt, peers[1].peer_id, peers[1].peer_id_len, &lo, 0, HY_RT_FLAG_HEAD);
	for (int i = 0; i < 5; i++)
		hy_rtable_mark_failed(rt, peers[1].peer_id, peers[1].peer_id_len);
	ok(hy_rtable_find(rt, peers[1].peer_id, peers[1].peer_id_len, NULL), "head survives failures");
	is_int(hy_rtable_next_check(rt, 1u << 30, 1000, &e), 0, "head never handed out for checks");
	free(rt);
	return tap_done();
}
