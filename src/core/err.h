/*
 * err.h — error codes shared by the pure-C layers (core, net, dht).
 *
 * Functions that can fail return a negative hy_err; zero or a positive
 * value (a length, a count) means success.  No PostgreSQL headers here.
 */
#ifndef HY_CORE_ERR_H
#define HY_CORE_ERR_H

typedef enum hy_err
{
	HY_OK = 0,
	HY_ERR_TRUNCATED = -1,		/* input ends before the value does */
	HY_ERR_INVALID = -2,		/* malformed input */
	HY_ERR_TOO_LONG = -3,		/* input or value exceeds a limit */
	HY_ERR_UNSUPPORTED = -4,	/* well-formed but not something we handle */
	HY_ERR_NOSPACE = -5,		/* caller's output buffer is too small */
	HY_ERR_CRYPTO = -6,			/* signature or decryption check failed */
	HY_ERR_NOMEM = -7			/* allocation failed */
} hy_err;

/* Describe an error code in a short lower-case phrase */
const char *hy_strerror(int err);

#endif
