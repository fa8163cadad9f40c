/*
 * kad_msg.c — Kademlia message framing and codec (see kad_msg.h).
 */
#include "dht/kad_msg.h"

#include <string.h>

#include "core/err.h"
#include "core/varint.h"

static const char *const type_names[HY_KAD_NTYPES] = {
	"PUT_VALUE", "GET_VALUE", "ADD_PROVIDER", "GET_PROVIDERS", "FIND_NODE", "PING"
};

/* Name a message type */
const char *
hy_kad_type_name(int type)
{
	if (type < 0 || type >= HY_KAD_NTYPES)
		return "UNKNOWN";
	return type_names[type];
}

/* Find one complete framed message */
int
hy_kad_frame(const uint8_t *buf, size_t n, size_t max,
			 size_t *body_off, size_t *body_len)
{
	uint64_t	len;
	int			h;

	if (n == 0)
		return 0;
	h = hy_uvarint_get(buf, n, &len);
	if (h == HY_ERR_TRUNCATED)
		return n < HY_UVARINT_MAX ? 0 : HY_ERR_INVALID;
	if (h < 0)
		return HY_ERR_INVALID;
	if (len > max)
		return HY_ERR_TOO_LONG;
	if (n - (size_t) h < len)
		return 0;
	*body_off = (size_t) h;
	*body_len = (size_t) len;
	return 1;
}

/* Point an arena at memory */
void
hy_kad_arena_init(hy_kad_arena *a, void *mem, size_t cap)
{
	hy_pb_arena_init(a, mem, cap);
}

/* Decode a message body into the arena */
hy_kad_message *
hy_kad_decode(hy_kad_arena *a, const uint8_t *body, size_t len)
{
	ProtobufCAllocator alloc = hy_pb_arena_allocator(a);

	if (len > HY_KAD_MSG_IN_MAX)
		return NULL;
	/* the arena's base must be aligned for the structs placed in it */
	if (((uintptr_t) a->buf & 15) != 0)
		return NULL;
	a->used = 0;
	return hy__kad__message__unpack(&alloc, len, body);
}

/* Start a response */
void
hy_kad_builder_init(hy_kad_builder *b, int type, const uint8_t *key, size_t key_len)
{
	hy_kad_message init = HY__KAD__MESSAGE__INIT;

	b->msg = init;
	b->msg.has_type = 1;
	b->msg.type = (Hy__Kad__Message__MessageType) type;
	if (key && key_len)
	{
		b->msg.has_key = 1;
		b->msg.key.data = (uint8_t *) key;
		b->msg.key.len = key_len;
	}
	b->msg.closerpeers = b->closer;
	b->msg.providerpeers = b->prov;
	b->npeers = 0;
}

/* Append a peer to one of the two lists */
int
hy_kad_builder_add_peer(hy_kad_builder *b, int provider,
						const uint8_t *id, size_t id_len, const hy_addrset *addrs)
{
	hy_kad_peer init = HY__KAD__MESSAGE__PEER__INIT;
	hy_kad_peer *p;
	int			i = b->npeers;

	if (i >= HY_KAD_RESP_PEERS)
		return HY_ERR_NOSPACE;
	p = &b->peers[i];
	*p = init;
	p->has_id = 1;
	p->id.data = (uint8_t *) id;
	p->id.len = id_len;
	if (addrs)
	{
		for (int j = 0; j < addrs->n && j < HY_ADDRS_MAX; j++)
		{
			b->addrs[i][j].data = (uint8_t *) addrs->a[j];
			b->addrs[i][j].len = addrs->len[j];
		}
		p->n_addrs = addrs->n < HY_ADDRS_MAX ? addrs->n : HY_ADDRS_MAX;
		p->addrs = b->addrs[i];
	}
	/* go sends CONNECTED/NOT_CONNECTED; nobody reads it, so say nothing */
	b->npeers++;
	if (provider)
		b->prov[b->msg.n_providerpeers++] = p;
	else
		b->closer[b->msg.n_closerpeers++] = p;
	return HY_OK;
}

/* Attach a record */
void
hy_kad_builder_set_record(hy_kad_builder *b, const uint8_t *key, size_t key_len,
						  const uint8_t *value, size_t value_len,
						  const char *time_received)
{
	Hy__Kad__Record init = HY__KAD__RECORD__INIT;

	b->rec = init;
	b->rec.has_key = 1;
	b->rec.key.data = (uint8_t *) key;
	b->rec.key.len = key_len;
	b->rec.has_value = 1;
	b->rec.value.data = (uint8_t *) value;
	b->rec.value.len = value_len;
	b->rec.timereceived = (char *) time_received;
	b->msg.record = &b->rec;
}

/* Frame a message as it is */
int
hy_kad_encode(const hy_kad_message *m, uint8_t *out, size_t cap)
{
	size_t		size = hy__kad__message__get_packed_size(m);
	int			h;

	if (size > HY_KAD_MSG_IN_MAX)
		return HY_ERR_TOO_LONG;
	h = hy_uvarint_len(size);
	if ((size_t) h + size > cap)
		return HY_ERR_NOSPACE;
	hy_uvarint_put(size, out);
	hy__kad__message__pack(m, out + h);
	return h + (int) size;
}

/* Frame a message, trimming peers until it fits the outbound limit */
int
hy_kad_encode_fit(hy_kad_message *m, uint8_t *out, size_t cap)
{
	for (;;)
	{
		size_t		size = hy__kad__message__get_packed_size(m);

		if ((size_t) hy_uvarint_len(size) + size < HY_KAD_MSG_OUT_MAX)
			break;
		/* closer peers are hints; provider records are the answer */
		if (m->n_closerpeers > 0)
			m->n_closerpeers--;
		else if (m->n_providerpeers > 0)
			m->n_providerpeers--;
		else
			return HY_ERR_TOO_LONG;
	}
	return hy_kad_encode(m, out, cap);
}
