/*
 * server_req.c — the Kademlia request handlers (rules from libp2p/specs
 * kad-dht and the behaviour of go/js/rust servers): one function per message
 * type, each answering into srv->out through a hy_kad_builder.
 */
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/multihash.h"
#include "core/varint.h"
#include "dht/ipns.h"
#include "dht/kadid.h"
#include "dht/rfc3339.h"
#include "dht/server_internal.h"

#define VALUE_MAX_AGE_MS (48ULL * 3600 * 1000)	/* go ignores older values */

/* Emit an event if someone listens */
static void
emit(hy_dht_server *srv, dht_head *head, hy_dht_event_type type,
	 const uint8_t *key, size_t key_len, const uint8_t *peer, size_t peer_len,
	 int count, int result)
{
	hy_dht_event ev;

	if (!srv->cfg.on_event)
		return;
	ev.type = type;
	ev.head = head->index;
	ev.key = key;
	ev.key_len = key_len;
	ev.peer = peer;
	ev.peer_len = peer_len;
	ev.count = count;
	ev.result = result;
	ev.duration_ns = 0;
	srv->cfg.on_event(srv->cfg.event_arg, &ev);
}

/* Monotonic nanoseconds, read only when someone listens for events */
static uint64_t
request_clock_ns(const hy_dht_server *srv)
{
	return srv->cfg.on_event ? hy_monotonic_ns() : 0;
}

/* Tell the listener a request of type was handled, and how long it took */
void
hy_dht_request_done(hy_dht_server *srv, dht_head *head, int type, uint64_t start_ns)
{
	hy_dht_event ev;

	if (!srv->cfg.on_event)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = HY_DHT_EV_REQUEST_DONE;
	ev.head = head->index;
	ev.result = type;
	ev.duration_ns = request_clock_ns(srv) - start_ns;
	srv->cfg.on_event(srv->cfg.event_arg, &ev);
}

/*
 * Graceful decline: whether this request may use the store (within
 * store_ops_per_s); counted when it may not.
 */
static int
store_admitted(hy_dht_server *srv)
{
	if (hy_ratelimit_take(&srv->store_rl, hy_dht_now_ms(srv)))
		return 1;
	srv->st.store_declined++;
	return 0;
}

/* Whether two byte strings are equal */
static int
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Add the k closest routing-table peers to key as closerPeers */
static void
add_closer(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
		   const uint8_t *key, size_t key_len, int room)
{
	uint8_t		target[HY_KADID_LEN];
	hy_rt_exclude ex[2] = {{head->peer_id, head->peer_id_len},
	{remote->id, remote->id_len}};
	int			k = srv->cfg.k < room ? srv->cfg.k : room,
				n;

	if (k <= 0)
		return;
	hy_kadid(key, key_len, target);
	if (srv->cfg.rt_lock)
		srv->cfg.rt_lock(srv->cfg.lock_arg, 0);
	n = hy_rtable_closest(srv->cfg.rt, target, ex, 2, srv->closest, k);
	if (srv->cfg.rt_unlock)
		srv->cfg.rt_unlock(srv->cfg.lock_arg);
	for (int i = 0; i < n; i++)
		hy_kad_builder_add_peer(srv->b, 0, srv->closest[i].peer_id,
								srv->closest[i].peer_id_len, &srv->closest[i].addrs);
}

/* Encode the builder's message into srv->out */
static int
finish(hy_dht_server *srv, size_t *resp_len)
{
	size_t		before = srv->b->msg.n_closerpeers + srv->b->msg.n_providerpeers;
	int			n = hy_kad_encode_fit(&srv->b->msg, srv->out, HY_KAD_MSG_OUT_MAX);

	if (n < 0)
		return n;
	srv->st.peers_trimmed += before -
		(srv->b->msg.n_closerpeers + srv->b->msg.n_providerpeers);
	*resp_len = (size_t) n;
	return HY_OK;
}

/* PING: echo */
static int
handle_ping(hy_dht_server *srv, size_t *resp_len)
{
	hy_kad_builder_init(srv->b, HY_KAD_PING, NULL, 0);
	return finish(srv, resp_len);
}

