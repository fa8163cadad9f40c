/*
 * rtable.c — prefix-bucketed shared routing table (see rtable.h and
 * src/dht/README.md).
 */
#include "dht/rtable.h"

#include <string.h>

#include "core/err.h"

#define RT_MAGIC 0x68797274u	/* "hyrt" */

/* Fill defaults and clamp */
void
hy_rtable_config_defaults(hy_rtable_config *cfg)
{
	if (cfg->bits <= 0)
		cfg->bits = cfg->bits < 0 ? 0 : 7;
	if (cfg->bits > HY_RT_MAX_BITS)
		cfg->bits = HY_RT_MAX_BITS;
	if (cfg->k <= 0)
		cfg->k = 20;
	if (cfg->k > HY_RT_MAX_K)
		cfg->k = HY_RT_MAX_K;
	if (cfg->replacements < 0)
		cfg->replacements = 0;
	else if (cfg->replacements == 0)
		cfg->replacements = 4;
	if (cfg->replacements > HY_RT_MAX_REPLACEMENTS)
		cfg->replacements = HY_RT_MAX_REPLACEMENTS;
	if (cfg->max_failures <= 0)
		cfg->max_failures = 3;
	if (cfg->max_failures > 255)
		cfg->max_failures = 255;
}

/* Bytes for a table */
size_t
hy_rtable_mem_size(const hy_rtable_config *cfg)
{
	hy_rtable_config c = *cfg;

	hy_rtable_config_defaults(&c);
	return sizeof(hy_rtable) +
		((size_t) 1 << c.bits) * (size_t) (c.k + c.replacements) * sizeof(hy_rt_entry) +
		((size_t) 1 << c.bits) * sizeof(uint32_t);
}

/*
 * Active entries per bucket, after the entries: lookups skip empty
 * buckets without touching their slots (a young table is mostly empty).
 */
static inline uint32_t *
bucket_active(const hy_rtable *rt)
{
	return (uint32_t *) &rt->entries[(size_t) rt->nbuckets * rt->slots];
}

/* One more (delta 1) or one fewer (-1) active entry in the bucket starting at b */
static void
count_active(hy_rtable *rt, const hy_rt_entry *b, int delta)
{
	size_t		bucket = (size_t) (b - rt->entries) / rt->slots;

	rt->count += (uint32_t) delta;
	bucket_active(rt)[bucket] += (uint32_t) delta;
}

/* Format a table */
hy_rtable *
hy_rtable_init(void *mem, size_t size, const hy_rtable_config *cfg)
{
	hy_rtable  *rt = mem;
	hy_rtable_config c = *cfg;

	hy_rtable_config_defaults(&c);
	if (!mem || ((uintptr_t) mem & 7) != 0 || size < hy_rtable_mem_size(&c))
		return NULL;
	memset(mem, 0, hy_rtable_mem_size(&c));
	rt->cfg = c;
	rt->nbuckets = 1u << c.bits;
	rt->slots = (uint32_t) (c.k + c.replacements);
	rt->magic = RT_MAGIC;
	return rt;
}

/* Check the magic of a formatted table */
hy_rtable *
hy_rtable_attach(void *mem)
{
	hy_rtable  *rt = mem;

	return rt && rt->magic == RT_MAGIC ? rt : NULL;
}

/* First slot of the bucket an id falls in */
static hy_rt_entry *
bucket_of(const hy_rtable *rt, const uint8_t kad_id[HY_KADID_LEN])
{
	unsigned	b = hy_kadid_prefix(kad_id, (int) rt->cfg.bits);

	return (hy_rt_entry *) &rt->entries[(size_t) b * rt->slots];
}

