/*
 * keys_spki.h — strict DER reader for the two SubjectPublicKeyInfo shapes
 * libp2p uses: RSA (PKCS#1 RSAPublicKey) and EC on a named NIST curve
 * (internal to the keys module).
 */
#ifndef HY_CORE_KEYS_SPKI_H
#define HY_CORE_KEYS_SPKI_H

#include <stddef.h>
#include <stdint.h>

typedef enum hy_spki_kind
{
	HY_SPKI_RSA,
	HY_SPKI_EC
} hy_spki_kind;

typedef struct hy_spki
{
	hy_spki_kind kind;
	/* RSA: big-endian magnitudes, no leading zero byte, never zero */
	const uint8_t *n;
	size_t		n_len;
	const uint8_t *e;
	size_t		e_len;
	/* EC: OpenSSL group name and the uncompressed point 04 || X || Y */
	const char *curve;
	const uint8_t *point;
	size_t		point_len;
} hy_spki;

/* Split a DER SPKI into its parts; every pointer points into der */
int			hy_spki_parse(const uint8_t *der, size_t len, hy_spki *out);

#endif