/* FIND_NODE: the closest servers we know, the head itself if asked for */
static int
handle_find_node(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
				 const hy_kad_message *m, size_t *resp_len)
{
	int			room = srv->cfg.k;

	hy_kad_builder_init(srv->b, HY_KAD_FIND_NODE, m->key.data, m->key.len);
	if (same(m->key.data, m->key.len, head->peer_id, head->peer_id_len))
	{
		hy_kad_builder_add_peer(srv->b, 0, head->peer_id, head->peer_id_len,
								&head->addrs);
		room--;
	}
	add_closer(srv, head, remote, m->key.data, m->key.len, room);
	return finish(srv, resp_len);
}

/* The GET_PROVIDERS answer from providers already looked up (or none) */
int
hy_dht_answer_providers(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
						const uint8_t *key, size_t key_len,
						const hy_provider *provs, int n, hy_dht_served how,
						size_t *resp_len)
{
	hy_kad_builder_init(srv->b, HY_KAD_GET_PROVIDERS, key, key_len);
	if (n > srv->cfg.max_providers)
		n = srv->cfg.max_providers;
	for (int i = 0; i < n; i++)
		hy_kad_builder_add_peer(srv->b, 1, provs[i].peer_id, provs[i].peer_id_len,
								&provs[i].addrs);
	add_closer(srv, head, remote, key, key_len, srv->cfg.k);
	if (finish(srv, resp_len) < 0)
		return HY_ERR_TOO_LONG;
	srv->st.providers_served += srv->b->msg.n_providerpeers;
	emit(srv, head, HY_DHT_EV_PROVIDERS_SERVED, key, key_len,
		 remote->id, remote->id_len, (int) srv->b->msg.n_providerpeers, how);
	return HY_OK;
}

/*
 * Put the request of the stream being pumped into the batch, if batching
 * is on and the batch has room; 1 when deferred.
 */
static int
defer_get_providers(hy_dht_server *srv, const hy_kad_message *m)
{
	kad_stream *ks = srv->deferring;

	if (!ks || !srv->cfg.batch_get_providers || srv->npending >= HY_DHT_BATCH_MAX ||
		m->key.len > sizeof(ks->dkey))
		return 0;
	memcpy(ks->dkey, m->key.data, m->key.len);
	ks->dkey_len = m->key.len;
	ks->dstart_ns = srv->req_start_ns;
	ks->deferred = 1;
	srv->pending[srv->npending++] = ks;
	return 1;
}

/* GET_PROVIDERS: stored providers and closer peers */
static int
handle_get_providers(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
					 const hy_kad_message *m, size_t *resp_len)
{
	int			n = 0;
	hy_dht_served how = HY_DHT_SERVED_STORE;

	if (!store_admitted(srv))
		how = HY_DHT_SERVED_DECLINED;
	else if (defer_get_providers(srv, m))
		return HY_DHT_DEFERRED;
	else if ((n = srv->cfg.store.ops->get_providers(srv->cfg.store.ctx, m->key.data, m->key.len,
												   srv->provs, srv->cfg.max_providers,
												   hy_dht_now_ms(srv))) < 0)
	{
		srv->st.store_errors++;
		how = HY_DHT_SERVED_STORE_ERROR;
		n = 0;
	}
	return hy_dht_answer_providers(srv, head, remote, m->key.data, m->key.len,
								   srv->provs, n, how, resp_len);
}

