/*
 * test_slotindex.c — the open-addressing slot index against a reference:
 * random inserts and removals with deliberately colliding hashes, every
 * key findable while present and gone after removal, probe runs wrapping
 * around the end of the index.
 */
#include <stdlib.h>
#include <string.h>

#include "core/slotindex.h"
#include "tap.h"

#define NSLOTS 500

static uint32_t slot_key[NSLOTS];	/* the key each slot holds */
static int	slot_used[NSLOTS];
static uint32_t wanted;			/* key being looked up */
static uint32_t hash_bits = 0xffffffffu;	/* narrow hashes force collisions */

/* A weak hash of a key, masked to collide a lot */
static uint32_t
key_hash(uint32_t key)
{
	return (key * 2654435761u) & hash_bits;
}

/* Whether slot holds the wanted key */
static int
match(void *arg, int32_t slot)
{
	(void) arg;
	return slot_key[slot] == wanted;
}

/* Hash of the key in slot */
static uint32_t
hash_of(void *arg, int32_t slot)
{
	(void) arg;
	return key_hash(slot_key[slot]);
}

/* Check every slot: used ones are found, unused keys are not */
static int
consistent(const int32_t *index, uint32_t npos, const hy_slotindex_ops *ops)
{
	for (int s = 0; s < NSLOTS; s++)
	{
		int32_t		got;

		wanted = slot_key[s];
		got = hy_slotindex_find(index, npos, key_hash(wanted), ops);
		if (slot_used[s] ? got != s : got != HY_SLOTINDEX_EMPTY)
			return 0;
	}
	return 1;
}

int
main(void)
{
	hy_slotindex_ops ops = {match, hash_of, NULL};
	uint32_t	npos = hy_slotindex_positions(NSLOTS);
	int32_t    *index = malloc(sizeof(int32_t) * npos);
	int			ok_all = 1;

	is_int((int) npos, 1024, "positions: power of two >= 2 x slots");
	is_int((int) hy_slotindex_positions(0), 8, "at least 8 positions");
	for (int round = 0; round < 3; round++)
	{
		/* round 0: good hashes; 1: 6 bits (heavy collisions); 2: 0 bits (one chain) */
		hash_bits = round == 0 ? 0xffffffffu : round == 1 ? 0x3f : 0;
		hy_slotindex_init(index, npos);
		memset(slot_used, 0, sizeof(slot_used));
		for (int s = 0; s < NSLOTS; s++)
			slot_key[s] = (uint32_t) (s * 7919 + round);
		srand(42 + round);
		for (int step = 0; step < 20000; step++)
		{
			int			s = rand() % NSLOTS;

			if (slot_used[s])
			{
				if (!hy_slotindex_remove(index, npos, key_hash(slot_key[s]), s, &ops))
					ok_all = 0;
				slot_used[s] = 0;
				/* reuse the slot for a new key, as the queue does */
				slot_key[s] += 100003;
			}
			else
			{
				hy_slotindex_insert(index, npos, key_hash(slot_key[s]), s);
				slot_used[s] = 1;
			}
			if (step % 97 == 0 && !consistent(index, npos, &ops))
				ok_all = 0;
		}
		ok(ok_all && consistent(index, npos, &ops),
		   round == 0 ? "20,000 random inserts/removals: index matches the reference" :
		   round == 1 ? "same with 6-bit hashes (long probe runs, wrap-around)" :
		   "same with every key in one probe run");
	}
	is_int(hy_slotindex_remove(index, npos, 12345, 9999, &ops), 0, "removing an absent slot: 0");
	free(index);
	return tap_done();
}
