/*
 * memstore.c — in-memory provider and value store (see memstore.h).
 */
#include "dht/memstore.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

typedef struct pending
{
	uint8_t		key[HY_STORE_KEY_MAX];
	uint8_t		key_len;
	uint64_t	now_ms;
	hy_provider prov;
} pending;

typedef struct prec
{
	uint8_t		key[HY_STORE_KEY_MAX];
	uint8_t		key_len;
	int			peer;			/* index into peers; -1 = free slot */
	uint64_t	updated_ms;
	uint64_t	expires_ms;
} prec;

typedef struct mpeer
{
	uint8_t		id[HY_PEER_ID_MAX];
	uint8_t		id_len;
	uint64_t	seen_ms;		/* last time it provided with addresses */
	hy_addrset	addrs;
} mpeer;

typedef struct mvalue
{
	uint8_t		key[HY_STORE_KEY_MAX];
	uint8_t		key_len;
	hy_value   *v;
} mvalue;

struct hy_memstore
{
	hy_memstore_config cfg;
	pending    *queue;
	int			qlen;
	prec	   *recs;
	mpeer	   *peers;
	int			npeers;
	mvalue	   *values;
	int			nvalues;
	hy_memstore_stats st;
};

static const hy_store_ops memstore_ops;

/* Fill in defaults for zero fields */
static void
config_defaults(hy_memstore_config *c)
{
	if (c->queue_cap <= 0)
		c->queue_cap = 256;
	if (c->records_cap <= 0)
		c->records_cap = 65536;
	if (c->peers_cap <= 0)
		c->peers_cap = 16384;
	if (c->values_cap <= 0)
		c->values_cap = 256;
}

/* Create a store */
hy_memstore *
hy_memstore_new(const hy_memstore_config *cfg)
{
	hy_memstore *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	if (cfg)
		ms->cfg = *cfg;
	config_defaults(&ms->cfg);
	ms->queue = calloc((size_t) ms->cfg.queue_cap, sizeof(pending));
	ms->recs = calloc((size_t) ms->cfg.records_cap, sizeof(prec));
	ms->peers = calloc((size_t) ms->cfg.peers_cap, sizeof(mpeer));
	ms->values = calloc((size_t) ms->cfg.values_cap, sizeof(mvalue));
	if (!ms->queue || !ms->recs || !ms->peers || !ms->values)
	{
		hy_memstore_free(ms);
		return NULL;
	}
	for (int i = 0; i < ms->cfg.records_cap; i++)
		ms->recs[i].peer = -1;
	return ms;
}

/* Free the store */
void
hy_memstore_free(hy_memstore *ms)
{
	if (!ms)
		return;
	if (ms->values)
		for (int i = 0; i < ms->nvalues; i++)
			free(ms->values[i].v);
	free(ms->queue);
	free(ms->recs);
	free(ms->peers);
	free(ms->values);
	free(ms);
}

/* The hy_store view */
hy_store
hy_memstore_store(hy_memstore *ms)
{
	hy_store	s = {&memstore_ops, ms};

	return s;
}

/* Counters */
hy_memstore_stats
hy_memstore_get_stats(const hy_memstore *ms)
{
	return ms->st;
}

/* Find or create a peer; -1 when the peer table is full */
static int
peer_upsert(hy_memstore *ms, const hy_provider *p, uint64_t now)
{
	int			i;

	for (i = 0; i < ms->npeers; i++)
		if (ms->peers[i].id_len == p->peer_id_len &&
			memcmp(ms->peers[i].id, p->peer_id, p->peer_id_len) == 0)
			break;
	if (i == ms->npeers)
	{
		if (ms->npeers >= ms->cfg.peers_cap)
			return -1;
		memset(&ms->peers[i], 0, sizeof(mpeer));
		memcpy(ms->peers[i].id, p->peer_id, p->peer_id_len);
		ms->peers[i].id_len = p->peer_id_len;
		ms->npeers++;
	}
	/* addresses belong to the peer: the latest non-empty set wins */
	if (p->addrs.n > 0)
	{
		ms->peers[i].addrs = p->addrs;
		ms->peers[i].seen_ms = now;
	}
	return i;
}

/* Apply one queued record */
static void
apply_one(hy_memstore *ms, const pending *q)
{
	int			peer = peer_upsert(ms, &q->prov, q->now_ms);
	int			slot = -1,
				oldest = 0;

	if (peer < 0)
	{
		ms->st.shed++;
		return;
	}
	for (int i = 0; i < ms->cfg.records_cap; i++)
	{
		prec	   *r = &ms->recs[i];

		if (r->peer == peer && r->key_len == q->key_len &&
			memcmp(r->key, q->key, q->key_len) == 0)
		{
			slot = i;
			break;
		}
		if (slot < 0 && (r->peer < 0 || r->expires_ms <= q->now_ms))
			slot = i;
		if (ms->recs[i].expires_ms < ms->recs[oldest].expires_ms)
			oldest = i;
	}
	if (slot < 0)
	{
		slot = oldest;
		ms->st.evicted++;
	}
	if (ms->recs[slot].peer < 0)
		ms->st.records++;
	memcpy(ms->recs[slot].key, q->key, q->key_len);
	ms->recs[slot].key_len = q->key_len;
	ms->recs[slot].peer = peer;
	ms->recs[slot].updated_ms = q->now_ms;
	ms->recs[slot].expires_ms = q->now_ms + HY_PROVIDER_TTL_MS;
}

