/*
 * keys_pb.h — strict reading and writing of the libp2p PublicKey and
 * PrivateKey protobufs (internal to the keys module).
 */
#ifndef HY_CORE_KEYS_PB_H
#define HY_CORE_KEYS_PB_H

#include <stddef.h>
#include <stdint.h>

typedef enum hy_key_pb_kind
{
	HY_KEY_PB_PUBLIC,
	HY_KEY_PB_PRIVATE
} hy_key_pb_kind;

/*
 * Parse a key protobuf that must be in deterministic encoding.  On success
 * *type is the raw KeyType number (not range-checked: callers decide what
 * an unknown type means) and *data points into pb.
 */
int			hy_key_pb_parse(hy_key_pb_kind kind, const uint8_t *pb, size_t len,
							int *type, const uint8_t **data, size_t *data_len);

/* Serialize a key protobuf; returns its length */
int			hy_key_pb_encode(hy_key_pb_kind kind, int type,
							 const uint8_t *data, size_t data_len,
							 uint8_t *out, size_t cap);

#endif
