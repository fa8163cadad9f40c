/*
 * test_lookup.c — the iterative lookup state machine on a simulated
 * network of 300 peers (each knows 24 random peers and its 8 nearest):
 * FIND_NODE converges on the target, alpha bounds the requests in
 * flight, failed peers are skipped, GET_PROVIDERS stops at enough
 * providers, hostile answers (invalid ids, ourselves) are ignored.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "dht/lookup.h"
#include "tap.h"

#define NET 300
#define KNOWN 32

static hy_keypair P[NET];
static uint8_t K[NET][32];
static int	knows[NET][KNOWN];
static hy_addrset LO;
static hy_kad_builder B;
static _Alignas(16) uint8_t amem[HY_KAD_ARENA_SIZE];

/* Index of a peer id in the network */
static int
idx(const uint8_t *id, size_t len)
{
	for (int i = 0; i < NET; i++)
		if (P[i].peer_id_len == len && memcmp(P[i].peer_id, id, len) == 0)
			return i;
	return -1;
}

/* What peer i answers for a target: the 20 closest it knows */
static hy_kad_message *
answer(int i, const uint8_t target[32], int with_provider, hy_kad_arena *a)
{
	int			order[KNOWN];
	uint8_t		buf[HY_KAD_MSG_OUT_MAX];
	int			n;
	size_t		bo,
				bl;

	for (int j = 0; j < KNOWN; j++)
		order[j] = knows[i][j];
	for (int x = 1; x < KNOWN; x++)
		for (int y = x; y > 0 && hy_kadid_cmp_dist(target, K[order[y]], K[order[y - 1]]) < 0; y--)
		{
			int			t = order[y];

			order[y] = order[y - 1];
			order[y - 1] = t;
		}
	hy_kad_builder_init(&B, HY_KAD_GET_PROVIDERS, (const uint8_t *) "k", 1);
	for (int j = 0; j < 20; j++)
		hy_kad_builder_add_peer(&B, 0, P[order[j]].peer_id, P[order[j]].peer_id_len, &LO);
	if (with_provider)
		hy_kad_builder_add_peer(&B, 1, P[i].peer_id, P[i].peer_id_len, &LO);
	n = hy_kad_encode_fit(&B.msg, buf, sizeof(buf));
	if (n < 0 || hy_kad_frame(buf, (size_t) n, HY_KAD_MSG_IN_MAX, &bo, &bl) != 1)
		return NULL;
	return hy_kad_decode(a, buf + bo, bl);
}

/* Run a lookup to the end; every peer whose index % fail_mod == 1 fails */
static int
run(hy_lookup *l, int fail_mod, int provider_mod, int *max_inflight)
{
	hy_kad_arena a;
	hy_lookup_peer q[16];
	int			nq = 0,
				rc,
				steps = 0;

	hy_kad_arena_init(&a, amem, sizeof(amem));
	*max_inflight = 0;
	for (;;)
	{
		while ((rc = hy_lookup_next(l, &q[nq])) == 1)
		{
			nq++;
			if (nq > *max_inflight)
				*max_inflight = nq;
		}
		if (rc == HY_LOOKUP_DONE || nq == 0 || ++steps > 10000)
			return rc;
		/* answer the oldest request */
		{
			int			i = idx(q[0].peer_id, q[0].peer_id_len);

			if (fail_mod && i % fail_mod == 1)
				hy_lookup_failed(l, q[0].peer_id, q[0].peer_id_len);
			else
				hy_lookup_response(l, q[0].peer_id, q[0].peer_id_len,
								   answer(i, l->target, provider_mod && i % provider_mod == 0, &a));
			memmove(&q[0], &q[1], (size_t) (--nq) * sizeof(q[0]));
		}
	}
}

