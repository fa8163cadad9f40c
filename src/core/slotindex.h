/*
 * slotindex.h — an open-addressing hash index over numbered slots of a
 * fixed array the caller owns (linear probing, deletion by backward
 * shift, so there are no tombstones and probes stay short under churn).
 * It stores only slot numbers; the caller keeps each slot's key and hash
 * and answers "does slot s hold this key" and "what is slot s's hash".
 * Plain int32 arrays and no pointers, so it can live in shared memory.
 * The index must have at least twice as many positions as slots in use.
 */
#ifndef HY_CORE_SLOTINDEX_H
#define HY_CORE_SLOTINDEX_H

#include <stddef.h>
#include <stdint.h>

#define HY_SLOTINDEX_EMPTY (-1)

typedef struct hy_slotindex_ops
{
	/* whether slot holds the key being looked up (arg: the caller's) */
	int			(*match) (void *arg, int32_t slot);
	/* the hash of the key slot holds */
	uint32_t	(*hash_of) (void *arg, int32_t slot);
	void	   *arg;
} hy_slotindex_ops;

/* Positions for up to nslots slots: a power of two >= 2 * nslots */
uint32_t	hy_slotindex_positions(uint32_t nslots);

/* Empty an index of npos positions (from hy_slotindex_positions) */
void		hy_slotindex_init(int32_t *index, uint32_t npos);

/* The slot whose key matches (hash is the key's), or HY_SLOTINDEX_EMPTY */
int32_t		hy_slotindex_find(const int32_t *index, uint32_t npos, uint32_t hash,
							  const hy_slotindex_ops *ops);

/* Index slot under hash (the caller has checked it is not there yet) */
void		hy_slotindex_insert(int32_t *index, uint32_t npos, uint32_t hash, int32_t slot);

/* Take slot (indexed under hash) out of the index; 0 if it was not there */
int			hy_slotindex_remove(int32_t *index, uint32_t npos, uint32_t hash, int32_t slot,
								const hy_slotindex_ops *ops);

#endif