/* Find a peer's slot in its bucket */
static hy_rt_entry *
slot_of(const hy_rtable *rt, const uint8_t *peer_id, size_t len,
		uint8_t kad_id[HY_KADID_LEN])
{
	hy_rt_entry *b;

	if (len == 0 || len > HY_PEER_ID_MAX)
		return NULL;
	hy_kadid(peer_id, len, kad_id);
	b = bucket_of(rt, kad_id);
	for (uint32_t i = 0; i < rt->slots; i++)
		if (b[i].state != HY_RT_FREE && b[i].peer_id_len == len &&
			memcmp(b[i].peer_id, peer_id, len) == 0)
			return &b[i];
	return NULL;
}

/* Move the freshest replacement of a bucket into a freed active slot */
static void
promote(hy_rtable *rt, hy_rt_entry *b)
{
	int			best = -1;

	for (uint32_t i = 0; i < rt->slots; i++)
		if (b[i].state == HY_RT_REPLACEMENT &&
			(best < 0 || b[i].last_seen_ms > b[best].last_seen_ms))
			best = (int) i;
	if (best < 0)
		return;
	b[best].state = HY_RT_ACTIVE;
	b[best].failed = 0;
	rt->ncached--;
	count_active(rt, b, 1);
	rt->st.promoted++;
}

/* Free a slot and keep the bucket full from its cache */
static void
drop(hy_rtable *rt, hy_rt_entry *e)
{
	hy_rt_entry *b = bucket_of(rt, e->kad_id);
	int			was_active = e->state == HY_RT_ACTIVE;

	if (was_active)
		count_active(rt, b, -1);
	else
		rt->ncached--;
	memset(e, 0, sizeof(*e));
	if (was_active)
		promote(rt, b);
	rt->generation++;
}

/* Write a peer into a slot */
static void
fill(hy_rt_entry *e, const uint8_t *peer_id, size_t len,
	 const uint8_t kad_id[HY_KADID_LEN], const hy_addrset *addrs,
	 uint64_t now, int flags, int state)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->kad_id, kad_id, HY_KADID_LEN);
	memcpy(e->peer_id, peer_id, len);
	e->peer_id_len = (uint8_t) len;
	e->state = (uint8_t) state;
	e->flags = (uint8_t) flags;
	e->added_ms = now;
	e->last_seen_ms = now;
	e->addrs = *addrs;
}

/* First free slot of a bucket, or NULL */
static hy_rt_entry *
free_slot(const hy_rtable *rt, hy_rt_entry *b)
{
	for (uint32_t i = 0; i < rt->slots; i++)
		if (b[i].state == HY_RT_FREE)
			return &b[i];
	return NULL;
}

/* Put a new or cached peer into an active seat */
static int
seat(hy_rtable *rt, hy_rt_entry *e, hy_rt_entry *slot, const uint8_t *peer_id,
	 size_t len, const uint8_t kad_id[HY_KADID_LEN], const hy_addrset *kept,
	 uint64_t now_ms, int flags)
{
	if (!e && !slot)
		return HY_RT_CACHED;
	if (e)
	{
		e->state = HY_RT_ACTIVE;
		rt->ncached--;
		rt->st.promoted++;
	}
	else
	{
		fill(slot, peer_id, len, kad_id, kept, now_ms, flags, HY_RT_ACTIVE);
		rt->st.added++;
	}
	count_active(rt, bucket_of(rt, kad_id), 1);
	rt->generation++;
	return HY_RT_ADDED;
}