/* Entry point */
int
main(void)
{
	hy_lookup	l;
	hy_lookup_peer out[32];
	uint8_t		ma[16],
				self_seed[32] = {0x42};
	hy_keypair	self;
	int			n,
				maxin,
				found_all = 1,
				bounded = 1;

	if (sodium_init() < 0)
		return 1;
	n = hy_multiaddr_parse("/ip4/127.0.0.1/tcp/1", 20, ma, sizeof(ma));
	hy_addrset_add(&LO, ma, (size_t) n, NULL, 0, 1);
	hy_keypair_from_seed(&self, self_seed);
	for (int i = 0; i < NET; i++)
	{
		uint8_t		seed[32] = {0};

		seed[0] = (uint8_t) i;
		seed[1] = (uint8_t) (i >> 8);
		seed[5] = 0x33;
		hy_keypair_from_seed(&P[i], seed);
		hy_kadid(P[i].peer_id, P[i].peer_id_len, K[i]);
	}
	/* each peer: 8 nearest + 24 random */
	for (int i = 0; i < NET; i++)
	{
		int			best[8];

		for (int b = 0; b < 8; b++)
			best[b] = -1;
		for (int j = 0; j < NET; j++)
		{
			if (j == i)
				continue;
			for (int b = 0; b < 8; b++)
				if (best[b] < 0 || hy_kadid_cmp_dist(K[i], K[j], K[best[b]]) < 0)
				{
					memmove(&best[b + 1], &best[b], (size_t) (7 - b) * sizeof(int));
					best[b] = j;
					break;
				}
		}
		for (int b = 0; b < 8; b++)
			knows[i][b] = best[b];
		for (int b = 8; b < KNOWN; b++)
			knows[i][b] = (int) randombytes_uniform(NET);
	}

	is_int(hy_lookup_init(&l, HY_KAD_PUT_VALUE, (const uint8_t *) "k", 1, NULL, 0, 3, 20, 0, 1),
		   HY_ERR_INVALID, "only FIND_NODE and GET_PROVIDERS");

	/* FIND_NODE for 30 targets from 3 random seeds each */
	for (int t = 0; t < 30; t++)
	{
		int			target = (int) randombytes_uniform(NET);

		hy_lookup_init(&l, HY_KAD_FIND_NODE, P[target].peer_id, P[target].peer_id_len,
					   self.peer_id, self.peer_id_len, 3, 20, 0, 1);
		for (int s = 0; s < 3; s++)
		{
			int			seed = (int) randombytes_uniform(NET);

			hy_lookup_add(&l, P[seed].peer_id, P[seed].peer_id_len, &LO);
		}
		run(&l, 0, 0, &maxin);
		n = hy_lookup_closest(&l, out, 20);
		found_all &= n >= 1 && out[0].peer_id_len == P[target].peer_id_len &&
			memcmp(out[0].peer_id, P[target].peer_id, P[target].peer_id_len) == 0;
		bounded &= maxin <= 3;
	}
	ok(found_all, "30 FIND_NODE lookups converge on their target");
	ok(bounded, "never more than alpha = 3 in flight");

	/* failures: a third of the network does not answer */
	{
		int			target = 7,
					ok_ = 0;

		hy_lookup_init(&l, HY_KAD_FIND_NODE, P[target].peer_id, P[target].peer_id_len,
					   self.peer_id, self.peer_id_len, 3, 20, 0, 1);
		for (int s = 0; s < 6; s++)
			hy_lookup_add(&l, P[s * 40].peer_id, P[s * 40].peer_id_len, &LO);
		is_int(run(&l, 3, 0, &maxin), HY_LOOKUP_DONE, "lookup with failures ends");
		ok(l.failures > 0, "failures counted");
		n = hy_lookup_closest(&l, out, 20);
		for (int i = 0; i < n; i++)
			ok_ += idx(out[i].peer_id, out[i].peer_id_len) % 3 != 1;
		ok(n > 0 && ok_ == n, "failed peers never in the result");
	}

	/* GET_PROVIDERS stops once enough providers are in */
	{
		uint8_t		mh[34] = {0x12, 0x20, 1, 2, 3};

		hy_lookup_init(&l, HY_KAD_GET_PROVIDERS, mh, sizeof(mh), self.peer_id,
					   self.peer_id_len, 3, 20, 2, 1);
		for (int s = 0; s < 3; s++)
			hy_lookup_add(&l, P[s].peer_id, P[s].peer_id_len, &LO);
		is_int(run(&l, 0, 5, &maxin), HY_LOOKUP_DONE, "provider lookup ends");
		ok(l.nprov >= 2, "found the 2 providers it wanted");
		ok(l.queries < 40, "stopped early");
	}

	/* hostile candidates */
	hy_lookup_init(&l, HY_KAD_FIND_NODE, P[1].peer_id, P[1].peer_id_len, self.peer_id,
				   self.peer_id_len, 3, 20, 0, 0);
	is_int(hy_lookup_add(&l, self.peer_id, self.peer_id_len, &LO), 0, "ourselves never a candidate");
	is_int(hy_lookup_add(&l, (const uint8_t *) "\x00\x01", 2, &LO), 0, "invalid id refused");
	is_int(hy_lookup_add(&l, P[2].peer_id, P[2].peer_id_len, &LO), 0,
		   "loopback-only candidate refused in public mode");
	{
		hy_lookup_peer q;

		is_int(hy_lookup_next(&l, &q), HY_LOOKUP_DONE, "no candidates: done at once");
		hy_lookup_response(&l, P[3].peer_id, P[3].peer_id_len, NULL);
		hy_lookup_failed(&l, P[3].peer_id, P[3].peer_id_len);
		is_int(l.inflight, 0, "answers from peers never asked are ignored");
	}
	/* the candidate set stays bounded */
	hy_lookup_init(&l, HY_KAD_FIND_NODE, P[1].peer_id, P[1].peer_id_len, NULL, 0, 3, 20, 0, 1);
	for (int i = 0; i < NET; i++)
		hy_lookup_add(&l, P[i].peer_id, P[i].peer_id_len, &LO);
	is_int(l.ncand, HY_LOOKUP_MAX_CANDIDATES, "candidate set capped");
	{
		int			sorted = 1;

		for (int i = 0; i + 1 < l.ncand; i++)
			sorted &= hy_kadid_cmp_dist(l.target, l.cand[i].kad_id, l.cand[i + 1].kad_id) < 0;
		ok(sorted, "candidates ordered by distance");
	}
	return tap_done();
}
