/*
 * fuzz_multibase.c — the base decoders are canonical: decoded text must
 * re-encode under the same prefix to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/basex.h"
#include "core/multibase.h"

/* Decode, re-encode and compare */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bin[4096];
	static char txt[8192 + 2];
	int			n = hy_multibase_decode((const char *) data, size, bin, sizeof(bin));
	int			t;

	if (n < 0)
		return 0;
	/* the quadratic encoders refuse more than HY_BASEX_BIN_MAX bytes */
	if ((data[0] == 'z' || data[0] == 'k' || data[0] == 'K') && n > HY_BASEX_BIN_MAX)
		return 0;
	t = hy_multibase_encode((char) data[0], bin, (size_t) n, txt, sizeof(txt));
	if (t < 0 || (size_t) t != size || memcmp(txt, data, size) != 0)
		abort();
	return 0;
}
