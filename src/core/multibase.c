/*
 * multibase.c — dispatch on the multibase prefix character.
 */
#include <ctype.h>

#include "core/multibase.h"
#include "core/base16.h"
#include "core/base32.h"
#include "core/base36.h"
#include "core/base58.h"
#include "core/base64.h"
#include "core/err.h"

/* Tell whether prefix names a supported base */
bool
hy_multibase_supported(char prefix)
{
	switch (prefix)
	{
		case 'z':
		case 'b':
		case 'B':
		case 'k':
		case 'K':
		case 'f':
		case 'F':
		case 'm':
		case 'u':
			return true;
	}
	return false;
}

/* Decode multibase text by its prefix */
int
hy_multibase_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	const char *p = in + 1;
	size_t		n;

	if (len == 0)
		return HY_ERR_INVALID;
	n = len - 1;
	switch (in[0])
	{
		case 'z':
			return hy_base58_decode(p, n, out, outcap);
		case 'b':
		case 'B':
			return hy_base32_decode(p, n, in[0] == 'B', out, outcap);
		case 'k':
		case 'K':
			return hy_base36_decode(p, n, in[0] == 'K', out, outcap);
		case 'f':
		case 'F':
			return hy_base16_decode(p, n, in[0] == 'F', out, outcap);
		case 'm':
		case 'u':
			return hy_base64_decode(p, n, in[0] == 'u', out, outcap);
	}
	return HY_ERR_UNSUPPORTED;
}

/* Encode bytes behind a multibase prefix */
int
hy_multibase_encode(char prefix, const uint8_t *in, size_t len,
					char *out, size_t outcap)
{
	char	   *p = out + 1;
	size_t		cap;
	int			r;

	if (!hy_multibase_supported(prefix))
		return HY_ERR_UNSUPPORTED;
	if (outcap < 2)
		return HY_ERR_NOSPACE;
	cap = outcap - 1;
	switch (prefix)
	{
		case 'z':
			r = hy_base58_encode(in, len, p, cap);
			break;
		case 'b':
		case 'B':
			r = hy_base32_encode(in, len, p, cap);
			break;
		case 'k':
		case 'K':
			r = hy_base36_encode(in, len, p, cap);
			break;
		case 'f':
		case 'F':
			r = hy_base16_encode(in, len, p, cap);
			break;
		default:
			r = hy_base64_encode(in, len, prefix == 'u', p, cap);
			break;
	}
	if (r < 0)
		return r;
	out[0] = prefix;
	/* the upper-case variants differ from the lower ones only in case */
	if (prefix == 'B' || prefix == 'K' || prefix == 'F')
		for (int i = 0; i < r; i++)
			p[i] = (char) toupper((unsigned char) p[i]);
	return r + 1;
}
