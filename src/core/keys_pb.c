/*
 * keys_pb.c — strict PublicKey / PrivateKey protobuf codec over protobuf-c.
 *
 * protobuf-c accepts many encodings of one message (field order, repeated
 * singular fields, padded varints, unknown fields).  A peer ID hashes the
 * exact bytes, so two encodings of one key would be two identities: we
 * accept only input that protobuf-c re-encodes to the very same bytes.
 *
 * Unpacking allocates; it runs on a fixed stack arena so hostile input can
 * neither exhaust the heap nor leak.  A valid message needs only the
 * message struct plus its Data; inputs that need more (many fields, each
 * costing protobuf-c bookkeeping) fail as malformed when the arena runs out.
 */
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/keys_pb.h"
#include "core/pb_arena.h"
#include "proto/crypto.pb-c.h"

#define ARENA_SIZE (HY_PUBKEY_PB_MAX + 512)

/* Pick the input cap of one message kind */
static size_t
kind_max(hy_key_pb_kind kind)
{
	return kind == HY_KEY_PB_PUBLIC ? HY_PUBKEY_PB_MAX : HY_PRIVKEY_PB_MAX;
}

/* Unpack one message of the given kind into the arena */
static ProtobufCMessage *
unpack(hy_key_pb_kind kind, ProtobufCAllocator *alloc, const uint8_t *pb,
	   size_t len)
{
	if (kind == HY_KEY_PB_PUBLIC)
		return (ProtobufCMessage *) hy__public_key__unpack(alloc, len, pb);
	return (ProtobufCMessage *) hy__private_key__unpack(alloc, len, pb);
}

/* Parse a key protobuf, accepting only its deterministic encoding */
int
hy_key_pb_parse(hy_key_pb_kind kind, const uint8_t *pb, size_t len,
				int *type, const uint8_t **data, size_t *data_len)
{
	_Alignas(16) uint8_t mem[ARENA_SIZE];
	hy_pb_arena a;
	ProtobufCAllocator alloc;
	ProtobufCMessage *msg;
	uint8_t		again[HY_PUBKEY_PB_MAX];
	int			t;
	size_t		dlen;

	if (pb == NULL || len == 0)
		return HY_ERR_INVALID;
	if (len > kind_max(kind))
		return HY_ERR_TOO_LONG;

	hy_pb_arena_init(&a, mem, sizeof(mem));
	alloc = hy_pb_arena_allocator(&a);
	msg = unpack(kind, &alloc, pb, len);
	if (msg == NULL)
		return HY_ERR_INVALID;
	if (msg->n_unknown_fields != 0)
		return HY_ERR_INVALID;

	/* Both kinds share one layout: base, Type, Data */
	if (kind == HY_KEY_PB_PUBLIC)
	{
		Hy__PublicKey *k = (Hy__PublicKey *) msg;

		t = (int) k->type;
		dlen = k->data.len;
	}
	else
	{
		Hy__PrivateKey *k = (Hy__PrivateKey *) msg;

		t = (int) k->type;
		dlen = k->data.len;
	}

	/* Deterministic encoding: re-encoding must reproduce the input */
	if (protobuf_c_message_get_packed_size(msg) != len ||
		protobuf_c_message_pack(msg, again) != len ||
		memcmp(again, pb, len) != 0)
		return HY_ERR_INVALID;

	/* Canonical layout ends with Data, so its bytes are the input's tail */
	*type = t;
	*data_len = dlen;
	*data = pb + len - dlen;
	return HY_OK;
}

/* Serialize a key protobuf (protobuf-c packs canonically) */
int
hy_key_pb_encode(hy_key_pb_kind kind, int type, const uint8_t *data,
				 size_t data_len, uint8_t *out, size_t cap)
{
	ProtobufCBinaryData bytes = {data_len, (uint8_t *) data};
	size_t		need;

	if (data_len > kind_max(kind))
		return HY_ERR_TOO_LONG;
	if (kind == HY_KEY_PB_PUBLIC)
	{
		Hy__PublicKey k = HY__PUBLIC_KEY__INIT;

		k.type = (Hy__KeyType) type;
		k.data = bytes;
		need = hy__public_key__get_packed_size(&k);
		if (need > cap)
			return HY_ERR_NOSPACE;
		return (int) hy__public_key__pack(&k, out);
	}
	else
	{
		Hy__PrivateKey k = HY__PRIVATE_KEY__INIT;

		k.type = (Hy__KeyType) type;
		k.data = bytes;
		need = hy__private_key__get_packed_size(&k);
		if (need > cap)
			return HY_ERR_NOSPACE;
		return (int) hy__private_key__pack(&k, out);
	}
}
