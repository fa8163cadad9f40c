/*
 * base36.c — base36 on top of the shared radix converter.
 */
#include "core/base36.h"

static const char b36_lower[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char b36_upper[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Encode bytes as lower-case base36 */
int
hy_base36_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	return hy_basex_encode(b36_lower, in, len, out, outcap);
}

/* Decode base36 text of the given case */
int
hy_base36_decode(const char *in, size_t len, bool upper,
				 uint8_t *out, size_t outcap)
{
	return hy_basex_decode(upper ? b36_upper : b36_lower, in, len, out, outcap);
}
