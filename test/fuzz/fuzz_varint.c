/*
 * fuzz_varint.c — a decoded varint re-encodes to the bytes it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/varint.h"

/* Decode, re-encode and compare */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		buf[HY_UVARINT_MAX];
	uint64_t	v;
	int			n = hy_uvarint_get(data, size, &v);

	if (n < 0)
		return 0;
	if (n > HY_UVARINT_MAX || (size_t) n > size || v >= HY_UVARINT_LIMIT)
		abort();
	if (hy_uvarint_put(v, buf) != n || memcmp(buf, data, (size_t) n) != 0)
		abort();
	if (hy_uvarint_len(v) != n)
		abort();
	return 0;
}
