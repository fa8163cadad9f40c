/*
 * codec_sql.c — SQL-callable multiformats conversions over src/core.
 *
 * Bad input is an ERROR with SQLSTATE 22P02 (text forms) or 22023 (binary
 * forms and semantic problems) that quotes the offending value.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/cid.h"
#include "core/err.h"
#include "core/multiaddr.h"
#include "core/multihash.h"
#include "core/peerid.h"

#include "pg/hydra_pg.h"

/* Most addresses one provider may register through the SQL API */
#define HYDRA_MAX_PROVIDER_ADDRS 32

PG_FUNCTION_INFO_V1(hydra_cid_to_key);
PG_FUNCTION_INFO_V1(hydra_key_to_cid);
PG_FUNCTION_INFO_V1(hydra_peer_id_bytes);
PG_FUNCTION_INFO_V1(hydra_peer_id_text);
PG_FUNCTION_INFO_V1(hydra_multiaddr_bytes);
PG_FUNCTION_INFO_V1(hydra_multiaddr_text);
PG_FUNCTION_INFO_V1(hydra_provider_addrs);

/* Quote a binary value as \x hex for an error message (first 64 bytes) */
static char *
bytes_for_message(const uint8_t *p, size_t len)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "\\x");
	for (size_t i = 0; i < len && i < 64; i++)
		appendStringInfo(&s, "%02x", p[i]);
	if (len > 64)
		appendStringInfoString(&s, "...");
	return s.data;
}

/* Parse a multiaddr text into buf, raising a quoted error on failure */
static int
parse_multiaddr_or_error(const char *str, uint8_t *buf, size_t cap)
{
	int			n = hy_multiaddr_parse(str, strlen(str), buf, cap);

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid multiaddr: \"%s\"", str),
				 errdetail("%s.", hy_strerror(n))));
	return n;
}

/* Parse a peer ID text into buf, raising a quoted error on failure */
static int
parse_peer_id_or_error(const char *str, uint8_t *buf, size_t cap)
{
	int			n = hy_peerid_parse(str, strlen(str), buf, cap);

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid peer ID: \"%s\"", str),
				 errdetail("%s.", hy_strerror(n))));
	return n;
}

/* hydra.cid_to_key(text) -> bytea: the multihash of a CID */
Datum
hydra_cid_to_key(PG_FUNCTION_ARGS)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));
	hy_cid		cid;
	int			rc = hy_cid_parse(str, strlen(str), &cid);

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid CID: \"%s\"", str),
				 errdetail("%s.", hy_strerror(rc))));
	PG_RETURN_BYTEA_P(hydra_bytes_to_bytea(cid.mh, cid.mh_len));
}

/* hydra.key_to_cid(bytea) -> text: CIDv1 raw, base32, of a multihash key */
Datum
hydra_key_to_cid(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	const uint8_t *p = (const uint8_t *) VARDATA_ANY(key);
	size_t		len = VARSIZE_ANY_EXHDR(key);
	hy_cid		cid;
	char		out[HY_CID_TEXT_MAX + 1];
	int			rc = hy_cid_set(&cid, 1, HY_CODEC_RAW, p, len);

	if (rc >= 0)
		rc = hy_cid_format(&cid, 'b', out, sizeof(out));
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid DHT key: \"%s\"", bytes_for_message(p, len)),
				 errdetail("A key must be one multihash: %s.", hy_strerror(rc))));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* hydra.peer_id_bytes(text) -> bytea */
Datum
hydra_peer_id_bytes(PG_FUNCTION_ARGS)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));
	uint8_t		buf[HY_PEER_ID_MAX];
	int			n = parse_peer_id_or_error(str, buf, sizeof(buf));

	PG_RETURN_BYTEA_P(hydra_bytes_to_bytea(buf, n));
}

