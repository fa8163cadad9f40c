/*
 * noise_transport.c — Noise transport messages and libp2p framing: each
 * message travels as a 2-byte big-endian length followed by ciphertext and
 * tag, so at most 65519 plaintext bytes fit one frame.
 */
#include "net/noise.h"

#include <sodium.h>

#include "core/err.h"
#include "net/noise_sym.h"

/* Encrypt one transport message (empty AD) */
int
hy_noise_encrypt(hy_noise_cs *cs, const uint8_t *pt, size_t len,
				 uint8_t *out, size_t cap)
{
	if (!cs->has_key)
		return HY_ERR_INVALID;
	return hy_noise_cs_encrypt_ad(cs, NULL, 0, pt, len, out, cap);
}

/* Decrypt one transport message (empty AD) */
int
hy_noise_decrypt(hy_noise_cs *cs, const uint8_t *ct, size_t len,
				 uint8_t *out, size_t cap)
{
	if (!cs->has_key)
		return HY_ERR_INVALID;
	return hy_noise_cs_decrypt_ad(cs, NULL, 0, ct, len, out, cap);
}

/* Read a frame's body length from its 2-byte prefix */
int
hy_noise_frame_len(const uint8_t *in, size_t avail)
{
	if (avail < 2)
		return HY_ERR_TRUNCATED;
	return (in[0] << 8) | in[1];
}

/* Write a frame's 2-byte prefix */
void
hy_noise_frame_put_len(uint8_t out[2], size_t len)
{
	out[0] = (uint8_t) (len >> 8);
	out[1] = (uint8_t) len;
}

/* Encrypt one frame; out + 2 may equal pt (caller keeps 2 bytes of headroom) */
int
hy_noise_encrypt_frame(hy_noise_transport *t, const uint8_t *pt, size_t len,
					   uint8_t *out, size_t cap)
{
	int			n;

	if (len > HY_NOISE_PLAINTEXT_MAX)
		return HY_ERR_TOO_LONG;
	if (cap < len + HY_NOISE_TAG_LEN + 2)
		return HY_ERR_NOSPACE;
	n = hy_noise_encrypt(&t->tx, pt, len, out + 2, cap - 2);
	if (n < 0)
		return n;
	hy_noise_frame_put_len(out, (size_t) n);
	return n + 2;
}

/* Decrypt one frame body; a bad tag means the connection must close */
int
hy_noise_decrypt_frame(hy_noise_transport *t, const uint8_t *body, size_t len,
					   uint8_t *out, size_t cap)
{
	return hy_noise_decrypt(&t->rx, body, len, out, cap);
}

/* Wipe transport keys */
void
hy_noise_transport_wipe(hy_noise_transport *t)
{
	sodium_memzero(t, sizeof(*t));
}
