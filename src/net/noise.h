/*
 * noise.h — Noise_XX_25519_ChaChaPoly_SHA256 and the libp2p "/noise"
 * secure channel, as buffer-in/buffer-out calls (no sockets).
 *
 * Three levels, lowest first:
 *
 *  1. hy_noise_hs: the plain Noise XX handshake (any payloads, injectable
 *     prologue and keys); used for the cacophony vector.
 *  2. hy_noise_cs / hy_noise_transport: transport ciphers after Split,
 *     raw (hy_noise_encrypt) or on libp2p frames (2-byte big-endian length
 *     prefix, hy_noise_encrypt_frame / hy_noise_decrypt_frame).
 *  3. hy_noise: the libp2p handshake.  Messages 2 and 3 carry a
 *     NoiseHandshakePayload with our identity key and the signature of our
 *     static X25519 key; the remote's is verified and its peer ID kept.
 *
 * libp2p handshake, driven by the connection pipeline (handshake messages
 * at this API carry NO length prefix: the caller frames them with
 * hy_noise_frame_put_len and cuts incoming ones with hy_noise_frame_len):
 *
 *	hy_noise_identity id;	// once per head: static key + signed payload
 *	hy_noise_identity_init(&id, &head_keypair, NULL);
 *
 *	hy_noise ns;
 *	hy_noise_init(&ns, &id, initiator);
 *	for (;;) switch (hy_noise_next(&ns)) {
 *		case HY_NOISE_WRITE: n = hy_noise_write_handshake(&ns, buf + 2, cap - 2);
 *			hy_noise_frame_put_len(buf, n); send buf[0..n+2); break;
 *		case HY_NOISE_READ: wait for a whole frame, then
 *			rc = hy_noise_read_handshake(&ns, body, body_len); break;
 *		case HY_NOISE_DONE: use ns.transport; hy_noise_remote_peer_id(&ns, ..)
 *		default (< 0): close the connection
 *	}
 *
 * Initiator: WRITE (msg 1), READ (msg 2), WRITE (msg 3), DONE.
 * Responder: READ (msg 1), WRITE (msg 2), READ (msg 3), DONE.
 * A dialer that knows whom it dials calls hy_noise_expect_peer first so
 * that a different responder fails at message 2, before we reveal our
 * identity in message 3.  Any error is sticky; hy_noise_wipe() at the end.
 *
 * Transport: hy_noise_encrypt_frame(&ns.transport, pt, n<=65519, out, cap)
 * writes 2 + n + 16 bytes; hy_noise_decrypt_frame(&ns.transport, body,
 * body_len, out, cap) returns the plaintext length or HY_ERR_CRYPTO (close
 * the connection).  Decryption may be done in place (out == body).
 */
#ifndef HY_NET_NOISE_H
#define HY_NET_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define HY_NOISE_PROTOCOL "/noise"
#define HY_NOISE_NAME "Noise_XX_25519_ChaChaPoly_SHA256"
#define HY_NOISE_KEY_LEN 32
#define HY_NOISE_TAG_LEN 16
#define HY_NOISE_MSG_MAX 65535		/* one Noise message (frame body) */
#define HY_NOISE_PLAINTEXT_MAX 65519	/* MSG_MAX - TAG_LEN */
#define HY_NOISE_FRAME_MAX (2 + HY_NOISE_MSG_MAX)
#define HY_NOISE_PAYLOAD_MAX 4096	/* libp2p handshake payload, plaintext */
#define HY_NOISE_HS_MSG_MAX (32 + 48 + HY_NOISE_PAYLOAD_MAX + 16)
#define HY_NOISE_PEER_ID_MAX 64		/* identity or sha2-256 multihash */
#define HY_NOISE_SIG_PREFIX "noise-libp2p-static-key:"

/* hy_noise_next results besides negative hy_err codes */
#define HY_NOISE_READ 1
#define HY_NOISE_WRITE 2
#define HY_NOISE_DONE 3

struct hy_keypair;				/* core/keys.h */

/* One direction's cipher: key and nonce counter */
typedef struct hy_noise_cs
{
	uint8_t		k[HY_NOISE_KEY_LEN];
	uint64_t	n;
	uint8_t		has_key;
} hy_noise_cs;

/* Transport ciphers after the handshake: tx = we send, rx = we receive */
typedef struct hy_noise_transport
{
	hy_noise_cs tx;
	hy_noise_cs rx;
} hy_noise_transport;

/* Noise SymmetricState */
typedef struct hy_noise_ss
{
	hy_noise_cs cs;
	uint8_t		ck[32];
	uint8_t		h[32];
} hy_noise_ss;

/* Noise HandshakeState for the XX pattern */
typedef struct hy_noise_hs
{
	hy_noise_ss ss;
	uint8_t		s_sk[32];
	uint8_t		s_pk[32];
	uint8_t		e_sk[32];
	uint8_t		e_pk[32];
	uint8_t		rs[32];			/* remote static, valid after it arrives */
	uint8_t		re[32];			/* remote ephemeral */
	uint8_t		initiator;
	uint8_t		have_e;			/* e_sk was injected or generated */
	uint8_t		step;			/* next message: 0, 1, 2; 3 = finished */
	uint8_t		failed;
} hy_noise_hs;

/* Per-head material built once: static key and the signed payload */
typedef struct hy_noise_identity
{
	uint8_t		static_sk[32];
	uint8_t		static_pk[32];
	uint16_t	payload_len;
	uint8_t		payload[HY_NOISE_PAYLOAD_MAX];	/* encoded NoiseHandshakePayload */
} hy_noise_identity;

