/*
 * ipns.c — IPNS and /pk/ record validation (see ipns.h).
 *
 * The protobuf is decoded through a bump arena on the stack (the input is
 * capped at 10 KiB, so its decoded form is bounded); the CBOR map is read
 * in place.
 */
#include "dht/ipns.h"

#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/pb_arena.h"
#include "core/peerid.h"
#include "dht/cbor.h"
#include "dht/rfc3339.h"
#include "proto/ipns.pb-c.h"

#define SIG_PREFIX "ipns-signature:"
#define SIG_PREFIX_LEN (sizeof(SIG_PREFIX) - 1)
#define IPNS_ARENA (3 * HY_IPNS_RECORD_MAX)

/* The fields of the signed CBOR map */
typedef struct cbor_fields
{
	const uint8_t *value;
	size_t		value_len;
	const uint8_t *validity;
	size_t		validity_len;
	uint64_t	validity_type;
	uint64_t	seq;
	uint64_t	ttl;
	unsigned	seen;			/* bit per field below */
} cbor_fields;

#define F_VALUE 1u
#define F_VALIDITY 2u
#define F_VTYPE 4u
#define F_SEQ 8u
#define F_TTL 16u

/* Whether a CBOR text key equals a name */
static int
key_is(const uint8_t *k, uint64_t klen, const char *name)
{
	size_t		n = strlen(name);

	return klen == n && memcmp(k, name, n) == 0;
}

/* Read one expected-type field value; mark it seen (duplicates are errors) */
static int
read_field(hy_cbor *c, cbor_fields *f, unsigned bit, int want_major,
		   const uint8_t **bytes, size_t *blen, uint64_t *num)
{
	int			major,
				r;
	uint64_t	arg;
	const uint8_t *pl;

	if (f->seen & bit)
		return HY_ERR_INVALID;
	f->seen |= bit;
	if ((r = hy_cbor_head(c, &major, &arg, &pl)) < 0)
		return r;
	if (major != want_major)
		return HY_ERR_INVALID;
	if (bytes)
	{
		*bytes = pl;
		*blen = (size_t) arg;
	}
	else
		*num = arg;
	return HY_OK;
}

/* Pick the IPNS fields out of the data map */
static int
parse_data(const uint8_t *data, size_t len, cbor_fields *f)
{
	hy_cbor		c;
	int			major,
				r;
	uint64_t	n;
	unsigned	need = F_VALUE | F_VALIDITY | F_VTYPE | F_SEQ;

	memset(f, 0, sizeof(*f));
	hy_cbor_init(&c, data, len);
	if ((r = hy_cbor_head(&c, &major, &n, NULL)) < 0)
		return r;
	if (major != HY_CBOR_MAP || n > len)
		return HY_ERR_INVALID;
	for (uint64_t i = 0; i < n; i++)
	{
		const uint8_t *k;
		uint64_t	klen;

		if ((r = hy_cbor_head(&c, &major, &klen, &k)) < 0)
			return r;
		if (major != HY_CBOR_TEXT)
			return HY_ERR_INVALID;
		if (key_is(k, klen, "Value"))
			r = read_field(&c, f, F_VALUE, HY_CBOR_BYTES, &f->value, &f->value_len, NULL);
		else if (key_is(k, klen, "Validity"))
			r = read_field(&c, f, F_VALIDITY, HY_CBOR_BYTES, &f->validity,
						   &f->validity_len, NULL);
		else if (key_is(k, klen, "ValidityType"))
			r = read_field(&c, f, F_VTYPE, HY_CBOR_UINT, NULL, NULL, &f->validity_type);
		else if (key_is(k, klen, "Sequence"))
			r = read_field(&c, f, F_SEQ, HY_CBOR_UINT, NULL, NULL, &f->seq);
		else if (key_is(k, klen, "TTL"))
			r = read_field(&c, f, F_TTL, HY_CBOR_UINT, NULL, NULL, &f->ttl);
		else
			r = hy_cbor_skip(&c);
		if (r < 0)
			return r;
	}
	if (c.off != len || (f->seen & need) != need)
		return HY_ERR_INVALID;
	return HY_OK;
}

/* Whether a V1 bytes field, when present, equals the CBOR one */
static int
same_bytes(protobuf_c_boolean has, ProtobufCBinaryData v, const uint8_t *p, size_t n)
{
	return !has || (v.len == n && (n == 0 || memcmp(v.data, p, n) == 0));
}

/* Find the public key that must have signed the record */
static int
record_key(const Hy__Ipns__IpnsEntry *e, const uint8_t *name, size_t name_len,
		   const uint8_t **pk, size_t *pk_len)
{
	uint8_t		id[HY_PEER_ID_MAX];
	int			n;

	if (e->has_pubkey)
	{
		if (hy_pubkey_check(e->pubkey.data, e->pubkey.len, NULL) != HY_OK)
			return HY_ERR_CRYPTO;
		n = hy_peer_id_from_pubkey(e->pubkey.data, e->pubkey.len, id, sizeof(id));
		if (n < 0 || (size_t) n != name_len || memcmp(id, name, name_len) != 0)
			return HY_ERR_CRYPTO;
		*pk = e->pubkey.data;
		*pk_len = e->pubkey.len;
		return HY_OK;
	}
	return hy_pubkey_from_peer_id(name, name_len, pk, pk_len);
}

