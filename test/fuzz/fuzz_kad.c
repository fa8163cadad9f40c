/*
 * fuzz_kad.c — arbitrary bytes into the DHT server's stream path (one
 * head, memstore, routing table), as a whole stream or split in two
 * pieces; the first byte picks EOF, identify addresses, the split point
 * and whether the store flushes (and, with both top bits set, tiny decline
 * limits, so the declined and refused paths see the same input), so every
 * handler and the framing are reached with hostile input.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "core/multiaddr.h"
#include "dht/memstore.h"
#include "dht/server.h"

static hy_dht_server *srv;
static hy_memstore *ms;
static hy_keypair remote;
static uint8_t id_addrs[32];
static size_t id_addrs_len;

/* Fixed clock: 2023-11-14 */
static uint64_t
fixed_clock(void *arg)
{
	(void) arg;
	return 1700000000000ULL;
}

/* Discard answers (their size is checked by the encoder itself) */
static void
sink(void *arg, const uint8_t *p, size_t n)
{
	(void) arg;
	(void) p;
	if (n >= 16384)
		abort();
}

/* Build the server once */
static void
setup(void)
{
	hy_memstore_config mc = {0};
	hy_rtable_config rc = {0};
	hy_dht_server_config sc = {0};
	hy_keypair	kp;
	hy_addrset	lo = {0};
	uint8_t		seed[32],
				ma[32];
	int			n;
	size_t		size;
	hy_rtable  *rt;

	if (sodium_init() < 0)
		abort();
	mc.queue_cap = 64;
	mc.records_cap = 1024;
	mc.peers_cap = 256;
	mc.values_cap = 16;
	ms = hy_memstore_new(&mc);
	rc.allow_private = 1;
	rc.bits = 3;
	size = hy_rtable_mem_size(&rc);
	rt = hy_rtable_init(aligned_alloc(64, (size + 63) & ~(size_t) 63), size, &rc);
	n = hy_multiaddr_parse("/ip4/127.0.0.1/tcp/4001", 23, ma, sizeof(ma));
	hy_addrset_add(&lo, ma, (size_t) n, NULL, 0, 1);
	id_addrs[0] = (uint8_t) n;
	memcpy(id_addrs + 1, ma, (size_t) n);
	id_addrs_len = (size_t) n + 1;
	for (int i = 0; i < 64; i++)
	{
		memset(seed, i, sizeof(seed));
		hy_keypair_from_seed(&kp, seed);
		hy_rtable_update(rt, kp.peer_id, kp.peer_id_len, &lo, 1, 0);
		if (i == 1)
			remote = kp;		/* seed 1: the IPNS fixtures' key */
	}
	memset(seed, 0xee, sizeof(seed));
	hy_keypair_from_seed(&kp, seed);
	sc.store = hy_memstore_store(ms);
	sc.rt = rt;
	sc.allow_private = 1;
	sc.now_ms = fixed_clock;
	srv = hy_dht_server_new(&sc);
	hy_dht_server_add_virtual_head(srv, kp.peer_id, kp.peer_id_len, &lo);
}

/* libFuzzer entry */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		flags;
	size_t		split;

	if (!srv)
		setup();
	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	/* the clock is frozen: the buckets empty after a request or two */
	if ((flags & 0xc0) == 0xc0)
		hy_dht_server_set_limits(srv, 1, 2);
	else
		hy_dht_server_set_limits(srv, 0, 0);
	hy_dht_server_feed(srv, 0, remote.peer_id, remote.peer_id_len,
					   (flags & 2) ? id_addrs : NULL, (flags & 2) ? id_addrs_len : 0,
					   data, size, flags & 1, sink, NULL);
	/* the same bytes in two pieces must not change what is safe */
	split = size ? (size_t) (flags >> 3) % (size + 1) : 0;
	hy_dht_server_feed(srv, 0, remote.peer_id, remote.peer_id_len, NULL, 0,
					   data, split, 0, sink, NULL);
	if (flags & 4)
		hy_memstore_flush(ms);
	return 0;
}
