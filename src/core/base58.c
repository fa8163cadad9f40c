/*
 * base58.c — base58btc on top of the shared radix converter.
 */
#include "core/base58.h"

static const char b58_alphabet[] =
"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Encode bytes as base58btc */
int
hy_base58_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	return hy_basex_encode(b58_alphabet, in, len, out, outcap);
}

/* Decode base58btc text */
int
hy_base58_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	return hy_basex_decode(b58_alphabet, in, len, out, outcap);
}
