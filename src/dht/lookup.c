/*
 * lookup.c — iterative lookup state machine (see lookup.h).
 */
#include "dht/lookup.h"

#include <string.h>

#include "core/err.h"
#include "core/peerid.h"

/* Start a lookup */
int
hy_lookup_init(hy_lookup *l, int type, const uint8_t *key, size_t key_len,
			   const uint8_t *self, size_t self_len, int alpha, int k,
			   int want_providers, int allow_private)
{
	if ((type != HY_KAD_FIND_NODE && type != HY_KAD_GET_PROVIDERS) || !key ||
		key_len == 0 || key_len > HY_STORE_KEY_MAX || self_len > HY_PEER_ID_MAX)
		return HY_ERR_INVALID;
	memset(l, 0, sizeof(*l));
	l->type = type;
	memcpy(l->key, key, key_len);
	l->key_len = key_len;
	hy_kadid(key, key_len, l->target);
	if (self && self_len)
		memcpy(l->self, self, self_len);
	l->self_len = self_len;
	l->alpha = alpha <= 0 ? 3 : alpha > 16 ? 16 : alpha;
	l->k = k <= 0 ? 20 : k > HY_LOOKUP_MAX_CANDIDATES / 2 ? HY_LOOKUP_MAX_CANDIDATES / 2 : k;
	l->want_providers = want_providers < 0 ? 0 :
		want_providers > HY_LOOKUP_MAX_PROVIDERS ? HY_LOOKUP_MAX_PROVIDERS : want_providers;
	l->allow_private = allow_private;
	return HY_OK;
}

/* Index of a candidate, -1 if unknown */
static int
find(const hy_lookup *l, const uint8_t *id, size_t len)
{
	for (int i = 0; i < l->ncand; i++)
		if (l->cand[i].peer_id_len == len && memcmp(l->cand[i].peer_id, id, len) == 0)
			return i;
	return -1;
}

/* Add a candidate in distance order, evicting the farthest idle one */
int
hy_lookup_add(hy_lookup *l, const uint8_t *peer_id, size_t len, const hy_addrset *addrs)
{
	hy_lookup_peer p;
	int			pos;

	if (!peer_id || hy_peerid_check(peer_id, len) != HY_OK ||
		(len == l->self_len && memcmp(peer_id, l->self, len) == 0) ||
		find(l, peer_id, len) >= 0)
		return 0;
	memset(&p, 0, sizeof(p));
	for (int i = 0; addrs && i < addrs->n; i++)
		hy_addrset_add(&p.addrs, addrs->a[i], addrs->len[i], peer_id, len, l->allow_private);
	if (!hy_addrset_has_tcp(&p.addrs))
		return 0;
	memcpy(p.peer_id, peer_id, len);
	p.peer_id_len = (uint8_t) len;
	hy_kadid(peer_id, len, p.kad_id);
	pos = l->ncand;
	while (pos > 0 && hy_kadid_cmp_dist(l->target, p.kad_id, l->cand[pos - 1].kad_id) < 0)
		pos--;
	if (l->ncand == HY_LOOKUP_MAX_CANDIDATES)
	{
		int			victim = -1;

		/* the farthest candidate not in flight makes room */
		for (int i = l->ncand - 1; i >= pos; i--)
			if (l->cand[i].state != HY_LP_WAITING)
			{
				victim = i;
				break;
			}
		if (victim < 0)
			return 0;
		memmove(&l->cand[victim], &l->cand[victim + 1],
				(size_t) (l->ncand - victim - 1) * sizeof(p));
		l->ncand--;
	}
	memmove(&l->cand[pos + 1], &l->cand[pos], (size_t) (l->ncand - pos) * sizeof(p));
	l->cand[pos] = p;
	l->ncand++;
	return 1;
}

