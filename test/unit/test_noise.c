/*
 * test_noise.c — Noise XX against the cacophony vector, then the libp2p
 * handshake between two of our own sessions, transport and failures.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tap.h"
#include "core/err.h"
#include "core/keys.h"
#include "net/noise.h"
#include "net/noise_payload.h"
#include "proto/noise.pb-c.h"

/* Decode a hex string into out; returns the byte count */
static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t		n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return n;
}

/* The Noise_XX_25519_ChaChaPoly_SHA256 vector of cacophony.txt */
static const char *caco_prologue = "4a6f686e2047616c74";
static const char *caco_init_static = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
static const char *caco_init_ephemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
static const char *caco_resp_static = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
static const char *caco_resp_ephemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";
static const char *caco_hash = "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e";
static const char *caco_msgs[6][2] = {
	{"4c756477696720766f6e204d69736573",
	"ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
	{"4d757272617920526f746862617264",
	"95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad"},
	{"462e20412e20486179656b",
	"c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
	{"4361726c204d656e676572",
	"96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
	{"4a65616e2d426170746973746520536179",
	"3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
	{"457567656e2042f6686d20766f6e2042617765726b",
	"eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"},
};

/* Run the cacophony vector byte for byte */
static void
test_cacophony(void)
{
	uint8_t		prologue[16],
				is[32], ie[32], rs[32], re[32], hash[32];
	size_t		plen = unhex(caco_prologue, prologue);
	hy_noise_hs ini, res;
	hy_noise_transport ti, tr;
	uint8_t		hi[32], hr[32];

	unhex(caco_init_static, is);
	unhex(caco_init_ephemeral, ie);
	unhex(caco_resp_static, rs);
	unhex(caco_resp_ephemeral, re);
	unhex(caco_hash, hash);
	is_int(hy_noise_hs_init(&ini, 1, prologue, plen, is, NULL, ie), HY_OK, "vector: init initiator");
	is_int(hy_noise_hs_init(&res, 0, prologue, plen, rs, NULL, re), HY_OK, "vector: init responder");

	for (int i = 0; i < 6; i++)
	{
		uint8_t		pt[64], ct[256], out[256], got[256];
		size_t		ptl = unhex(caco_msgs[i][0], pt);
		size_t		ctl = unhex(caco_msgs[i][1], ct);
		int			n, m;
		char		name[64];

		/* messages alternate: even ones from the initiator */
		if (i < 3)
		{
			hy_noise_hs *tx = (i % 2 == 0) ? &ini : &res;
			hy_noise_hs *rx = (i % 2 == 0) ? &res : &ini;

			n = hy_noise_hs_write(tx, pt, ptl, out, sizeof(out));
			m = n < 0 ? n : hy_noise_hs_read(rx, out, n, got, sizeof(got));
		}
		else
		{
			hy_noise_cs *tx = (i % 2 == 0) ? &ti.tx : &tr.tx;
			hy_noise_cs *rx = (i % 2 == 0) ? &tr.rx : &ti.rx;

			n = hy_noise_encrypt(tx, pt, ptl, out, sizeof(out));
			m = n < 0 ? n : hy_noise_decrypt(rx, out, n, got, sizeof(got));
		}
		snprintf(name, sizeof(name), "vector: message %d ciphertext", i);
		is_mem(out, n < 0 ? 0 : n, ct, ctl, name);
		snprintf(name, sizeof(name), "vector: message %d payload", i);
		is_mem(got, m < 0 ? 0 : m, pt, ptl, name);
		if (i == 2)
		{
			is_int(hy_noise_hs_split(&ini, &ti, hi), HY_OK, "vector: split initiator");
			is_int(hy_noise_hs_split(&res, &tr, hr), HY_OK, "vector: split responder");
			is_mem(hi, 32, hash, 32, "vector: initiator handshake hash");
			is_mem(hr, 32, hash, 32, "vector: responder handshake hash");
		}
	}
	hy_noise_transport_wipe(&ti);
	hy_noise_transport_wipe(&tr);
}

typedef struct peer
{
	hy_keypair	kp;
	hy_noise_identity id;
	hy_noise	ns;
} peer;

/* Build a peer from a one-byte seed pattern */
static void
peer_make(peer *p, uint8_t seedbyte)
{
	uint8_t		seed[32];

	memset(seed, seedbyte, sizeof(seed));
	hy_keypair_from_seed(&p->kp, seed);
	hy_noise_identity_init(&p->id, &p->kp, NULL);
}

/* Hand-rolled message buffers for one handshake */
typedef struct hs_msgs
{
	uint8_t		m[3][HY_NOISE_HS_MSG_MAX];
	int			len[3];
} hs_msgs;

/*
 * Run a handshake; tamper(k, msg, &len) may alter message k before delivery.
 * Returns the first error seen, or HY_OK.
 */
static int
run_handshake(peer *a, peer *b, hs_msgs *msgs, void (*tamper) (int, uint8_t *, int *))
{
	hy_noise   *side[2] = {&a->ns, &b->ns};

	hy_noise_init(&a->ns, &a->id, 1);
	hy_noise_init(&b->ns, &b->id, 0);
	for (int k = 0; k < 3; k++)
	{
		hy_noise   *tx = side[k % 2],
				   *rx = side[(k + 1) % 2];
		int			n,
					rc;

		if (hy_noise_next(tx) != HY_NOISE_WRITE || hy_noise_next(rx) != HY_NOISE_READ)
			return HY_ERR_INVALID;
		n = hy_noise_write_handshake(tx, msgs->m[k], sizeof(msgs->m[k]));
		if (n < 0)
			return n;
		if (tamper)
			tamper(k, msgs->m[k], &n);
		msgs->len[k] = n;
		rc = hy_noise_read_handshake(rx, msgs->m[k], n);
		if (rc < 0)
			return rc;
	}
	return HY_OK;
}

static int	tamper_index;
static int	tamper_cut;

/* Flip one bit of message tamper_index */
static void
tamper_flip(int k, uint8_t *m, int *len)
{
	if (k == tamper_index)
		m[*len - 1] ^= 0x01;
}

/* Truncate message tamper_index to tamper_cut bytes */
static void
tamper_truncate(int k, uint8_t *m, int *len)
{
	(void) m;
	if (k == tamper_index && tamper_cut < *len)
		*len = tamper_cut;
}

/* Full libp2p handshake and transport between two sessions */
static void
test_libp2p_handshake(void)
{
	static peer a, b;
	static hs_msgs msgs;
	static uint8_t frame[HY_NOISE_FRAME_MAX], pt[HY_NOISE_FRAME_MAX];
	size_t		len;
	const uint8_t *pid;
	int			n;

	peer_make(&a, 1);
	peer_make(&b, 2);
	is_int(a.id.payload_len, 104, "ed25519 payload is 104 bytes");
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_OK, "handshake completes");
	is_int(msgs.len[0], 32, "message 1 is 32 bytes");
	is_int(msgs.len[1], 200, "message 2 is 200 bytes");
	is_int(msgs.len[2], 48 + 104 + 16, "message 3 is 168 bytes");
	is_int(hy_noise_next(&a.ns), HY_NOISE_DONE, "initiator done");
	is_int(hy_noise_next(&b.ns), HY_NOISE_DONE, "responder done");
	pid = hy_noise_remote_peer_id(&a.ns, &len);
	is_mem(pid, len, b.kp.peer_id, b.kp.peer_id_len, "initiator sees responder's peer id");
	pid = hy_noise_remote_peer_id(&b.ns, &len);
	is_mem(pid, len, a.kp.peer_id, a.kp.peer_id_len, "responder sees initiator's peer id");
	is_mem(a.ns.remote_static, 32, b.id.static_pk, 32, "initiator got responder static key");
	is_mem(a.ns.handshake_hash, 32, b.ns.handshake_hash, 32, "handshake hashes agree");
	ok(sodium_is_zero(a.ns.hs.e_sk, 32) && sodium_is_zero(a.ns.hs.ss.ck, 32),
	   "handshake secrets wiped after split");
	is_int(hy_noise_write_handshake(&a.ns, frame, sizeof(frame)), HY_ERR_INVALID,
		   "no handshake write after done");

	/* transport both ways */
	n = hy_noise_encrypt_frame(&a.ns.transport, (const uint8_t *) "hello", 5, frame, sizeof(frame));
	is_int(n, 5 + 18, "frame = 2 + len + 16");
	is_int(hy_noise_frame_len(frame, n), 21, "frame length prefix");
	is_int(hy_noise_frame_len(frame, 1), HY_ERR_TRUNCATED, "frame length needs 2 bytes");
	n = hy_noise_decrypt_frame(&b.ns.transport, frame + 2, n - 2, pt, sizeof(pt));
	is_mem(pt, n < 0 ? 0 : n, "hello", 5, "initiator -> responder");
	n = hy_noise_encrypt_frame(&b.ns.transport, (const uint8_t *) "world!", 6, frame, sizeof(frame));
	n = hy_noise_decrypt_frame(&a.ns.transport, frame + 2, n - 2, frame + 2, n - 2);
	is_mem(frame + 2, n < 0 ? 0 : n, "world!", 6, "responder -> initiator, in place");

	/* a full-size frame */
	memset(pt, 0xab, HY_NOISE_PLAINTEXT_MAX);
	n = hy_noise_encrypt_frame(&a.ns.transport, pt, HY_NOISE_PLAINTEXT_MAX, frame, sizeof(frame));
	is_int(n, HY_NOISE_FRAME_MAX, "65519 plaintext bytes fill a 65537-byte frame");
	is_int(hy_noise_frame_len(frame, n), 65535, "max frame body 65535");
	n = hy_noise_decrypt_frame(&b.ns.transport, frame + 2, n - 2, frame + 2, n - 2);
	is_int(n, HY_NOISE_PLAINTEXT_MAX, "max frame decrypts");
	is_int(hy_noise_encrypt_frame(&a.ns.transport, pt, HY_NOISE_PLAINTEXT_MAX + 1, frame, sizeof(frame)),
		   HY_ERR_TOO_LONG, "65520 plaintext bytes refused");
	is_int(hy_noise_encrypt_frame(&a.ns.transport, pt, 10, frame, 27), HY_ERR_NOSPACE,
		   "output capacity checked");

	/* nonce counting */
	is_int(a.ns.transport.tx.n, 2, "initiator sent 2 frames");
	is_int(b.ns.transport.rx.n, 2, "responder received 2 frames");
	is_int(a.ns.transport.rx.n, 1, "initiator received 1 frame");

	/* tampering */
	n = hy_noise_encrypt_frame(&a.ns.transport, (const uint8_t *) "data", 4, frame, sizeof(frame));
	frame[3] ^= 0x80;
	is_int(hy_noise_decrypt_frame(&b.ns.transport, frame + 2, n - 2, pt, sizeof(pt)),
		   HY_ERR_CRYPTO, "tampered ciphertext rejected");
	is_int(b.ns.transport.rx.n, 2, "failed decrypt does not advance the nonce");
	frame[3] ^= 0x80;
	n = hy_noise_decrypt_frame(&b.ns.transport, frame + 2, n - 2, pt, sizeof(pt));
	is_mem(pt, n < 0 ? 0 : n, "data", 4, "original frame still decrypts");
	is_int(hy_noise_decrypt_frame(&b.ns.transport, frame + 2, 4 + 16, pt, sizeof(pt)),
		   HY_ERR_CRYPTO, "replayed frame rejected");
	is_int(hy_noise_decrypt_frame(&b.ns.transport, frame + 2, 15, pt, sizeof(pt)),
		   HY_ERR_TRUNCATED, "frame shorter than a tag rejected");
	is_int(hy_noise_decrypt_frame(&b.ns.transport, frame + 2, 0, pt, sizeof(pt)),
		   HY_ERR_TRUNCATED, "empty frame rejected");

	/* nonce exhaustion: n = 2^64-1 is reserved */
	a.ns.transport.tx.n = UINT64_MAX - 1;
	b.ns.transport.rx.n = UINT64_MAX - 1;
	n = hy_noise_encrypt_frame(&a.ns.transport, (const uint8_t *) "last", 4, frame, sizeof(frame));
	is_int(n, 22, "nonce 2^64-2 still usable");
	n = hy_noise_decrypt_frame(&b.ns.transport, frame + 2, n - 2, pt, sizeof(pt));
	is_mem(pt, n < 0 ? 0 : n, "last", 4, "nonce 2^64-2 decrypts");
	is_int(hy_noise_encrypt_frame(&a.ns.transport, pt, 4, frame, sizeof(frame)),
		   HY_ERR_TOO_LONG, "nonce 2^64-1 refused for encryption");
	is_int(hy_noise_decrypt_frame(&b.ns.transport, frame + 2, 20, pt, sizeof(pt)),
		   HY_ERR_TOO_LONG, "nonce 2^64-1 refused for decryption");

	hy_noise_wipe(&a.ns);
	ok(sodium_is_zero((const unsigned char *) &a.ns, sizeof(a.ns)), "wipe clears the session");
	hy_noise_wipe(&b.ns);
	hy_noise_identity_wipe(&a.id);
	hy_noise_identity_wipe(&b.id);
}

/* Static key and signed payload that do not belong together */
static void
test_bad_identities(void)
{
	static peer a, b, c;
	static hs_msgs msgs;
	Hy__NoiseHandshakePayload pl = HY__NOISE_HANDSHAKE_PAYLOAD__INIT;
	uint8_t		sig[64];
	uint8_t		ext[] = {0x22, 0x0e, 0x12, 0x0c, '/', 'y', 'a', 'm', 'u', 'x', '/', '1', '.', '0', '.', '0'};

	peer_make(&a, 3);
	peer_make(&b, 4);
	peer_make(&c, 5);

	/* b presents a payload signed for c's static key */
	memcpy(b.id.payload, c.id.payload, c.id.payload_len);
	b.id.payload_len = c.id.payload_len;
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_ERR_CRYPTO,
		   "responder signature over another static key rejected");
	is_int(hy_noise_next(&a.ns), HY_ERR_CRYPTO, "failure is sticky");
	ok(hy_noise_remote_peer_id(&a.ns, &(size_t) {0}) == NULL, "no peer id after failure");
	is_int(hy_noise_read_handshake(&a.ns, msgs.m[1], msgs.len[1]), HY_ERR_CRYPTO,
		   "later calls keep failing");

	/* the initiator's identity is bad: responder rejects message 3 */
	peer_make(&b, 4);
	memcpy(a.id.payload, c.id.payload, c.id.payload_len);
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_ERR_CRYPTO,
		   "initiator signature over another static key rejected");
	is_int(hy_noise_next(&b.ns), HY_ERR_CRYPTO, "responder failed");

	/* payload without identity_key */
	peer_make(&a, 3);
	hy_keypair_sign(&b.kp, (const uint8_t *) "x", 1, sig);
	pl.has_identity_sig = 1;
	pl.identity_sig.data = sig;
	pl.identity_sig.len = 64;
	b.id.payload_len = hy__noise_handshake_payload__pack(&pl, b.id.payload);
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_ERR_INVALID, "payload without identity_key rejected");

	/* payload without identity_sig */
	b.id.payload_len = 38;
	memcpy(b.id.payload, "\x0a\x24", 2);
	memcpy(b.id.payload + 2, b.kp.pubkey_pb, 36);
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_ERR_INVALID, "payload without identity_sig rejected");

	/* garbage payload */
	b.id.payload_len = 3;
	memcpy(b.id.payload, "\x0a\x7f\x00", 3);
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_ERR_INVALID, "malformed payload rejected");

	/* extensions are accepted and ignored */
	peer_make(&b, 4);
	memcpy(b.id.payload + b.id.payload_len, ext, sizeof(ext));
	b.id.payload_len += sizeof(ext);
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_OK, "payload with stream_muxers extension accepted");

	/* expected peer: the right one passes, a different one fails at message 2 */
	peer_make(&b, 4);
	hy_noise_init(&a.ns, &a.id, 1);
	is_int(hy_noise_expect_peer(&a.ns, b.kp.peer_id, b.kp.peer_id_len), HY_OK, "expect peer set");
	{
		uint8_t		m[HY_NOISE_HS_MSG_MAX];
		int			n;

		hy_noise_init(&c.ns, &c.id, 0);
		n = hy_noise_write_handshake(&a.ns, m, sizeof(m));
		hy_noise_read_handshake(&c.ns, m, n);
		n = hy_noise_write_handshake(&c.ns, m, sizeof(m));
		is_int(hy_noise_read_handshake(&a.ns, m, n), HY_ERR_CRYPTO,
			   "unexpected responder rejected at message 2");
	}
}

