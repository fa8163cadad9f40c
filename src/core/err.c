/*
 * err.c — text for hy_err codes.
 */
#include "core/err.h"

/* Describe an error code in a short lower-case phrase */
const char *
hy_strerror(int err)
{
	switch (err)
	{
		case HY_OK:
			return "no error";
		case HY_ERR_TRUNCATED:
			return "input is truncated";
		case HY_ERR_INVALID:
			return "input is malformed";
		case HY_ERR_TOO_LONG:
			return "value is too long";
		case HY_ERR_UNSUPPORTED:
			return "value is not supported";
		case HY_ERR_NOSPACE:
			return "output buffer is too small";
		case HY_ERR_CRYPTO:
			return "cryptographic check failed";
		case HY_ERR_NOMEM:
			return "out of memory";
	}
	return "unknown error";
}
