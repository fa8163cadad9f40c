/*
 * fuzz_ipns.c — arbitrary bytes as an IPNS record (under a fixed name and
 * under a name taken from the input), as the signed DAG-CBOR data map,
 * as a CBOR item to skip, and as an RFC 3339 timestamp.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "dht/cbor.h"
#include "dht/ipns.h"
#include "dht/rfc3339.h"

/* libFuzzer entry */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hy_keypair kp;
	static int	init;
	hy_ipns_info info;
	hy_cbor		c;
	int64_t		ns;
	const int64_t now = (int64_t) 1700000000 * 1000000000;

	if (!init)
	{
		uint8_t		seed[32];

		if (sodium_init() < 0)
			abort();
		memset(seed, 1, sizeof(seed));
		hy_keypair_from_seed(&kp, seed);
		init = 1;
	}
	hy_ipns_validate(kp.peer_id, kp.peer_id_len, data, size, now, &info);
	if (size > 38 && data[0] == 0)
		hy_ipns_validate(data, 38, data + 38, size - 38, now, &info);
	hy_ipns_data_parse(data, size, &info);
	hy_cbor_init(&c, data, size);
	while (c.off < c.len && hy_cbor_skip(&c) == 0)
		;
	hy_rfc3339_parse((const char *) data, size, &ns);
	hy_pk_validate(data, size / 2, data + size / 2, size - size / 2);
	return 0;
}
