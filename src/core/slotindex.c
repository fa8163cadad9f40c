/*
 * slotindex.c — open-addressing slot index (see slotindex.h).
 */
#include "core/slotindex.h"

/* Positions for nslots: a power of two, at least 2 * nslots and 8 */
uint32_t
hy_slotindex_positions(uint32_t nslots)
{
	uint32_t	n = 8;

	while (n < 2 * (uint64_t) nslots)
		n *= 2;
	return n;
}

/* Every position empty */
void
hy_slotindex_init(int32_t *index, uint32_t npos)
{
	for (uint32_t i = 0; i < npos; i++)
		index[i] = HY_SLOTINDEX_EMPTY;
}

/* Probe from the key's home position until a match or an empty position */
int32_t
hy_slotindex_find(const int32_t *index, uint32_t npos, uint32_t hash,
				  const hy_slotindex_ops *ops)
{
	uint32_t	mask = npos - 1;

	for (uint32_t i = hash & mask, n = 0; n < npos; i = (i + 1) & mask, n++)
	{
		if (index[i] == HY_SLOTINDEX_EMPTY)
			return HY_SLOTINDEX_EMPTY;
		if (ops->hash_of(ops->arg, index[i]) == hash && ops->match(ops->arg, index[i]))
			return index[i];
	}
	return HY_SLOTINDEX_EMPTY;
}

/* Put slot at the first empty position from its home */
void
hy_slotindex_insert(int32_t *index, uint32_t npos, uint32_t hash, int32_t slot)
{
	uint32_t	mask = npos - 1;

	for (uint32_t i = hash & mask, n = 0; n < npos; i = (i + 1) & mask, n++)
		if (index[i] == HY_SLOTINDEX_EMPTY)
		{
			index[i] = slot;
			return;
		}
}

/*
 * Remove slot, then shift later members of its probe run back into the
 * hole when their home allows, so every remaining key stays reachable.
 */
int
hy_slotindex_remove(int32_t *index, uint32_t npos, uint32_t hash, int32_t slot,
					const hy_slotindex_ops *ops)
{
	uint32_t	mask = npos - 1;
	uint32_t	hole = hash & mask;
	uint32_t	n = 0;

	while (index[hole] != slot)
	{
		if (index[hole] == HY_SLOTINDEX_EMPTY || ++n >= npos)
			return 0;
		hole = (hole + 1) & mask;
	}
	for (uint32_t j = (hole + 1) & mask; index[j] != HY_SLOTINDEX_EMPTY; j = (j + 1) & mask)
	{
		uint32_t	home = ops->hash_of(ops->arg, index[j]) & mask;

		/* j's entry may move to hole unless its home lies cyclically in (hole, j] */
		if (((j - home) & mask) >= ((j - hole) & mask))
		{
			index[hole] = index[j];
			hole = j;
		}
	}
	index[hole] = HY_SLOTINDEX_EMPTY;
	return 1;
}
