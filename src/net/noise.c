/*
 * noise.c — the libp2p "/noise" handshake on top of Noise XX: our signed
 * payload goes in messages 2 and 3, the remote's is verified against the
 * static key that arrived in the same message.
 */
#include "net/noise.h"

#include <string.h>
#include <sodium.h>

#include "core/err.h"
#include "core/keys.h"
#include "net/noise_payload.h"

#define SIG_PREFIX_LEN (sizeof(HY_NOISE_SIG_PREFIX) - 1)

/* Build a head's static key and sign it once */
int
hy_noise_identity_init(hy_noise_identity *id, const struct hy_keypair *kp,
					   const uint8_t *static_sk)
{
	uint8_t		msg[SIG_PREFIX_LEN + 32];
	uint8_t		sig[64];
	int			n;

	memset(id, 0, sizeof(*id));
	if (sodium_init() < 0)
		return HY_ERR_CRYPTO;
	if (static_sk != NULL)
		memcpy(id->static_sk, static_sk, 32);
	else
		randombytes_buf(id->static_sk, 32);
	crypto_scalarmult_base(id->static_pk, id->static_sk);

	memcpy(msg, HY_NOISE_SIG_PREFIX, SIG_PREFIX_LEN);
	memcpy(msg + SIG_PREFIX_LEN, id->static_pk, 32);
	hy_keypair_sign(kp, msg, sizeof(msg), sig);
	n = hy_noise_payload_encode(kp->pubkey_pb, sizeof(kp->pubkey_pb),
								sig, sizeof(sig), id->payload, sizeof(id->payload));
	if (n < 0)
	{
		hy_noise_identity_wipe(id);
		return n;
	}
	id->payload_len = (uint16_t) n;
	return HY_OK;
}

/* Wipe a head's identity */
void
hy_noise_identity_wipe(hy_noise_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

/* Start a libp2p handshake with an explicit prologue and ephemeral */
int
hy_noise_init_ex(hy_noise *ns, const hy_noise_identity *id, int initiator,
				 const uint8_t *prologue, size_t prologue_len, const uint8_t *e_sk)
{
	int			rc;

	memset(ns, 0, sizeof(*ns));
	ns->id = id;
	rc = hy_noise_hs_init(&ns->hs, initiator, prologue, prologue_len,
						  id->static_sk, id->static_pk, e_sk);
	ns->state = rc < 0 ? rc : (initiator ? HY_NOISE_WRITE : HY_NOISE_READ);
	return rc;
}

/* Start a libp2p handshake: empty prologue, random ephemeral */
int
hy_noise_init(hy_noise *ns, const hy_noise_identity *id, int initiator)
{
	return hy_noise_init_ex(ns, id, initiator, NULL, 0, NULL);
}

/* Require a given remote peer ID */
int
hy_noise_expect_peer(hy_noise *ns, const uint8_t *peer_id, size_t len)
{
	if (len == 0 || len > sizeof(ns->expect))
		return HY_ERR_INVALID;
	memcpy(ns->expect, peer_id, len);
	ns->expect_len = (uint8_t) len;
	return HY_OK;
}

/* What the session needs next */
int
hy_noise_next(const hy_noise *ns)
{
	return ns->state;
}

/* Record a failure: the session is dead, its secrets go at once */
static int
noise_fail(hy_noise *ns, int err)
{
	hy_noise_hs_wipe(&ns->hs);
	hy_noise_transport_wipe(&ns->transport);
	ns->state = err;
	return err;
}

/* After the last message: derive transport keys */
static int
noise_finish(hy_noise *ns)
{
	int			rc;

	memcpy(ns->remote_static, ns->hs.rs, 32);
	rc = hy_noise_hs_split(&ns->hs, &ns->transport, ns->handshake_hash);
	if (rc < 0)
		return noise_fail(ns, rc);
	ns->state = HY_NOISE_DONE;
	return HY_OK;
}

/* Write the next handshake message (no length prefix) */
int
hy_noise_write_handshake(hy_noise *ns, uint8_t *out, size_t cap)
{
	int			step = ns->hs.step;
	int			n;

	if (ns->state != HY_NOISE_WRITE)
		return ns->state < 0 ? ns->state : HY_ERR_INVALID;
	/* message 1 carries no payload; 2 and 3 carry our signed identity */
	if (step == 0)
		n = hy_noise_hs_write(&ns->hs, NULL, 0, out, cap);
	else
		n = hy_noise_hs_write(&ns->hs, ns->id->payload, ns->id->payload_len,
							  out, cap);
	if (n < 0)
		return noise_fail(ns, n);
	if (step == 2)
	{
		int			rc = noise_finish(ns);

		if (rc < 0)
			return rc;
	}
	else
		ns->state = HY_NOISE_READ;
	return n;
}

/* Check the remote's payload and remember who it is */
static int
noise_authenticate(hy_noise *ns, const uint8_t *payload, size_t len)
{
	int			n = hy_noise_payload_verify(payload, len, ns->hs.rs,
											ns->remote_peer_id,
											sizeof(ns->remote_peer_id));

	if (n < 0)
		return n;
	if (n == 0 || n > (int) sizeof(ns->remote_peer_id))
		return HY_ERR_INVALID;
	ns->remote_peer_id_len = (uint8_t) n;
	if (ns->expect_len != 0 &&
		(ns->expect_len != n || memcmp(ns->expect, ns->remote_peer_id, n) != 0))
		return HY_ERR_CRYPTO;
	return HY_OK;
}

/* Read one handshake message (no length prefix) */
int
hy_noise_read_handshake(hy_noise *ns, const uint8_t *msg, size_t len)
{
	uint8_t		payload[HY_NOISE_HS_MSG_MAX];
	int			step = ns->hs.step;
	int			n,
				rc;

	if (ns->state != HY_NOISE_READ)
		return ns->state < 0 ? ns->state : HY_ERR_INVALID;
	if (len > HY_NOISE_HS_MSG_MAX)
		return noise_fail(ns, HY_ERR_TOO_LONG);
	n = hy_noise_hs_read(&ns->hs, msg, len, payload, sizeof(payload));
	if (n < 0)
		return noise_fail(ns, n);
	if (step == 0)
	{
		/* message 1 has no payload in libp2p; anything there is ignored */
		ns->state = HY_NOISE_WRITE;
		return HY_OK;
	}
	rc = noise_authenticate(ns, payload, (size_t) n);
	if (rc < 0)
		return noise_fail(ns, rc);
	if (step == 1)
	{
		ns->state = HY_NOISE_WRITE;
		return HY_OK;
	}
	return noise_finish(ns);
}

/* Remote peer ID once authenticated */
const uint8_t *
hy_noise_remote_peer_id(const hy_noise *ns, size_t *len)
{
	if (ns->remote_peer_id_len == 0 || ns->state < 0)
	{
		*len = 0;
		return NULL;
	}
	*len = ns->remote_peer_id_len;
	return ns->remote_peer_id;
}

/* Wipe every secret of a session */
void
hy_noise_wipe(hy_noise *ns)
{
	sodium_memzero(ns, sizeof(*ns));
}