/* ADD_PROVIDER: keep the providers that are the sender; never answer */
static int
handle_add_provider(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
					const hy_kad_message *m, size_t *resp_len)
{
	hy_multihash mh;

	*resp_len = 0;
	if (hy_multihash_parse(m->key.data, m->key.len, &mh) < 0)
		return HY_ERR_INVALID;
	for (size_t i = 0; i < m->n_providerpeers; i++)
	{
		const hy_kad_peer *p = m->providerpeers[i];
		hy_provider prov;
		int			rc;

		if (!p->has_id || !same(p->id.data, p->id.len, remote->id, remote->id_len))
		{
			srv->st.providers_wrong_peer++;
			emit(srv, head, HY_DHT_EV_PROVIDER_IGNORED, m->key.data, m->key.len,
				 p->id.data, p->id.len, 0, HY_ERR_INVALID);
			continue;
		}
		memset(&prov, 0, sizeof(prov));
		memcpy(prov.peer_id, remote->id, remote->id_len);
		prov.peer_id_len = (uint8_t) remote->id_len;
		for (size_t j = 0; j < p->n_addrs; j++)
			hy_addrset_add(&prov.addrs, p->addrs[j].data, p->addrs[j].len,
						   remote->id, remote->id_len, srv->cfg.allow_private);
		/* go insists on an address; we accept identify's instead */
		if (prov.addrs.n == 0 && remote->id_addrs)
			hy_addrset_add_packed(&prov.addrs, remote->id_addrs, remote->id_addrs_len,
								  remote->id, remote->id_len, srv->cfg.allow_private);
		if (prov.addrs.n == 0)
		{
			srv->st.providers_no_addrs++;
			emit(srv, head, HY_DHT_EV_PROVIDER_IGNORED, m->key.data, m->key.len,
				 remote->id, remote->id_len, 0, HY_ERR_TRUNCATED);
			continue;
		}
		rc = srv->cfg.store.ops->add_provider(srv->cfg.store.ctx, m->key.data,
											  m->key.len, &prov, hy_dht_now_ms(srv));
		if (rc == HY_STORE_SHED)
			srv->st.providers_shed++;
		else if (rc < 0)
			srv->st.store_errors++;
		else
		{
			srv->st.providers_stored++;
			emit(srv, head, HY_DHT_EV_PROVIDER_STORED, m->key.data, m->key.len,
				 remote->id, remote->id_len, 1, 0);
		}
		/* one provider per sender: later duplicates are the same peer */
		break;
	}
	return HY_OK;
}

/* Whether a key is in a namespace: "/ns/" followed by at least one byte */
static int
in_namespace(const uint8_t *key, size_t len, const char *ns)
{
	size_t		n = strlen(ns);

	return len > n && memcmp(key, ns, n) == 0;
}

/* Validate a record for its namespace and fill the order fields */
static int
validate_record(hy_dht_server *srv, const uint8_t *key, size_t key_len,
				const uint8_t *value, size_t value_len, hy_value *v)
{
	const size_t ipns_len = sizeof(HY_IPNS_KEY_PREFIX) - 1;
	hy_ipns_info info;
	int			rc;

	if (value_len > HY_VALUE_MAX)
		return HY_ERR_TOO_LONG;
	v->seq = 0;
	v->validity_ns = 0;
	if (in_namespace(key, key_len, HY_PK_KEY_PREFIX))
		rc = hy_pk_validate(key, key_len, value, value_len);
	else if (in_namespace(key, key_len, HY_IPNS_KEY_PREFIX))
	{
		rc = hy_ipns_validate(key + ipns_len, key_len - ipns_len, value, value_len,
							  (int64_t) hy_dht_now_ms(srv) * 1000000, &info);
		if (rc == HY_OK)
		{
			v->seq = info.seq;
			v->validity_ns = info.validity_ns;
		}
	}
	else
		rc = HY_ERR_UNSUPPORTED;
	if (rc < 0)
		return rc;
	v->len = value_len;
	memcpy(v->data, value, value_len);
	v->received_ms = hy_dht_now_ms(srv);
	return HY_OK;
}

/* PUT_VALUE: validate, store unless older, echo the request */
static int
handle_put_value(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
				 hy_kad_message *m, size_t *resp_len)
{
	Hy__Kad__Record *r = m->record;
	char		tr[HY_RFC3339_MAX];
	int			rc,
				n;

	if (!r || !r->has_value ||
		!same(r->key.data, r->key.len, m->key.data, m->key.len))
		rc = HY_ERR_INVALID;
	else
		rc = validate_record(srv, m->key.data, m->key.len, r->value.data,
							 r->value.len, srv->value);
	/* refused, not stored: the sender puts the record on other peers */
	if (rc == HY_OK && !store_admitted(srv))
		return HY_ERR_UNSUPPORTED;
	if (rc == HY_OK)
	{
		rc = srv->cfg.store.ops->put_value(srv->cfg.store.ctx, m->key.data,
										   m->key.len, srv->value);
		if (rc == HY_STORE_OLDER)
			srv->st.values_older++;
		else if (rc < 0)
			srv->st.store_errors++;
	}
	else
		srv->st.values_rejected++;
	emit(srv, head, rc == HY_OK ? HY_DHT_EV_VALUE_STORED : HY_DHT_EV_VALUE_REJECTED,
		 m->key.data, m->key.len, remote->id, remote->id_len, 0, rc);
	if (rc < 0)
		return rc;
	srv->st.values_stored++;
	hy_rfc3339_format(srv->value->received_ms, tr);
	r->timereceived = tr;
	n = hy_kad_encode_fit(m, srv->out, HY_KAD_MSG_OUT_MAX);
	if (n < 0)
		return n;
	*resp_len = (size_t) n;
	return HY_OK;
}

