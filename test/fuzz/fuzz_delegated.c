/*
 * fuzz_delegated.c — the Delegated Routing V1 body parser on arbitrary
 * bytes: it must stay in bounds and every record it keeps must hold a
 * valid peer ID and at least one valid address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "net/delegated.h"

/* Parse and check what was kept */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hy_deleg_provider out[HY_DELEG_MAX_PROVIDERS];
	int			n = hy_deleg_parse((const char *) data, size, out, HY_DELEG_MAX_PROVIDERS);

	if (n > HY_DELEG_MAX_PROVIDERS || (n < 0 && n != HY_ERR_INVALID))
		abort();
	for (int i = 0; i < n; i++)
	{
		if (hy_peerid_check(out[i].peer_id, out[i].peer_id_len) != HY_OK)
			abort();
		if (out[i].naddrs == 0 || out[i].naddrs > HY_DELEG_ADDRS_MAX)
			abort();
		for (int a = 0; a < out[i].naddrs; a++)
			if (hy_multiaddr_validate(out[i].addr[a], out[i].addr_len[a]) != HY_OK)
				abort();
	}
	return 0;
}
