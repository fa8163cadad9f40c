/*
 * idgen_twochoice.c — the Go original's "power of two choices" generator,
 * kept only to measure how much better the balanced method does.
 *
 * Each addition draws two fresh candidates and keeps the one whose leaf in
 * the trie of the ids chosen so far would be shallower.  A candidate's leaf
 * depth is 1 + its longest common prefix with a chosen id, and the chosen id
 * sharing the most is a sorted neighbour, so the chosen ids are kept in a
 * sorted array.  Unlike the balanced method, id k depends on ids 0..k-1.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/idgen.h"
#include "core/idgen_internal.h"

/* Find where id goes in the sorted set and the leaf depth it would get; -1 if present */
static int
twochoice_probe(const uint8_t (*set)[32], size_t n, const uint8_t *id, size_t *slot)
{
	size_t		lo = 0,
				hi = n;
	int			best = -1;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = memcmp(set[mid], id, 32);

		if (c == 0)
			return -1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*slot = lo;
	if (lo > 0)
		best = hy_idgen_common_prefix(set[lo - 1], id);
	if (lo < n)
	{
		int			l = hy_idgen_common_prefix(set[lo], id);

		if (l > best)
			best = l;
	}
	return best + 1;			/* 0 for the first id */
}

/* Draw the next candidate not already chosen; its depth and slot come back too */
static int
twochoice_draw(const uint8_t seed[32], uint32_t *counter,
			   const uint8_t (*set)[32], size_t n,
			   hy_idgen_result *cand, int *depth, size_t *slot)
{
	static const uint8_t info[] = "hydra keys";

	for (;;)
	{
		crypto_auth_hmacsha256_state prk;
		uint8_t		salt[4];
		int			rc;

		if (*counter == UINT32_MAX)
			return HY_ERR_TOO_LONG;
		(*counter)++;
		for (int k = 0; k < 4; k++)
			salt[k] = (uint8_t) (*counter >> (8 * k));
		hy_idgen_hkdf_extract(salt, sizeof(salt), seed, HY_IDGEN_SEED_LEN, &prk);
		hy_idgen_hkdf_expand32(&prk, info, sizeof(info) - 1, cand->seed);
		sodium_memzero(&prk, sizeof(prk));
		cand->index = *counter;
		cand->attempts = 2;
		if ((rc = hy_idgen_identity(cand)) != HY_OK)
			return rc;
		/* like the original, a candidate equal to a chosen id is redrawn */
		if ((*depth = twochoice_probe(set, n, cand->kad_id, slot)) >= 0)
			return HY_OK;
	}
}

/* Generate the first count ids of the two-choice sequence for seed */
int
hy_idgen_twochoice(const uint8_t seed[32], uint32_t count, hy_idgen_result *out)
{
	uint8_t		(*set)[32];
	uint32_t	counter = 0;
	int			rc = HY_OK;

	if (seed == NULL || (out == NULL && count > 0))
		return HY_ERR_INVALID;
	if (count == 0)
		return HY_OK;
	if ((rc = hy_idgen_sodium_ready()) != HY_OK)
		return rc;
	set = malloc((size_t) count * 32);
	if (set == NULL)
		return HY_ERR_NOMEM;

	for (uint32_t n = 0; n < count; n++)
	{
		hy_idgen_result c0,
					c1;
		int			d0,
					d1;
		size_t		s0,
					s1;
		const hy_idgen_result *pick;
		size_t		slot;

		if ((rc = twochoice_draw(seed, &counter, (const uint8_t (*)[32]) set, n,
								 &c0, &d0, &s0)) != HY_OK ||
			(rc = twochoice_draw(seed, &counter, (const uint8_t (*)[32]) set, n,
								 &c1, &d1, &s1)) != HY_OK)
			break;
		/* the original keeps the first only when strictly shallower */
		pick = d0 < d1 ? &c0 : &c1;
		slot = d0 < d1 ? s0 : s1;
		out[n] = *pick;
		memmove(set[slot + 1], set[slot], (n - slot) * 32);
		memcpy(set[slot], pick->kad_id, 32);
		sodium_memzero(&c0, sizeof(c0));
		sodium_memzero(&c1, sizeof(c1));
	}
	free(set);
	if (rc != HY_OK)
		sodium_memzero(out, sizeof(*out) * count);
	return rc;
}
