/*
 * cbor.h — a minimal, bounded CBOR (RFC 8949) reader: item heads and
 * skipping whole items, enough to pick fields out of the DAG-CBOR map of
 * an IPNS record.  Indefinite lengths (forbidden in DAG-CBOR) and
 * reserved encodings are rejected; nesting is limited.
 */
#ifndef HY_DHT_CBOR_H
#define HY_DHT_CBOR_H

#include <stddef.h>
#include <stdint.h>

#define HY_CBOR_MAX_DEPTH 16

#define HY_CBOR_UINT 0
#define HY_CBOR_NEGINT 1
#define HY_CBOR_BYTES 2
#define HY_CBOR_TEXT 3
#define HY_CBOR_ARRAY 4
#define HY_CBOR_MAP 5
#define HY_CBOR_TAG 6
#define HY_CBOR_SIMPLE 7

typedef struct hy_cbor
{
	const uint8_t *p;
	size_t		len;
	size_t		off;
} hy_cbor;

/* Start reading a buffer */
void		hy_cbor_init(hy_cbor *c, const uint8_t *p, size_t len);

/*
 * Read one item head: major type and argument (for strings the length,
 * which is checked against the remaining input, and *payload points at
 * the bytes, which are consumed).  HY_OK or a negative hy_err.
 */
int			hy_cbor_head(hy_cbor *c, int *major, uint64_t *arg,
						 const uint8_t **payload);

/* Skip one whole item; HY_OK or a negative hy_err */
int			hy_cbor_skip(hy_cbor *c);

#endif