/* Add or refresh a peer */
int
hy_rtable_update(hy_rtable *rt, const uint8_t *peer_id, size_t len,
				 const hy_addrset *addrs, uint64_t now_ms, int flags)
{
	uint8_t		kad_id[HY_KADID_LEN];
	hy_addrset	kept;
	hy_rt_entry *e,
			   *b,
			   *slot;
	int			worst = -1,
				oldest = -1;
	uint32_t	nactive = 0,
				ncache = 0;

	memset(&kept, 0, sizeof(kept));
	if (!peer_id || hy_peerid_check(peer_id, len) != 0)
	{
		rt->st.rejected++;
		return HY_ERR_INVALID;
	}
	for (int i = 0; addrs && i < addrs->n && i < HY_ADDRS_MAX; i++)
		hy_addrset_add(&kept, addrs->a[i], addrs->len[i], peer_id, len,
					   rt->cfg.allow_private);
	if (!hy_addrset_has_tcp(&kept))
	{
		rt->st.rejected++;
		return HY_ERR_INVALID;
	}
	e = slot_of(rt, peer_id, len, kad_id);
	if (e)
	{
		e->addrs = kept;
		e->last_seen_ms = now_ms;
		e->failed = 0;
		e->flags |= (uint8_t) flags;
		rt->generation++;
		if (e->state == HY_RT_ACTIVE)
		{
			rt->st.updated++;
			return HY_RT_UPDATED;
		}
	}
	b = bucket_of(rt, kad_id);
	for (uint32_t i = 0; i < rt->slots; i++)
	{
		if (b[i].state == HY_RT_ACTIVE)
		{
			nactive++;
			if (!(b[i].flags & HY_RT_FLAG_HEAD) && b[i].failed > 0 &&
				(worst < 0 || b[i].failed > b[worst].failed))
				worst = (int) i;
		}
		else if (b[i].state == HY_RT_REPLACEMENT)
		{
			ncache++;
			if (&b[i] != e &&
				(oldest < 0 || b[i].last_seen_ms < b[oldest].last_seen_ms))
				oldest = (int) i;
		}
	}
	/* a seat is free: slots = k + replacements, so a free slot exists */
	if (nactive < (uint32_t) rt->cfg.k)
		return seat(rt, e, free_slot(rt, b), peer_id, len, kad_id, &kept,
					now_ms, flags);
	/* a peer that answers replaces one that failed its last check */
	if (worst >= 0)
	{
		slot = &b[worst];
		memset(slot, 0, sizeof(*slot));
		count_active(rt, b, -1);
		rt->st.evicted++;
		return seat(rt, e, slot, peer_id, len, kad_id, &kept, now_ms, flags);
	}
	/* bucket full of live peers: keep the newcomer as a replacement */
	rt->st.cached++;
	if (e)
		return HY_RT_CACHED;
	if (rt->cfg.replacements == 0)
		return HY_RT_CACHED;
	if (ncache < (uint32_t) rt->cfg.replacements)
	{
		slot = free_slot(rt, b);
		rt->ncached++;
	}
	else
		slot = &b[oldest];
	if (!slot)
		return HY_RT_CACHED;
	fill(slot, peer_id, len, kad_id, &kept, now_ms, flags, HY_RT_REPLACEMENT);
	rt->generation++;
	return HY_RT_CACHED;
}

/* A liveness check succeeded */
int
hy_rtable_touch(hy_rtable *rt, const uint8_t *peer_id, size_t len, uint64_t now_ms)
{
	uint8_t		kad_id[HY_KADID_LEN];
	hy_rt_entry *e = slot_of(rt, peer_id, len, kad_id);

	if (!e)
		return HY_ERR_INVALID;
	e->failed = 0;
	e->last_seen_ms = now_ms;
	return 0;
}

/* A liveness check failed */
int
hy_rtable_mark_failed(hy_rtable *rt, const uint8_t *peer_id, size_t len)
{
	uint8_t		kad_id[HY_KADID_LEN];
	hy_rt_entry *e = slot_of(rt, peer_id, len, kad_id);

	if (!e)
		return HY_ERR_INVALID;
	if (e->flags & HY_RT_FLAG_HEAD)
		return 0;
	if (e->failed < 255)
		e->failed++;
	if (e->failed < rt->cfg.max_failures)
		return 0;
	drop(rt, e);
	rt->st.evicted++;
	return 1;
}

/* Remove a peer */
int
hy_rtable_remove(hy_rtable *rt, const uint8_t *peer_id, size_t len)
{
	uint8_t		kad_id[HY_KADID_LEN];
	hy_rt_entry *e = slot_of(rt, peer_id, len, kad_id);

	if (!e)
		return 0;
	drop(rt, e);
	rt->st.removed++;
	return 1;
}

