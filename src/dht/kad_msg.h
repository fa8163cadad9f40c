/*
 * kad_msg.h — framing, decoding and size-capped encoding of Kademlia DHT
 * messages (/ipfs/kad/1.0.0, src/proto/dht.proto).
 *
 * On the wire every message is uvarint(len) || protobuf Message.  Inbound
 * messages are capped at HY_KAD_MSG_IN_MAX (go allows 4 MiB; a DHT server
 * never needs more than a few KiB), and decoded through a bump arena, so a
 * message whose decoded form needs more memory than the arena (thousands
 * of tiny repeated fields) is rejected instead of costing memory.
 * Outbound messages are kept under HY_KAD_MSG_OUT_MAX including the
 * prefix (rust-libp2p's limit): addresses per peer are capped and peers
 * dropped until the message fits.
 */
#ifndef HY_DHT_KAD_MSG_H
#define HY_DHT_KAD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/pb_arena.h"
#include "dht/addrs.h"
#include "proto/dht.pb-c.h"

#define HY_KAD_PROTOCOL_SUFFIX "/kad/1.0.0"
#define HY_KAD_DEFAULT_PREFIX "/ipfs"
#define HY_KAD_MSG_IN_MAX 65536		/* largest inbound message body */
#define HY_KAD_MSG_OUT_MAX 16384	/* every framed message we send is below */
#define HY_KAD_KEY_MAX 80			/* longest key of any request */
#define HY_KAD_ARENA_SIZE (4 * HY_KAD_MSG_IN_MAX)	/* decoded-size budget */
#define HY_KAD_RESP_PEERS 96		/* closer + provider peers in one builder */

/* Message types (dht.proto MessageType) */
#define HY_KAD_PUT_VALUE 0
#define HY_KAD_GET_VALUE 1
#define HY_KAD_ADD_PROVIDER 2
#define HY_KAD_GET_PROVIDERS 3
#define HY_KAD_FIND_NODE 4
#define HY_KAD_PING 5
#define HY_KAD_NTYPES 6

typedef Hy__Kad__Message hy_kad_message;
typedef Hy__Kad__Message__Peer hy_kad_peer;

/* Bump allocator over caller memory for one decode */
typedef hy_pb_arena hy_kad_arena;

/* Name of a message type ("FIND_NODE"), "UNKNOWN" otherwise */
const char *hy_kad_type_name(int type);

/*
 * Look for one framed message at the front of buf.  Returns 1 with the
 * body's offset and length when it is complete, 0 when more bytes are
 * needed, HY_ERR_TOO_LONG when the prefix announces more than max, or
 * HY_ERR_INVALID for a malformed prefix.
 */
int			hy_kad_frame(const uint8_t *buf, size_t n, size_t max,
						 size_t *body_off, size_t *body_len);

/* Point an arena at memory (reset on every decode) */
void		hy_kad_arena_init(hy_kad_arena *a, void *mem, size_t cap);

/*
 * Decode one message body; the result lives in the arena until its next
 * use.  NULL when malformed or over the arena budget.
 */
hy_kad_message *hy_kad_decode(hy_kad_arena *a, const uint8_t *body, size_t len);

/*
 * A response under construction: every array is inside, and ids and
 * addresses are borrowed from the caller until hy_kad_builder_encode.
 */
typedef struct hy_kad_builder
{
	hy_kad_message msg;
	Hy__Kad__Record rec;
	hy_kad_peer peers[HY_KAD_RESP_PEERS];
	hy_kad_peer *closer[HY_KAD_RESP_PEERS];
	hy_kad_peer *prov[HY_KAD_RESP_PEERS];
	ProtobufCBinaryData addrs[HY_KAD_RESP_PEERS][HY_ADDRS_MAX];
	int			npeers;
} hy_kad_builder;

/* Start a message of a type with an optional key */
void		hy_kad_builder_init(hy_kad_builder *b, int type,
								const uint8_t *key, size_t key_len);

/*
 * Add a peer to closerPeers (provider = 0) or providerPeers (1).
 * Addresses beyond HY_ADDRS_MAX are dropped.  HY_ERR_NOSPACE when full.
 */
int			hy_kad_builder_add_peer(hy_kad_builder *b, int provider,
									const uint8_t *id, size_t id_len,
									const hy_addrset *addrs);

/* Attach a record {key, value, timeReceived} (all borrowed) */
void		hy_kad_builder_set_record(hy_kad_builder *b, const uint8_t *key,
									  size_t key_len, const uint8_t *value,
									  size_t value_len, const char *time_received);

/*
 * Frame the message into out, dropping closer peers and then provider
 * peers from the end until the frame is below HY_KAD_MSG_OUT_MAX.  Bytes
 * written, or HY_ERR_TOO_LONG if even the bare message is too big.
 */
int			hy_kad_encode_fit(hy_kad_message *m, uint8_t *out, size_t cap);

/* Frame any message without trimming (requests); bytes or hy_err */
int			hy_kad_encode(const hy_kad_message *m, uint8_t *out, size_t cap);

#endif