/* GET_VALUE: the record if we hold a fresh one, and closer peers */
static int
handle_get_value(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
				 const hy_kad_message *m, size_t *resp_len)
{
	char		tr[HY_RFC3339_MAX];
	uint64_t	now = hy_dht_now_ms(srv);
	int			found = 0;

	hy_kad_builder_init(srv->b, HY_KAD_GET_VALUE, m->key.data, m->key.len);
	if ((in_namespace(m->key.data, m->key.len, HY_PK_KEY_PREFIX) ||
		 in_namespace(m->key.data, m->key.len, HY_IPNS_KEY_PREFIX)) &&
		store_admitted(srv))
	{
		found = srv->cfg.store.ops->get_value(srv->cfg.store.ctx, m->key.data,
											  m->key.len, srv->value);
		if (found < 0)
		{
			srv->st.store_errors++;
			found = 0;
		}
		/* an expired IPNS record or a stale value is not served */
		if (found && (srv->value->received_ms + VALUE_MAX_AGE_MS < now ||
					  (srv->value->validity_ns != 0 &&
					   srv->value->validity_ns <= (int64_t) now * 1000000) ||
					  srv->value->len > HY_VALUE_MAX))
			found = 0;
	}
	if (found)
	{
		hy_rfc3339_format(srv->value->received_ms, tr);
		hy_kad_builder_set_record(srv->b, m->key.data, m->key.len, srv->value->data,
								  srv->value->len, tr);
		srv->st.values_served++;
	}
	add_closer(srv, head, remote, m->key.data, m->key.len, srv->cfg.k);
	return finish(srv, resp_len);
}

/* Handle one message body */
int
hy_dht_handle(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
			  const uint8_t *body, size_t len, size_t *resp_len)
{
	hy_kad_message *m;
	int			type,
				rc;
	uint64_t	start_ns = request_clock_ns(srv);

	srv->req_start_ns = start_ns;
	*resp_len = 0;
	m = hy_kad_decode(&srv->arena, body, len);
	if (!m)
	{
		srv->st.msg_malformed++;
		return HY_ERR_INVALID;
	}
	/*
	 * proto3 senders (go, js) omit a field holding its default: a message
	 * without a type is PUT_VALUE (0), not an unknown type.
	 */
	type = m->has_type ? (int) m->type : HY_KAD_PUT_VALUE;
	if (type < 0 || type >= HY_KAD_NTYPES)
	{
		srv->st.msg_unknown_type++;
		return HY_ERR_UNSUPPORTED;
	}
	srv->st.received[type]++;
	/* full decline: above the peak only PING (cheapest, liveness) is served */
	if (type != HY_KAD_PING && !hy_ratelimit_take(&srv->request_rl, hy_dht_now_ms(srv)))
	{
		srv->st.requests_refused++;
		return HY_ERR_UNSUPPORTED;
	}
	if (type != HY_KAD_PING &&
		(!m->has_key || m->key.len == 0 || m->key.len > HY_KAD_KEY_MAX))
	{
		srv->st.bad_key++;
		srv->st.errors[type]++;
		return HY_ERR_INVALID;
	}
	switch (type)
	{
		case HY_KAD_PING:
			rc = handle_ping(srv, resp_len);
			break;
		case HY_KAD_FIND_NODE:
			rc = handle_find_node(srv, head, remote, m, resp_len);
			break;
		case HY_KAD_GET_PROVIDERS:
			rc = handle_get_providers(srv, head, remote, m, resp_len);
			break;
		case HY_KAD_ADD_PROVIDER:
			rc = handle_add_provider(srv, head, remote, m, resp_len);
			break;
		case HY_KAD_GET_VALUE:
			rc = handle_get_value(srv, head, remote, m, resp_len);
			break;
		default:
			rc = handle_put_value(srv, head, remote, m, resp_len);
			break;
	}
	if (rc < 0)
	{
		srv->st.errors[type]++;
		*resp_len = 0;
		return rc;
	}
	if (rc == HY_DHT_DEFERRED)
		return rc;				/* answered and counted when the batch runs */
	if (*resp_len > 0)
		srv->st.answered[type]++;
	hy_dht_request_done(srv, head, type, start_ns);
	return HY_OK;
}
