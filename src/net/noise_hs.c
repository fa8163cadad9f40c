/*
 * noise_hs.c — the Noise XX handshake pattern over X25519:
 *
 *	-> e
 *	<- e, ee, s, es
 *	-> s, se
 *
 * Every failure marks the state failed: a half-mixed transcript cannot be
 * resumed, so later calls keep failing.
 */
#include "net/noise.h"

#include <string.h>
#include <sodium.h>

#include "core/err.h"
#include "net/noise_sym.h"

/* Start a handshake with our static key and, for tests, a fixed ephemeral */
int
hy_noise_hs_init(hy_noise_hs *hs, int initiator, const uint8_t *prologue,
				 size_t prologue_len, const uint8_t s_sk[32], const uint8_t *s_pk,
				 const uint8_t *e_sk)
{
	memset(hs, 0, sizeof(*hs));
	if (sodium_init() < 0)
	{
		hs->failed = 1;
		return HY_ERR_CRYPTO;
	}
	hs->initiator = initiator ? 1 : 0;
	hy_noise_ss_init(&hs->ss);
	hy_noise_ss_mix_hash(&hs->ss, prologue, prologue_len);
	memcpy(hs->s_sk, s_sk, 32);
	if (s_pk != NULL)
		memcpy(hs->s_pk, s_pk, 32);
	else
		crypto_scalarmult_base(hs->s_pk, hs->s_sk);
	if (e_sk != NULL)
	{
		memcpy(hs->e_sk, e_sk, 32);
		hs->have_e = 1;
	}
	return HY_OK;
}

/* Mix DH(sk, pk) into the chaining key; a low-order point is refused */
static int
hs_mix_dh(hy_noise_hs *hs, const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t		dh[32];
	int			rc = HY_OK;

	if (crypto_scalarmult(dh, sk, pk) != 0)
		rc = HY_ERR_CRYPTO;
	else
		hy_noise_ss_mix_key(&hs->ss, dh, 32);
	sodium_memzero(dh, sizeof(dh));
	return rc;
}

/* Emit our ephemeral public key (the "e" token) */
static int
hs_write_e(hy_noise_hs *hs, uint8_t *out, size_t cap)
{
	if (cap < 32)
		return HY_ERR_NOSPACE;
	if (!hs->have_e)
	{
		randombytes_buf(hs->e_sk, 32);
		hs->have_e = 1;
	}
	crypto_scalarmult_base(hs->e_pk, hs->e_sk);
	memcpy(out, hs->e_pk, 32);
	hy_noise_ss_mix_hash(&hs->ss, hs->e_pk, 32);
	return 32;
}

/* Write the tokens of the current message; bytes written or negative */
static int
hs_write_tokens(hy_noise_hs *hs, uint8_t *out, size_t cap)
{
	int			n = 0,
				rc;

	switch (hs->step)
	{
		case 0:					/* -> e */
			if (!hs->initiator)
				return HY_ERR_INVALID;
			return hs_write_e(hs, out, cap);
		case 1:					/* <- e, ee, s, es */
			if (hs->initiator)
				return HY_ERR_INVALID;
			n = hs_write_e(hs, out, cap);
			if (n < 0)
				return n;
			if ((rc = hs_mix_dh(hs, hs->e_sk, hs->re)) < 0)
				return rc;
			rc = hy_noise_ss_encrypt_hash(&hs->ss, hs->s_pk, 32, out + n, cap - n);
			if (rc < 0)
				return rc;
			n += rc;
			if ((rc = hs_mix_dh(hs, hs->s_sk, hs->re)) < 0)
				return rc;
			return n;
		case 2:					/* -> s, se */
			if (!hs->initiator)
				return HY_ERR_INVALID;
			n = hy_noise_ss_encrypt_hash(&hs->ss, hs->s_pk, 32, out, cap);
			if (n < 0)
				return n;
			if ((rc = hs_mix_dh(hs, hs->s_sk, hs->re)) < 0)
				return rc;
			return n;
		default:
			return HY_ERR_INVALID;
	}
}