/* libp2p handshake session, one per connection */
typedef struct hy_noise
{
	hy_noise_hs hs;
	hy_noise_transport transport;	/* valid once hy_noise_next() == DONE */
	const hy_noise_identity *id;	/* borrowed */
	int			state;			/* READ, WRITE, DONE or a negative hy_err */
	uint8_t		remote_static[32];
	uint8_t		remote_peer_id[HY_NOISE_PEER_ID_MAX];
	uint8_t		remote_peer_id_len;
	uint8_t		expect_len;		/* 0 = accept any remote peer */
	uint8_t		expect[HY_NOISE_PEER_ID_MAX];
	uint8_t		handshake_hash[32];	/* h at Split, for channel binding */
} hy_noise;

/* ---- level 1: plain Noise XX ---- */

/*
 * Start a handshake.  s_sk is our static X25519 secret and s_pk its public
 * key (NULL: derived here, costing one X25519 per handshake); e_sk, if not
 * NULL, is the ephemeral secret to use (test vectors), else one is drawn
 * at random when needed.  Returns HY_OK.
 */
int			hy_noise_hs_init(hy_noise_hs *hs, int initiator,
							 const uint8_t *prologue, size_t prologue_len,
							 const uint8_t s_sk[32], const uint8_t *s_pk,
							 const uint8_t *e_sk);

/* Write the next message carrying payload; bytes written or negative */
int			hy_noise_hs_write(hy_noise_hs *hs, const uint8_t *payload,
							  size_t payload_len, uint8_t *out, size_t cap);

/* Read the next message; payload length written to payload or negative */
int			hy_noise_hs_read(hy_noise_hs *hs, const uint8_t *msg, size_t len,
							 uint8_t *payload, size_t cap);

/* After the 3rd message: derive the transport ciphers, wipe the handshake */
int			hy_noise_hs_split(hy_noise_hs *hs, hy_noise_transport *t,
							  uint8_t handshake_hash[32]);

/* Wipe every secret of a handshake state */
void		hy_noise_hs_wipe(hy_noise_hs *hs);

/* ---- level 2: transport ---- */

/* Encrypt pt into out (len + 16 bytes, in place allowed); bytes or negative */
int			hy_noise_encrypt(hy_noise_cs *cs, const uint8_t *pt, size_t len,
							 uint8_t *out, size_t cap);

/* Decrypt ct into out (len - 16 bytes, in place allowed); bytes or negative */
int			hy_noise_decrypt(hy_noise_cs *cs, const uint8_t *ct, size_t len,
							 uint8_t *out, size_t cap);

/* Length of the frame body at in[0..2), or HY_ERR_TRUNCATED if avail < 2 */
int			hy_noise_frame_len(const uint8_t *in, size_t avail);

/* Write the 2-byte big-endian length prefix of a body of len bytes */
void		hy_noise_frame_put_len(uint8_t out[2], size_t len);

/* Encrypt one frame: out = len16 || ct || tag; returns len + 18 or negative */
int			hy_noise_encrypt_frame(hy_noise_transport *t, const uint8_t *pt,
								   size_t len, uint8_t *out, size_t cap);

/* Decrypt one frame body (without its prefix); plaintext bytes or negative */
int			hy_noise_decrypt_frame(hy_noise_transport *t, const uint8_t *body,
								   size_t len, uint8_t *out, size_t cap);

/* Wipe transport keys */
void		hy_noise_transport_wipe(hy_noise_transport *t);

/* ---- level 3: libp2p ---- */

/*
 * Build a head's identity: static X25519 key (static_sk, or random if NULL)
 * and the payload {identity_key, Sign(kp, prefix || static_pk)}, signed once.
 */
int			hy_noise_identity_init(hy_noise_identity *id,
								   const struct hy_keypair *kp,
								   const uint8_t *static_sk);

/* Wipe a head's identity */
void		hy_noise_identity_wipe(hy_noise_identity *id);

/* Start a libp2p handshake (empty prologue, random ephemeral) */
int			hy_noise_init(hy_noise *ns, const hy_noise_identity *id, int initiator);

/* Same with an explicit prologue and ephemeral secret (tests) */
int			hy_noise_init_ex(hy_noise *ns, const hy_noise_identity *id,
							 int initiator, const uint8_t *prologue,
							 size_t prologue_len, const uint8_t *e_sk);

/* Require the remote's peer ID (binary multihash); mismatch = HY_ERR_CRYPTO */
int			hy_noise_expect_peer(hy_noise *ns, const uint8_t *peer_id, size_t len);

/* What the session needs next: HY_NOISE_READ/WRITE/DONE or a negative error */
int			hy_noise_next(const hy_noise *ns);

/* Write the next handshake message (no length prefix); bytes or negative */
int			hy_noise_write_handshake(hy_noise *ns, uint8_t *out, size_t cap);

/* Read one handshake message (no length prefix); HY_OK or negative */
int			hy_noise_read_handshake(hy_noise *ns, const uint8_t *msg, size_t len);

/* Remote peer ID (binary multihash) once authenticated, else NULL */
const uint8_t *hy_noise_remote_peer_id(const hy_noise *ns, size_t *len);

/* Wipe every secret of a session (handshake and transport) */
void		hy_noise_wipe(hy_noise *ns);

#endif