/* Truncated, tampered and out-of-order handshake messages */
static void
test_malformed_handshake(void)
{
	static peer a, b;
	static hs_msgs msgs;
	static const int cuts[3][4] = {{0, 1, 31, -1}, {0, 32, 79, 199}, {0, 47, 48, 167}};
	uint8_t		m[HY_NOISE_HS_MSG_MAX];

	peer_make(&a, 6);
	peer_make(&b, 7);
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 4; j++)
		{
			char		name[80];
			int			rc;

			if (cuts[k][j] < 0)
				continue;
			tamper_index = k;
			tamper_cut = cuts[k][j];
			rc = run_handshake(&a, &b, &msgs, tamper_truncate);
			snprintf(name, sizeof(name), "message %d truncated to %d rejected", k + 1, cuts[k][j]);
			ok(rc < 0, name);
		}
	for (int k = 1; k < 3; k++)
	{
		char		name[80];

		tamper_index = k;
		snprintf(name, sizeof(name), "message %d with a flipped bit rejected", k + 1);
		is_int(run_handshake(&a, &b, &msgs, tamper_flip), HY_ERR_CRYPTO, name);
	}

	/* a low-order ephemeral makes the DH output zero: refused */
	hy_noise_init(&b.ns, &b.id, 0);
	memset(m, 0, 32);
	is_int(hy_noise_read_handshake(&b.ns, m, 32), HY_OK, "zero ephemeral read");
	is_int(hy_noise_write_handshake(&b.ns, m, sizeof(m)), HY_ERR_CRYPTO,
		   "zero ephemeral refused at DH");

	/* oversized and out-of-turn */
	hy_noise_init(&b.ns, &b.id, 0);
	is_int(hy_noise_write_handshake(&b.ns, m, sizeof(m)), HY_ERR_INVALID,
		   "responder cannot write first");
	is_int(hy_noise_next(&b.ns), HY_NOISE_READ, "out-of-turn call is not fatal");
	is_int(hy_noise_read_handshake(&b.ns, m, HY_NOISE_HS_MSG_MAX + 1), HY_ERR_TOO_LONG,
		   "oversized handshake message rejected");
	hy_noise_init(&a.ns, &a.id, 1);
	is_int(hy_noise_write_handshake(&a.ns, m, 31), HY_ERR_NOSPACE, "small output buffer refused");

	/* message 1 with a payload (not sent by libp2p peers) is tolerated */
	hy_noise_init(&a.ns, &a.id, 1);
	hy_noise_init(&b.ns, &b.id, 0);
	hy_noise_write_handshake(&a.ns, m, sizeof(m));
	is_int(hy_noise_read_handshake(&b.ns, m, 40), HY_OK,
		   "message 1 payload ignored");
}