/* Write the next handshake message carrying payload */
int
hy_noise_hs_write(hy_noise_hs *hs, const uint8_t *payload, size_t payload_len,
				  uint8_t *out, size_t cap)
{
	int			n,
				p;

	if (hs->failed)
		return HY_ERR_INVALID;
	if (cap > HY_NOISE_MSG_MAX)
		cap = HY_NOISE_MSG_MAX;	/* a Noise message never exceeds 65535 */
	n = hs_write_tokens(hs, out, cap);
	if (n >= 0)
	{
		p = hy_noise_ss_encrypt_hash(&hs->ss, payload, payload_len,
									 out + n, cap - n);
		n = p < 0 ? p : n + p;
	}
	if (n < 0)
	{
		hs->failed = 1;
		return n;
	}
	hs->step++;
	return n;
}

/* Take the remote ephemeral key (the "e" token) */
static int
hs_read_e(hy_noise_hs *hs, const uint8_t *msg, size_t len)
{
	if (len < 32)
		return HY_ERR_TRUNCATED;
	memcpy(hs->re, msg, 32);
	hy_noise_ss_mix_hash(&hs->ss, hs->re, 32);
	return 32;
}

/* Take the remote static key (the "s" token, encrypted: 32 + 16 bytes) */
static int
hs_read_s(hy_noise_hs *hs, const uint8_t *msg, size_t len)
{
	int			rc;

	if (len < 48)
		return HY_ERR_TRUNCATED;
	rc = hy_noise_ss_decrypt_hash(&hs->ss, msg, 48, hs->rs, 32);
	return rc < 0 ? rc : 48;
}

/* Read the tokens of the current message; bytes used or negative */
static int
hs_read_tokens(hy_noise_hs *hs, const uint8_t *msg, size_t len)
{
	int			n,
				rc;

	switch (hs->step)
	{
		case 0:					/* -> e */
			if (hs->initiator)
				return HY_ERR_INVALID;
			return hs_read_e(hs, msg, len);
		case 1:					/* <- e, ee, s, es */
			if (!hs->initiator)
				return HY_ERR_INVALID;
			if ((n = hs_read_e(hs, msg, len)) < 0)
				return n;
			if ((rc = hs_mix_dh(hs, hs->e_sk, hs->re)) < 0)
				return rc;
			if ((rc = hs_read_s(hs, msg + n, len - n)) < 0)
				return rc;
			n += rc;
			if ((rc = hs_mix_dh(hs, hs->e_sk, hs->rs)) < 0)
				return rc;
			return n;
		case 2:					/* -> s, se */
			if (hs->initiator)
				return HY_ERR_INVALID;
			if ((n = hs_read_s(hs, msg, len)) < 0)
				return n;
			if ((rc = hs_mix_dh(hs, hs->e_sk, hs->rs)) < 0)
				return rc;
			return n;
		default:
			return HY_ERR_INVALID;
	}
}

/* Read the next handshake message; payload length or negative */
int
hy_noise_hs_read(hy_noise_hs *hs, const uint8_t *msg, size_t len,
				 uint8_t *payload, size_t cap)
{
	int			n,
				p;

	if (hs->failed)
		return HY_ERR_INVALID;
	if (len > HY_NOISE_MSG_MAX)
		n = HY_ERR_TOO_LONG;
	else
		n = hs_read_tokens(hs, msg, len);
	p = n;
	if (n >= 0)
		p = hy_noise_ss_decrypt_hash(&hs->ss, msg + n, len - n, payload, cap);
	if (p < 0)
	{
		hs->failed = 1;
		return p;
	}
	hs->step++;
	return p;
}

/* Derive the transport ciphers by role and wipe the handshake */
int
hy_noise_hs_split(hy_noise_hs *hs, hy_noise_transport *t, uint8_t handshake_hash[32])
{
	uint8_t		k1[32],
				k2[32];

	if (hs->failed || hs->step != 3)
		return HY_ERR_INVALID;
	hy_noise_ss_split(&hs->ss, k1, k2);
	memset(t, 0, sizeof(*t));
	hy_noise_cs_set(&t->tx, hs->initiator ? k1 : k2);
	hy_noise_cs_set(&t->rx, hs->initiator ? k2 : k1);
	if (handshake_hash != NULL)
		memcpy(handshake_hash, hs->ss.h, 32);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	hy_noise_hs_wipe(hs);
	hs->step = 3;
	return HY_OK;
}

/* Wipe every secret of a handshake state */
void
hy_noise_hs_wipe(hy_noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}
