/*
 * fuzz_noise.c — the responder side of the libp2p Noise handshake and
 * transport decryption on hostile bytes.  Byte 0 picks the mode (low
 * bits) and, with bit 7, lets mode 0 answer a non-canonical message 1
 * with a fresh message 2 (three X25519: kept rare so the runs stay fast):
 *
 *  0: framed message 1 then framed message 3 (len16 || body, twice);
 *  1: the rest is the initiator's handshake payload, wrapped in a
 *     correctly encrypted message 3 so the payload parser and signature
 *     check are reached;
 *  2: after a completed handshake, the rest is a sequence of transport
 *     frames given to decrypt; also an encrypt/decrypt round trip.
 *
 * Keys and ephemerals are fixed, and the responder state after the
 * canonical message 1 is cached, so most runs cost one or two X25519.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "net/noise.h"

static hy_keypair kp_i,
			kp_r;
static hy_noise_identity id_i,
			id_r;
static hy_noise resp_after_m2;	/* responder waiting for message 3 */
static hy_noise init_after_m2;	/* initiator about to write message 3 */
static hy_noise resp_done,
			init_done;
static uint8_t m1[32];
static uint8_t e_i[32] = {0x11},
			e_r[32] = {0x22};

/* Abort when an invariant breaks */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* Build the fixed identities and cache the handshake states once */
static void
setup(void)
{
	static int	done;
	uint8_t		seed[32],
				buf[HY_NOISE_HS_MSG_MAX];
	int			n;

	if (done)
		return;
	done = 1;
	memset(seed, 1, 32);
	hy_keypair_from_seed(&kp_i, seed);
	memset(seed, 2, 32);
	hy_keypair_from_seed(&kp_r, seed);
	memset(seed, 3, 32);
	check(hy_noise_identity_init(&id_i, &kp_i, seed) == HY_OK);
	memset(seed, 4, 32);
	check(hy_noise_identity_init(&id_r, &kp_r, seed) == HY_OK);

	hy_noise_init_ex(&init_after_m2, &id_i, 1, NULL, 0, e_i);
	hy_noise_init_ex(&resp_after_m2, &id_r, 0, NULL, 0, e_r);
	check(hy_noise_write_handshake(&init_after_m2, m1, sizeof(m1)) == 32);
	check(hy_noise_read_handshake(&resp_after_m2, m1, 32) == HY_OK);
	n = hy_noise_write_handshake(&resp_after_m2, buf, sizeof(buf));
	check(n > 0);
	check(hy_noise_read_handshake(&init_after_m2, buf, n) == HY_OK);

	init_done = init_after_m2;
	resp_done = resp_after_m2;
	n = hy_noise_write_handshake(&init_done, buf, sizeof(buf));
	check(n > 0);
	check(hy_noise_read_handshake(&resp_done, buf, n) == HY_OK);
	check(hy_noise_next(&resp_done) == HY_NOISE_DONE);
}

/* Cut one len16-prefixed frame from in; NULL when none is left */
static const uint8_t *
next_frame(const uint8_t **in, size_t *left, size_t *len)
{
	int			n = hy_noise_frame_len(*in, *left);
	const uint8_t *body;

	if (n < 0)
		return NULL;
	*len = (size_t) n;
	if (*len > *left - 2)
		*len = *left - 2;		/* short frame: give what is there */
	body = *in + 2;
	*in += 2 + *len;
	*left -= 2 + *len;
	return body;
}

/* Mode 0: message 1 and message 3 as they come off the wire */
static void
fuzz_messages(const uint8_t *in, size_t left, int full)
{
	hy_noise	ns;
	uint8_t		out[HY_NOISE_HS_MSG_MAX];
	const uint8_t *b;
	size_t		len;
	int			rc;

	b = next_frame(&in, &left, &len);
	if (b == NULL)
		return;
	if (len == 32 && memcmp(b, m1, 32) == 0)
		ns = resp_after_m2;
	else
	{
		hy_noise_init_ex(&ns, &id_r, 0, NULL, 0, e_r);
		if (hy_noise_read_handshake(&ns, b, len) < 0)
			return;
		check(hy_noise_next(&ns) == HY_NOISE_WRITE);
		if (!full)
			return;
		if (hy_noise_write_handshake(&ns, out, sizeof(out)) < 0)
			return;
	}
	check(hy_noise_next(&ns) == HY_NOISE_READ);
	b = next_frame(&in, &left, &len);
	if (b == NULL)
		return;
	rc = hy_noise_read_handshake(&ns, b, len);
	check(rc == HY_OK ? hy_noise_next(&ns) == HY_NOISE_DONE : hy_noise_next(&ns) == rc);
	hy_noise_wipe(&ns);
}

/* Mode 1: an arbitrary payload inside a valid message 3 */
static void
fuzz_payload(const uint8_t *in, size_t len)
{
	static hy_noise_identity evil;
	hy_noise	ini,
				res;
	uint8_t		m3[HY_NOISE_HS_MSG_MAX];
	int			n,
				rc;

	if (len > HY_NOISE_PAYLOAD_MAX)
		len = HY_NOISE_PAYLOAD_MAX;
	evil = id_i;
	memcpy(evil.payload, in, len);
	evil.payload_len = (uint16_t) len;
	ini = init_after_m2;
	ini.id = &evil;
	res = resp_after_m2;
	n = hy_noise_write_handshake(&ini, m3, sizeof(m3));
	check(n == (int) (48 + len + 16));
	rc = hy_noise_read_handshake(&res, m3, n);
	if (rc == HY_OK)
	{
		size_t		pl;
		const uint8_t *pid = hy_noise_remote_peer_id(&res, &pl);

		check(pid != NULL && pl > 0 && pl <= HY_NOISE_PEER_ID_MAX);
	}
}

/* Mode 2: transport frames */
static void
fuzz_transport(const uint8_t *in, size_t left)
{
	static uint8_t out[HY_NOISE_FRAME_MAX],
				back[HY_NOISE_FRAME_MAX];
	hy_noise	ini = init_done,
				res = resp_done;
	const uint8_t *b;
	size_t		len,
				whole = left;
	const uint8_t *all = in;
	int			n,
				m;

	while ((b = next_frame(&in, &left, &len)) != NULL)
	{
		n = hy_noise_decrypt_frame(&res.transport, b, len, out, sizeof(out));
		check(n < 0 || (size_t) n + 16 == len);
	}
	n = hy_noise_encrypt_frame(&ini.transport, all, whole, out, sizeof(out));
	if (whole > HY_NOISE_PLAINTEXT_MAX)
		check(n == HY_ERR_TOO_LONG);
	else
	{
		check(n == (int) whole + 18);
		res = resp_done;
		m = hy_noise_decrypt_frame(&res.transport, out + 2, n - 2, back, sizeof(back));
		check(m == (int) whole && memcmp(back, all, whole) == 0);
	}
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dispatch on the mode byte */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	setup();
	switch ((data[0] & 0x7f) % 3)
	{
		case 0:
			fuzz_messages(data + 1, size - 1, data[0] & 0x80);
			break;
		case 1:
			fuzz_payload(data + 1, size - 1);
			break;
		default:
			fuzz_transport(data + 1, size - 1);
			break;
	}
	return 0;
}
