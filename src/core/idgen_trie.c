/*
 * idgen_trie.c — leaf depths of a set of Kademlia ids in a binary trie.
 *
 * In a binary trie whose leaves each hold one id, an id's leaf sits at its
 * shortest unique prefix: 1 + its longest common prefix with any other id.
 * After sorting, the id sharing the longest prefix with a given one is always
 * one of its two neighbours, so a sort plus one pass gives every depth.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/idgen.h"
#include "core/idgen_internal.h"

/* One id and the position it came from, so depths go back in input order */
typedef struct trie_entry
{
	uint8_t		id[32];
	size_t		pos;
} trie_entry;

/* Order entries by id bytes (MSB-first bit order is byte order) */
static int
trie_entry_cmp(const void *a, const void *b)
{
	return memcmp(((const trie_entry *) a)->id, ((const trie_entry *) b)->id, 32);
}

/* Compute each id's leaf depth in the trie of the whole set */
int
hy_trie_depths(const uint8_t (*kad_ids)[32], size_t n, int *depths)
{
	trie_entry *e;
	int			prev_lcp = -1;

	if (n > 0 && (kad_ids == NULL || depths == NULL))
		return HY_ERR_INVALID;
	if (n == 1)
		depths[0] = 0;
	if (n <= 1)
		return HY_OK;
	if (n > SIZE_MAX / sizeof(trie_entry))
		return HY_ERR_TOO_LONG;
	e = malloc(n * sizeof(trie_entry));
	if (e == NULL)
		return HY_ERR_NOMEM;
	for (size_t k = 0; k < n; k++)
	{
		memcpy(e[k].id, kad_ids[k], 32);
		e[k].pos = k;
	}
	qsort(e, n, sizeof(trie_entry), trie_entry_cmp);

	for (size_t k = 0; k < n; k++)
	{
		int			next_lcp = -1;
		int			best;

		if (k + 1 < n)
		{
			next_lcp = hy_idgen_common_prefix(e[k].id, e[k + 1].id);
			if (next_lcp == 256)
			{
				/* two equal ids can never be told apart by any prefix */
				free(e);
				return HY_ERR_INVALID;
			}
		}
		best = prev_lcp > next_lcp ? prev_lcp : next_lcp;
		depths[e[k].pos] = best + 1;
		prev_lcp = next_lcp;
	}
	free(e);
	return HY_OK;
}

/* Summarise the leaf depths of a set of ids (all zero for an empty set) */
int
hy_trie_balance_of(const uint8_t (*kad_ids)[32], size_t n, hy_trie_balance *out)
{
	int		   *d;
	double		sum = 0;
	int			rc;

	if (out == NULL || (n > 0 && kad_ids == NULL))
		return HY_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return HY_OK;
	if (n > SIZE_MAX / sizeof(int))
		return HY_ERR_TOO_LONG;
	d = malloc(n * sizeof(int));
	if (d == NULL)
		return HY_ERR_NOMEM;
	rc = hy_trie_depths(kad_ids, n, d);
	if (rc == HY_OK)
	{
		out->min_depth = d[0];
		out->max_depth = d[0];
		for (size_t k = 0; k < n; k++)
		{
			if (d[k] < out->min_depth)
				out->min_depth = d[k];
			if (d[k] > out->max_depth)
				out->max_depth = d[k];
			sum += d[k];
		}
		out->mean_depth = sum / (double) n;
	}
	free(d);
	return rc;
}
