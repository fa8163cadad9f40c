/*
 * noise_payload.h — the libp2p NoiseHandshakePayload (internal to
 * src/net/noise*.c): build ours, check the remote's.
 */
#ifndef HY_NET_NOISE_PAYLOAD_H
#define HY_NET_NOISE_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Encode {identity_key, identity_sig}; bytes written or negative */
int			hy_noise_payload_encode(const uint8_t *key, size_t key_len,
									const uint8_t *sig, size_t sig_len,
									uint8_t *out, size_t cap);

/*
 * Check a received payload against the static key rs that came with it:
 * identity_key and identity_sig present, signature valid over
 * "noise-libp2p-static-key:" || rs.  Writes the remote peer ID; returns
 * its length or a negative hy_err.  Extensions are parsed and ignored.
 */
int			hy_noise_payload_verify(const uint8_t *payload, size_t len,
									const uint8_t rs[32],
									uint8_t *peer_id, size_t cap);

#endif