/* Identity init with a fixed static key is deterministic */
static void
test_identity(void)
{
	static hy_noise_identity i1, i2;
	hy_keypair	kp;
	uint8_t		seed[32] = {9}, sk[32] = {1, 2, 3};

	hy_keypair_from_seed(&kp, seed);
	is_int(hy_noise_identity_init(&i1, &kp, sk), HY_OK, "identity with fixed static key");
	hy_noise_identity_init(&i2, &kp, sk);
	is_mem(i1.payload, i1.payload_len, i2.payload, i2.payload_len, "payload deterministic");
	is_mem(i1.payload + 2, 36, kp.pubkey_pb, 36, "payload starts with identity_key");
	hy_noise_identity_wipe(&i1);
	ok(sodium_is_zero(i1.static_sk, 32) && i1.payload_len == 0, "identity wiped");
}

/*
 * Build an identity for an ECDSA-family key made with OpenSSL: type 2 is
 * secp256k1 (33-byte compressed key), type 3 ECDSA P-256 (DER SPKI)
 */
static int
ec_identity(hy_noise_identity *id, const char *curve, int type)
{
	EVP_PKEY   *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t		pub[200], pb[220], msg[56], sig[128], *p = pub;
	size_t		publen = 0, siglen = sizeof(sig);
	int			n, rc = -1;

	if (pk == NULL || md == NULL)
		goto out;
	memset(id, 0, sizeof(*id));
	randombytes_buf(id->static_sk, 32);
	crypto_scalarmult_base(id->static_pk, id->static_sk);
	if (type == 2)
	{
		EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed");
		if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen))
			goto out;
	}
	else
		publen = (size_t) i2d_PUBKEY(pk, &p);
	pb[0] = 0x08;
	pb[1] = (uint8_t) type;
	pb[2] = 0x12;
	pb[3] = (uint8_t) publen;
	memcpy(pb + 4, pub, publen);
	memcpy(msg, HY_NOISE_SIG_PREFIX, 24);
	memcpy(msg + 24, id->static_pk, 32);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
		EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
		goto out;
	n = hy_noise_payload_encode(pb, publen + 4, sig, siglen, id->payload, sizeof(id->payload));
	if (n > 0)
	{
		id->payload_len = (uint16_t) n;
		rc = 0;
	}
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	return rc;
}

