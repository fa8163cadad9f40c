/*
 * noise_payload.c — encode and verify the libp2p Noise handshake payload
 * with protobuf-c.
 *
 * Unpacking allocates through a bump arena on the stack instead of malloc:
 * the input is capped at HY_NOISE_PAYLOAD_MAX, and a payload whose decoded
 * form needs more than the arena (thousands of tiny repeated fields) is
 * rejected rather than allowed to cost memory.
 */
#include "net/noise_payload.h"

#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/pb_arena.h"
#include "net/noise.h"
#include "proto/noise.pb-c.h"

#define PAYLOAD_ARENA 16384		/* decoded-size budget of one payload */
#define SIG_PREFIX_LEN (sizeof(HY_NOISE_SIG_PREFIX) - 1)

/* Encode {identity_key, identity_sig} */
int
hy_noise_payload_encode(const uint8_t *key, size_t key_len,
						const uint8_t *sig, size_t sig_len,
						uint8_t *out, size_t cap)
{
	Hy__NoiseHandshakePayload msg = HY__NOISE_HANDSHAKE_PAYLOAD__INIT;
	size_t		n;

	msg.has_identity_key = 1;
	msg.identity_key.data = (uint8_t *) key;
	msg.identity_key.len = key_len;
	msg.has_identity_sig = 1;
	msg.identity_sig.data = (uint8_t *) sig;
	msg.identity_sig.len = sig_len;
	n = hy__noise_handshake_payload__get_packed_size(&msg);
	if (n > cap || n > HY_NOISE_PAYLOAD_MAX)
		return HY_ERR_NOSPACE;
	return (int) hy__noise_handshake_payload__pack(&msg, out);
}

/* Verify the remote's payload and derive its peer ID */
int
hy_noise_payload_verify(const uint8_t *payload, size_t len, const uint8_t rs[32],
						uint8_t *peer_id, size_t cap)
{
	_Alignas(16) uint8_t mem[PAYLOAD_ARENA];
	hy_pb_arena arena;
	ProtobufCAllocator alloc;
	Hy__NoiseHandshakePayload *msg;
	uint8_t		signed_msg[SIG_PREFIX_LEN + 32];
	int			rc;

	if (len > HY_NOISE_PAYLOAD_MAX)
		return HY_ERR_TOO_LONG;
	hy_pb_arena_init(&arena, mem, sizeof(mem));
	alloc = hy_pb_arena_allocator(&arena);
	msg = hy__noise_handshake_payload__unpack(&alloc, len, payload);
	if (msg == NULL)
		return HY_ERR_INVALID;
	if (!msg->has_identity_key || msg->identity_key.len == 0 ||
		!msg->has_identity_sig || msg->identity_sig.len == 0)
		return HY_ERR_INVALID;
	if (msg->identity_key.len > HY_PUBKEY_PB_MAX ||
		msg->identity_sig.len > HY_SIG_MAX)
		return HY_ERR_TOO_LONG;

	memcpy(signed_msg, HY_NOISE_SIG_PREFIX, SIG_PREFIX_LEN);
	memcpy(signed_msg + SIG_PREFIX_LEN, rs, 32);
	rc = hy_identity_verify(msg->identity_key.data, msg->identity_key.len,
							signed_msg, sizeof(signed_msg),
							msg->identity_sig.data, msg->identity_sig.len);
	if (rc != HY_OK)
		return rc < 0 ? rc : HY_ERR_CRYPTO;
	return hy_peer_id_from_pubkey(msg->identity_key.data, msg->identity_key.len,
								  peer_id, cap);
}