/* Validate a record */
int
hy_ipns_validate(const uint8_t *name, size_t name_len, const uint8_t *rec,
				 size_t len, int64_t now_ns, hy_ipns_info *info)
{
	_Alignas(16) uint8_t mem[IPNS_ARENA];
	hy_pb_arena arena;
	ProtobufCAllocator alloc;
	Hy__Ipns__IpnsEntry *e;
	uint8_t		signed_msg[SIG_PREFIX_LEN + HY_IPNS_RECORD_MAX];
	const uint8_t *pk;
	size_t		pk_len;
	cbor_fields f;
	int64_t		validity;
	int			r;

	if (len > HY_IPNS_RECORD_MAX)
		return HY_ERR_TOO_LONG;
	if (hy_peerid_check(name, name_len) != HY_OK)
		return HY_ERR_INVALID;
	hy_pb_arena_init(&arena, mem, sizeof(mem));
	alloc = hy_pb_arena_allocator(&arena);
	e = hy__ipns__ipns_entry__unpack(&alloc, len, rec);
	if (!e)
		return HY_ERR_INVALID;
	if (!e->has_signaturev2 || !e->has_data || e->data.len == 0)
		return HY_ERR_UNSUPPORTED;
	if ((r = record_key(e, name, name_len, &pk, &pk_len)) < 0)
		return r == HY_ERR_UNSUPPORTED ? HY_ERR_UNSUPPORTED : HY_ERR_CRYPTO;
	/* data is inside rec, so it fits the buffer */
	memcpy(signed_msg, SIG_PREFIX, SIG_PREFIX_LEN);
	memcpy(signed_msg + SIG_PREFIX_LEN, e->data.data, e->data.len);
	if (hy_identity_verify(pk, pk_len, signed_msg, SIG_PREFIX_LEN + e->data.len,
						   e->signaturev2.data, e->signaturev2.len) != HY_OK)
		return HY_ERR_CRYPTO;
	if ((r = parse_data(e->data.data, e->data.len, &f)) < 0)
		return HY_ERR_INVALID;
	if (!same_bytes(e->has_value, e->value, f.value, f.value_len) ||
		!same_bytes(e->has_validity, e->validity, f.validity, f.validity_len) ||
		(e->has_validitytype && (uint64_t) e->validitytype != f.validity_type) ||
		(e->has_sequence && e->sequence != f.seq) ||
		(e->has_ttl && (!(f.seen & F_TTL) || e->ttl != f.ttl)))
		return HY_ERR_INVALID;
	if (f.validity_type != 0)
		return HY_ERR_UNSUPPORTED;
	if (hy_rfc3339_parse((const char *) f.validity, f.validity_len, &validity) != HY_OK)
		return HY_ERR_INVALID;
	if (validity <= now_ns)
		return HY_ERR_INVALID;
	if (info)
	{
		info->value_len = f.value_len;
		info->seq = f.seq;
		info->validity_ns = validity;
		info->ttl_ns = f.ttl;
		info->has_ttl = (f.seen & F_TTL) != 0;
	}
	return HY_OK;
}

/* Read the data map alone */
int
hy_ipns_data_parse(const uint8_t *data, size_t len, hy_ipns_info *info)
{
	cbor_fields f;
	int64_t		validity;

	if (len > HY_IPNS_RECORD_MAX || parse_data(data, len, &f) < 0)
		return HY_ERR_INVALID;
	if (hy_rfc3339_parse((const char *) f.validity, f.validity_len, &validity) != HY_OK)
		return HY_ERR_INVALID;
	info->value_len = f.value_len;
	info->seq = f.seq;
	info->validity_ns = validity;
	info->ttl_ns = f.ttl;
	info->has_ttl = (f.seen & F_TTL) != 0;
	return HY_OK;
}

/* Order two records */
int
hy_ipns_compare(const hy_ipns_info *a, const hy_ipns_info *b)
{
	if (a->seq != b->seq)
		return a->seq > b->seq ? 1 : -1;
	if (a->validity_ns != b->validity_ns)
		return a->validity_ns > b->validity_ns ? 1 : -1;
	return 0;
}

/* Validate a /pk/ record */
int
hy_pk_validate(const uint8_t *key, size_t key_len, const uint8_t *value,
			   size_t value_len)
{
	const size_t plen = sizeof(HY_PK_KEY_PREFIX) - 1;
	uint8_t		id[HY_PEER_ID_MAX];
	int			n;

	if (key_len <= plen || memcmp(key, HY_PK_KEY_PREFIX, plen) != 0)
		return HY_ERR_INVALID;
	if (hy_peerid_check(key + plen, key_len - plen) != HY_OK)
		return HY_ERR_INVALID;
	if (value_len > HY_PUBKEY_PB_MAX || hy_pubkey_check(value, value_len, NULL) != HY_OK)
		return HY_ERR_INVALID;
	n = hy_peer_id_from_pubkey(value, value_len, id, sizeof(id));
	if (n < 0 || (size_t) n != key_len - plen || memcmp(id, key + plen, (size_t) n) != 0)
		return HY_ERR_CRYPTO;
	return HY_OK;
}