/* Whether the lookup has what it came for */
static int
finished(const hy_lookup *l)
{
	int			seen = 0;

	if (l->want_providers > 0 && l->nprov >= l->want_providers)
		return 1;
	/* the k closest live candidates: all answered? */
	for (int i = 0; i < l->ncand && seen < l->k; i++)
	{
		if (l->cand[i].state == HY_LP_FAILED)
			continue;
		if (l->cand[i].state != HY_LP_ANSWERED)
			return 0;
		seen++;
	}
	return l->inflight == 0;
}

/* Pick the next peer to query */
int
hy_lookup_next(hy_lookup *l, hy_lookup_peer *out)
{
	int			seen = 0;

	if (finished(l))
		return HY_LOOKUP_DONE;
	if (l->inflight >= l->alpha)
		return 0;
	for (int i = 0; i < l->ncand && seen < l->k; i++)
	{
		hy_lookup_peer *c = &l->cand[i];

		if (c->state == HY_LP_FAILED)
			continue;
		seen++;
		if (c->state == HY_LP_NEW)
		{
			c->state = HY_LP_WAITING;
			l->inflight++;
			l->queries++;
			*out = *c;
			return 1;
		}
	}
	return l->inflight == 0 ? HY_LOOKUP_DONE : 0;
}

/* Mark a queried peer's outcome; -1 if it was not in flight */
static int
settle(hy_lookup *l, const uint8_t *id, size_t len, int state)
{
	int			i = find(l, id, len);

	if (i < 0 || l->cand[i].state != HY_LP_WAITING)
		return -1;
	l->cand[i].state = (uint8_t) state;
	l->inflight--;
	return i;
}

/* Take in an answer */
void
hy_lookup_response(hy_lookup *l, const uint8_t *peer_id, size_t len,
				   const hy_kad_message *resp)
{
	if (settle(l, peer_id, len, HY_LP_ANSWERED) < 0 || !resp)
		return;
	l->answers++;
	for (size_t i = 0; i < resp->n_closerpeers && i < 2 * HY_LOOKUP_MAX_CANDIDATES; i++)
	{
		const hy_kad_peer *p = resp->closerpeers[i];
		hy_addrset	a;

		if (!p->has_id)
			continue;
		memset(&a, 0, sizeof(a));
		for (size_t j = 0; j < p->n_addrs; j++)
			hy_addrset_add(&a, p->addrs[j].data, p->addrs[j].len, p->id.data, p->id.len,
						   l->allow_private);
		hy_lookup_add(l, p->id.data, p->id.len, &a);
	}
	if (l->type != HY_KAD_GET_PROVIDERS)
		return;
	for (size_t i = 0; i < resp->n_providerpeers && l->nprov < HY_LOOKUP_MAX_PROVIDERS; i++)
	{
		const hy_kad_peer *p = resp->providerpeers[i];
		hy_provider *pv;
		int			dup = 0;

		if (!p->has_id || hy_peerid_check(p->id.data, p->id.len) != HY_OK)
			continue;
		for (int j = 0; j < l->nprov; j++)
			dup |= l->prov[j].peer_id_len == p->id.len &&
				memcmp(l->prov[j].peer_id, p->id.data, p->id.len) == 0;
		if (dup)
			continue;
		pv = &l->prov[l->nprov++];
		memset(pv, 0, sizeof(*pv));
		memcpy(pv->peer_id, p->id.data, p->id.len);
		pv->peer_id_len = (uint8_t) p->id.len;
		for (size_t j = 0; j < p->n_addrs; j++)
			hy_addrset_add(&pv->addrs, p->addrs[j].data, p->addrs[j].len, p->id.data,
						   p->id.len, l->allow_private);
	}
}

/* Take in a failure */
void
hy_lookup_failed(hy_lookup *l, const uint8_t *peer_id, size_t len)
{
	if (settle(l, peer_id, len, HY_LP_FAILED) >= 0)
		l->failures++;
}

/* The closest answered peers */
int
hy_lookup_closest(const hy_lookup *l, hy_lookup_peer *out, int max)
{
	int			n = 0;

	for (int i = 0; i < l->ncand && n < max && n < l->k; i++)
		if (l->cand[i].state == HY_LP_ANSWERED)
			out[n++] = l->cand[i];
	return n;
}