/* hydra.peer_id_text(bytea) -> text (base58btc) */
Datum
hydra_peer_id_text(PG_FUNCTION_ARGS)
{
	bytea	   *id = PG_GETARG_BYTEA_PP(0);
	const uint8_t *p = (const uint8_t *) VARDATA_ANY(id);
	size_t		len = VARSIZE_ANY_EXHDR(id);
	char		out[HY_PEER_ID_TEXT_MAX + 1];
	int			rc = hy_peerid_format(p, len, out, sizeof(out));

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid binary peer ID: \"%s\"", bytes_for_message(p, len)),
				 errdetail("%s.", hy_strerror(rc))));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/* hydra.multiaddr_bytes(text) -> bytea */
Datum
hydra_multiaddr_bytes(PG_FUNCTION_ARGS)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));
	uint8_t		buf[HY_MULTIADDR_MAX];
	int			n = parse_multiaddr_or_error(str, buf, sizeof(buf));

	PG_RETURN_BYTEA_P(hydra_bytes_to_bytea(buf, n));
}

/* hydra.multiaddr_text(bytea) -> text */
Datum
hydra_multiaddr_text(PG_FUNCTION_ARGS)
{
	bytea	   *addr = PG_GETARG_BYTEA_PP(0);
	const uint8_t *p = (const uint8_t *) VARDATA_ANY(addr);
	size_t		len = VARSIZE_ANY_EXHDR(addr);
	char	   *out = palloc(HY_MULTIADDR_TEXT_MAX + 1);
	int			rc = hy_multiaddr_format(p, len, out, HY_MULTIADDR_TEXT_MAX + 1);

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid binary multiaddr: \"%s\"", bytes_for_message(p, len)),
				 errdetail("%s.", hy_strerror(rc))));
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * hydra._provider_addrs(text[], bytea) -> bytea[]: validate a provider's
 * addresses, drop a trailing /p2p/<provider> (js peers send it), reject one
 * naming another peer, and remove duplicates keeping the first occurrence.
 */
Datum
hydra_provider_addrs(PG_FUNCTION_ARGS)
{
	ArrayType  *in = PG_GETARG_ARRAYTYPE_P(0);
	bytea	   *peer = PG_GETARG_BYTEA_PP(1);
	const uint8_t *peer_p = (const uint8_t *) VARDATA_ANY(peer);
	size_t		peer_len = VARSIZE_ANY_EXHDR(peer);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	Datum	   *out;
	int			nout = 0;

	if (ARR_NDIM(in) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("addrs must be a one-dimensional array")));
	deconstruct_array(in, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (nelems > HYDRA_MAX_PROVIDER_ADDRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many addresses: %d", nelems),
				 errdetail("A provider may register at most %d addresses.",
						   HYDRA_MAX_PROVIDER_ADDRS)));
	out = palloc(sizeof(Datum) * (nelems + 1));
	for (int i = 0; i < nelems; i++)
	{
		char	   *str;
		uint8_t		buf[HY_MULTIADDR_MAX];
		const uint8_t *id;
		size_t		id_len;
		int			n;
		int			base_len;
		bool		dup = false;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("addrs must not contain NULL")));
		str = TextDatumGetCString(elems[i]);
		n = parse_multiaddr_or_error(str, buf, sizeof(buf));
		base_len = hy_multiaddr_strip_p2p(buf, n, &id, &id_len);
		if (base_len < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid multiaddr: \"%s\"", str),
					 errdetail("%s.", hy_strerror(base_len))));
		if (id != NULL && (id_len != peer_len || memcmp(id, peer_p, id_len) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("address \"%s\" names another peer", str),
					 errdetail("A provider's addresses may end only in its own /p2p/ component.")));
		if (base_len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("address \"%s\" has no transport part", str)));
		for (int j = 0; j < nout && !dup; j++)
		{
			bytea	   *prev = DatumGetByteaPP(out[j]);

			dup = VARSIZE_ANY_EXHDR(prev) == (size_t) base_len &&
				memcmp(VARDATA_ANY(prev), buf, base_len) == 0;
		}
		if (!dup)
			out[nout++] = PointerGetDatum(hydra_bytes_to_bytea(buf, base_len));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, nout, BYTEAOID, -1, false, TYPALIGN_INT));
}
