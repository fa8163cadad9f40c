/*
 * base64.c — base64 and base64url on top of the shared bit-group codec.
 */
#include "core/base64.h"

static const char b64_std[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encode bytes as unpadded base64 or base64url */
int
hy_base64_encode(const uint8_t *in, size_t len, bool url,
				 char *out, size_t outcap)
{
	return hy_radix2_encode(url ? b64_url : b64_std, 6, in, len, out, outcap);
}

/* Decode unpadded base64 or base64url */
int
hy_base64_decode(const char *in, size_t len, bool url,
				 uint8_t *out, size_t outcap)
{
	return hy_radix2_decode(url ? b64_url : b64_std, 6, in, len, out, outcap);
}
