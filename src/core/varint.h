/*
 * varint.h — unsigned LEB128 varints as multiformats uses them.
 *
 * Only the minimal encoding is accepted and at most 9 bytes (63 bits), as
 * the unsigned-varint spec requires, so every value has one byte form.
 */
#ifndef HY_CORE_VARINT_H
#define HY_CORE_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define HY_UVARINT_MAX 9		/* bytes in the longest accepted varint */
#define HY_UVARINT_LIMIT (UINT64_C(1) << 63)	/* first value not encodable */

/* Encode v into out (HY_UVARINT_MAX bytes); bytes written or HY_ERR_TOO_LONG */
int			hy_uvarint_put(uint64_t v, uint8_t *out);

/* Count the bytes hy_uvarint_put would write for v (0 if v is too large) */
int			hy_uvarint_len(uint64_t v);

/* Decode one varint from in; bytes consumed or a negative hy_err */
int			hy_uvarint_get(const uint8_t *in, size_t len, uint64_t *v);

#endif