/* Copy a peer's entry */
int
hy_rtable_find(const hy_rtable *rt, const uint8_t *peer_id, size_t len, hy_rt_entry *out)
{
	uint8_t		kad_id[HY_KADID_LEN];
	hy_rt_entry *e = slot_of(rt, peer_id, len, kad_id);

	if (!e)
		return 0;
	if (out)
		*out = *e;
	return 1;
}

/* Whether an entry is one of the excluded ids */
static int
excluded(const hy_rt_entry *e, const hy_rt_exclude *ex, int nex)
{
	for (int i = 0; i < nex; i++)
		if (ex[i].id && ex[i].len == e->peer_id_len &&
			memcmp(ex[i].id, e->peer_id, ex[i].len) == 0)
			return 1;
	return 0;
}

/* The closest active entries to a target */
int
hy_rtable_closest(const hy_rtable *rt, const uint8_t target[HY_KADID_LEN],
				  const hy_rt_exclude *exclude, int nexclude,
				  hy_rt_entry *out, int max)
{
	unsigned	tp = hy_kadid_prefix(target, (int) rt->cfg.bits);
	const uint32_t *active = bucket_active(rt);
	uint32_t	seen = 0;
	int			n = 0;

	if (max <= 0)
		return 0;
	/*
	 * Bucket tp ^ x holds exactly the ids whose distance starts with x, so
	 * visiting x = 0, 1, 2, ... visits buckets in distance order; once a
	 * whole bucket has been taken and max are in, nothing later is closer.
	 */
	for (unsigned x = 0; x < rt->nbuckets && n < max && seen < rt->count; x++)
	{
		const hy_rt_entry *b = &rt->entries[(size_t) (tp ^ x) * rt->slots];

		if (active[tp ^ x] == 0)
			continue;
		seen += active[tp ^ x];
		for (uint32_t i = 0; i < rt->slots; i++)
		{
			const hy_rt_entry *e = &b[i];
			int			pos;

			if (e->state != HY_RT_ACTIVE || excluded(e, exclude, nexclude))
				continue;
			pos = n;
			while (pos > 0 && hy_kadid_cmp_dist(target, e->kad_id, out[pos - 1].kad_id) < 0)
				pos--;
			if (pos >= max)
				continue;
			if (n == max)
				n--;
			memmove(&out[pos + 1], &out[pos], (size_t) (n - pos) * sizeof(*out));
			out[pos] = *e;
			n++;
		}
	}
	return n;
}

/* Active entries */
int
hy_rtable_size(const hy_rtable *rt)
{
	return (int) rt->count;
}

/* Slot count */
int
hy_rtable_nslots(const hy_rtable *rt)
{
	return (int) (rt->nbuckets * rt->slots);
}

/* An active entry by slot */
const hy_rt_entry *
hy_rtable_entry_at(const hy_rtable *rt, int i)
{
	if (i < 0 || i >= hy_rtable_nslots(rt) || rt->entries[i].state != HY_RT_ACTIVE)
		return NULL;
	return &rt->entries[i];
}

/* Next entry due for a liveness check */
int
hy_rtable_next_check(hy_rtable *rt, uint64_t now_ms, uint64_t interval_ms,
					 hy_rt_entry *out)
{
	uint32_t	nslots = rt->nbuckets * rt->slots;

	for (uint32_t step = 0; step < nslots; step++)
	{
		hy_rt_entry *e = &rt->entries[(rt->cursor + step) % nslots];

		if (e->state != HY_RT_ACTIVE || (e->flags & HY_RT_FLAG_HEAD) ||
			e->last_seen_ms + interval_ms > now_ms ||
			e->last_check_ms + interval_ms > now_ms)
			continue;
		e->last_check_ms = now_ms;
		rt->cursor = (rt->cursor + step + 1) % nslots;
		*out = *e;
		return 1;
	}
	return 0;
}
