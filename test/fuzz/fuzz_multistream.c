/*
 * fuzz_multistream.c — multistream-select fed arbitrary bytes in arbitrary
 * chunks.  Byte 0 picks the role and whether output is drained; byte 1
 * seeds the chunk sizes; the rest is the remote's byte stream.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/multistream.h"

static const char *const protos[] = {"/noise", "/yamux/1.0.0", "/ipfs/kad/1.0.0"};

/* Abort when an invariant of the API breaks */
static void
check(int cond)
{
	if (!cond)
		abort();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed data[2..] to a listener or dialer in pseudo-random chunks */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hy_mss		m;
	size_t		pos = 2,
				used,
				n;
	unsigned	seed;
	int			rc = HY_MSS_MORE,
				stalls = 0;

	if (size < 2)
		return 0;
	seed = data[1] | 1u;
	if (data[0] & 1)
		rc = hy_mss_init_dialer(&m, protos, 1 + (data[0] >> 1) % 3);
	else
		rc = hy_mss_init_listener(&m, protos, 1 + (data[0] >> 1) % 3);
	check(rc == HY_OK);
	while (pos < size && rc == HY_MSS_MORE)
	{
		size_t		chunk;

		seed = seed * 1103515245u + 12345u;
		chunk = 1 + (seed >> 16) % 64;
		if (chunk > size - pos)
			chunk = size - pos;
		rc = hy_mss_feed(&m, data + pos, chunk, &used);
		check(used <= chunk);
		pos += used;
		hy_mss_pending_output(&m, &n);
		check(n <= HY_MSS_OUT_MAX);
		/* drain unless asked to stall; a stall must not lose input */
		if (!(data[0] & 0x80) || used < chunk)
			hy_mss_consume_output(&m, (data[0] & 0x40) ? n / 2 : n);
		if (rc == HY_MSS_MORE && used < chunk)
			check(++stalls < 100000);
	}
	if (rc == HY_MSS_DONE)
	{
		check(hy_mss_selected(&m) >= 0 && hy_mss_selected(&m) < 3);
		check(hy_mss_selected_name(&m) != NULL);
	}
	else if (rc < 0)
	{
		rc = hy_mss_feed(&m, data, size, &used);
		check(rc < 0 && used == 0);
	}
	return 0;
}
