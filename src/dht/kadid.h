/*
 * kadid.h — Kademlia identifiers: sha256 of a peer ID, of a provider key
 * (the multihash) or of a record key, compared by XOR distance.
 */
#ifndef HY_DHT_KADID_H
#define HY_DHT_KADID_H

#include <stddef.h>
#include <stdint.h>

#define HY_KADID_LEN 32

/* Compute the Kademlia id (sha256) of key bytes */
void		hy_kadid(const uint8_t *key, size_t len, uint8_t out[HY_KADID_LEN]);

/* Compare the XOR distances of a and b to target: <0 if a is closer */
int			hy_kadid_cmp_dist(const uint8_t target[HY_KADID_LEN],
							  const uint8_t a[HY_KADID_LEN],
							  const uint8_t b[HY_KADID_LEN]);

/* Read the first bits (<= 16) of an id as an unsigned number, MSB first */
unsigned	hy_kadid_prefix(const uint8_t id[HY_KADID_LEN], int bits);

#endif