/* A remote with a secp256k1 or ECDSA identity is accepted */
static void
test_other_key_types(void)
{
	static peer a, b;
	static hs_msgs msgs;
	size_t		len;

	peer_make(&a, 8);
	memset(&b, 0, sizeof(b));
	ok(ec_identity(&b.id, "secp256k1", 2) == 0, "secp256k1 identity built");
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_OK, "secp256k1 responder accepted");
	ok(hy_noise_remote_peer_id(&a.ns, &len) != NULL && len == 39,
	   "secp256k1 peer id is an identity multihash");
	is_int(run_handshake(&b, &a, &msgs, NULL), HY_OK, "secp256k1 initiator accepted");
	ok(ec_identity(&b.id, "P-256", 3) == 0, "ECDSA identity built");
	is_int(run_handshake(&a, &b, &msgs, NULL), HY_OK, "ECDSA P-256 responder accepted");
	ok(hy_noise_remote_peer_id(&a.ns, &len) != NULL && len == 34,
	   "ECDSA peer id is a sha2-256 multihash");
	b.id.payload[b.id.payload_len - 1] ^= 1;
	ok(run_handshake(&a, &b, &msgs, NULL) < 0, "corrupted ECDSA signature rejected");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_cacophony();
	test_identity();
	test_libp2p_handshake();
	test_bad_identities();
	test_malformed_handshake();
	test_other_key_types();
	return tap_done();
}
