/*
 * rfc3339.h — RFC 3339 timestamps as IPNS validity and DHT timeReceived
 * use them ("2006-01-02T15:04:05.999999999Z07:00", go's RFC3339Nano).
 */
#ifndef HY_DHT_RFC3339_H
#define HY_DHT_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define HY_RFC3339_MAX 40		/* longest text we write, with NUL */

/*
 * Parse a timestamp into Unix nanoseconds, clamped to the int64 range
 * (years beyond 2262 compare as "far future").  HY_OK or HY_ERR_INVALID.
 */
int			hy_rfc3339_parse(const char *s, size_t len, int64_t *unix_ns);

/* Write Unix milliseconds as UTC with nanoseconds; length */
int			hy_rfc3339_format(uint64_t unix_ms, char out[HY_RFC3339_MAX]);

#endif