/* Apply the queue */
int
hy_memstore_flush(hy_memstore *ms)
{
	int			n = ms->qlen;

	for (int i = 0; i < n; i++)
		apply_one(ms, &ms->queue[i]);
	ms->qlen = 0;
	ms->st.flushed += (uint64_t) n;
	return n;
}

/* Enqueue a provider record */
static int
ms_add_provider(void *ctx, const uint8_t *key, size_t key_len,
				const hy_provider *p, uint64_t now_ms)
{
	hy_memstore *ms = ctx;
	pending    *q;

	if (key_len == 0 || key_len > HY_STORE_KEY_MAX || p->peer_id_len == 0 ||
		p->peer_id_len > HY_PEER_ID_MAX)
		return HY_ERR_INVALID;
	if (ms->qlen >= ms->cfg.queue_cap)
	{
		ms->st.shed++;
		return HY_STORE_SHED;
	}
	q = &ms->queue[ms->qlen++];
	memcpy(q->key, key, key_len);
	q->key_len = (uint8_t) key_len;
	q->now_ms = now_ms;
	q->prov = *p;
	ms->st.queued++;
	if (ms->cfg.auto_flush)
		hy_memstore_flush(ms);
	return HY_OK;
}

/* Providers of a key, newest first */
static int
ms_get_providers(void *ctx, const uint8_t *key, size_t key_len,
				 hy_provider *out, int max, uint64_t now_ms)
{
	hy_memstore *ms = ctx;
	uint64_t	stamp[256];
	int			n = 0;

	if (max > 256)
		max = 256;
	for (int i = 0; i < ms->cfg.records_cap && max > 0; i++)
	{
		const prec *r = &ms->recs[i];
		const mpeer *pe;
		int			pos;

		if (r->peer < 0 || r->expires_ms <= now_ms || r->key_len != key_len ||
			memcmp(r->key, key, key_len) != 0)
			continue;
		/* insertion into the newest-first list; drop the oldest if full */
		pos = n;
		while (pos > 0 && stamp[pos - 1] < r->updated_ms)
			pos--;
		if (pos >= max)
			continue;
		if (n == max)
			n--;
		memmove(&out[pos + 1], &out[pos], (size_t) (n - pos) * sizeof(*out));
		memmove(&stamp[pos + 1], &stamp[pos], (size_t) (n - pos) * sizeof(*stamp));
		pe = &ms->peers[r->peer];
		memset(&out[pos], 0, sizeof(out[pos]));
		memcpy(out[pos].peer_id, pe->id, pe->id_len);
		out[pos].peer_id_len = pe->id_len;
		if (pe->seen_ms + HY_PROVIDER_ADDR_TTL_MS > now_ms)
			out[pos].addrs = pe->addrs;
		stamp[pos] = r->updated_ms;
		n++;
	}
	return n;
}

/* Find a value slot by key; -1 if absent */
static int
value_find(const hy_memstore *ms, const uint8_t *key, size_t key_len)
{
	for (int i = 0; i < ms->nvalues; i++)
		if (ms->values[i].key_len == key_len &&
			memcmp(ms->values[i].key, key, key_len) == 0)
			return i;
	return -1;
}

/* Read a value */
static int
ms_get_value(void *ctx, const uint8_t *key, size_t key_len, hy_value *out)
{
	hy_memstore *ms = ctx;
	int			i = value_find(ms, key, key_len);

	if (i < 0)
		return 0;
	*out = *ms->values[i].v;
	return 1;
}

/* Store a value unless the stored one is newer */
static int
ms_put_value(void *ctx, const uint8_t *key, size_t key_len, const hy_value *v)
{
	hy_memstore *ms = ctx;
	int			i;

	if (key_len == 0 || key_len > HY_STORE_KEY_MAX || v->len > HY_VALUE_MAX)
		return HY_ERR_INVALID;
	i = value_find(ms, key, key_len);
	if (i >= 0)
	{
		if (hy_value_order_cmp(ms->values[i].v, v) > 0)
			return HY_STORE_OLDER;
		*ms->values[i].v = *v;
		return HY_OK;
	}
	if (ms->nvalues >= ms->cfg.values_cap)
		return HY_STORE_UNAVAILABLE;
	i = ms->nvalues;
	ms->values[i].v = malloc(sizeof(hy_value));
	if (!ms->values[i].v)
		return HY_ERR_NOMEM;
	memcpy(ms->values[i].key, key, key_len);
	ms->values[i].key_len = (uint8_t) key_len;
	*ms->values[i].v = *v;
	ms->nvalues++;
	ms->st.values++;
	return HY_OK;
}

/* Several keys: one ms_get_providers each (the interface's batch form) */
static int
ms_get_providers_many(void *ctx, const uint8_t *const *keys, const size_t *key_lens,
					  int nkeys, hy_provider *out, int max, int *counts, uint64_t now_ms)
{
	hy_memstore *ms = ctx;

	ms->st.lookup_batches++;
	for (int i = 0; i < nkeys; i++)
		counts[i] = ms_get_providers(ctx, keys[i], key_lens[i], out + (size_t) i * max, max, now_ms);
	return 0;
}

static const hy_store_ops memstore_ops = {
	ms_add_provider, ms_get_providers, ms_get_value, ms_put_value, ms_get_providers_many
};
