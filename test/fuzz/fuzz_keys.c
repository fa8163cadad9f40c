/*
 * fuzz_keys.c — libFuzzer target for remote keys and signatures.
 *
 * Input layout (short inputs are zero-padded):
 *   byte 0        mode: bit 2 set = wrap the key bytes ourselves as a
 *                 PublicKey of type (bits 0-1), so the fuzzer reaches the
 *                 SPKI / point parsers without first learning the framing
 *   bytes 1-2     key length K (big-endian), byte 3 signature length S
 *                 (times 4 when bit 3 of the mode is set, to reach RSA sizes)
 *   then          K key bytes, S signature bytes, and the message (the rest)
 * Besides never crashing, the API must agree with itself: a key that
 * verifies passes the check, a checked key has a peer ID, and an identity
 * peer ID gives back the very key bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"

/* Take n bytes from the input cursor, fewer if it runs out */
static const uint8_t *
take(const uint8_t **p, size_t *left, size_t n, size_t *got)
{
	const uint8_t *r = *p;

	*got = n < *left ? n : *left;
	*p += *got;
	*left -= *got;
	return r;
}

/* Assert that the key API agrees with itself on one PublicKey */
static void
exercise(const uint8_t *pb, size_t pb_len, const uint8_t *msg,
		 size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t		id[HY_PEER_ID_MAX];
	hy_key_type type;
	const uint8_t *back;
	size_t		back_len;
	int			checked;
	int			verified;
	int			n;

	checked = hy_pubkey_check(pb, pb_len, &type);
	verified = hy_identity_verify(pb, pb_len, msg, msg_len, sig, sig_len);
	if (verified == HY_OK && checked != HY_OK)
		abort();
	n = hy_peer_id_from_pubkey(pb, pb_len, id, sizeof(id));
	if ((n >= 0) != (checked == HY_OK))
		abort();
	if (n < 0)
		return;
	if ((size_t) n > sizeof(id))
		abort();
	if (hy_pubkey_from_peer_id(id, n, &back, &back_len) == HY_OK)
	{
		if (back_len != pb_len || memcmp(back, pb, pb_len) != 0)
			abort();
	}
	else if (pb_len <= HY_PEER_ID_INLINE_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		head[4] = {0};
	uint8_t		pb[HY_PUBKEY_PB_MAX + 8];
	const uint8_t *p = data;
	size_t		left = size;
	const uint8_t *key;
	const uint8_t *sig;
	size_t		key_len;
	size_t		sig_len;
	size_t		got;
	hy_keypair	kp;

	/* Whole-input parsers first: they must take any bytes at all */
	{
		const uint8_t *b;
		size_t		bl;
		hy_key_type t;

		(void) hy_pubkey_check(data, size, &t);
		(void) hy_pubkey_from_peer_id(data, size, &b, &bl);
		(void) hy_privkey_decode(data, size, &kp);
	}

	memcpy(head, take(&p, &left, 4, &got), got);
	key = take(&p, &left, ((size_t) head[1] << 8) | head[2], &key_len);
	sig = take(&p, &left, head[3] * ((head[0] & 8) ? 4 : 1), &sig_len);

	if (head[0] & 4)
	{
		size_t		n = 0;
		size_t		l = key_len;

		/* Canonical framing: 08 type 12 varint(len) Data */
		if (key_len > HY_PUBKEY_PB_MAX)
			return 0;
		pb[n++] = 0x08;
		pb[n++] = head[0] & 3;
		pb[n++] = 0x12;
		do
		{
			pb[n++] = (uint8_t) ((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
			l >>= 7;
		} while (l);
		memcpy(pb + n, key, key_len);
		exercise(pb, n + key_len, p, left, sig, sig_len);
	}
	else
		exercise(key, key_len, p, left, sig, sig_len);
	return 0;
}
