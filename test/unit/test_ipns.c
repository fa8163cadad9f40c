/*
 * test_ipns.c — IPNS record validation against records made by the
 * reference JS implementation (test/fixtures/ipns/records.txt, from
 * gen.mjs) and against hostile records built here with libsodium and a
 * small CBOR writer; RFC 3339 parsing; /pk/ records; the CBOR reader.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "dht/cbor.h"
#include "dht/ipns.h"
#include "dht/rfc3339.h"
#include "proto/ipns.pb-c.h"
#include "tap.h"

#define FIXTURES "test/fixtures/ipns/records.txt"
#define NOW_NS ((int64_t) 1700000000 * 1000000000)	/* 2023-11-14 */

typedef struct fixture
{
	char		name[32];
	uint8_t		id[64];
	size_t		id_len;
	uint8_t		rec[4096];
	size_t		rec_len;
} fixture;

static fixture fx[8];
static int	nfx;

/* Load the JS-made records */
static void
load_fixtures(void)
{
	FILE	   *f = fopen(FIXTURES, "r");
	static char line[16384];

	if (!f)
		return;
	while (nfx < 8 && fgets(line, sizeof(line), f))
	{
		char	   *name = strtok(line, " \n"),
				   *id = strtok(NULL, " \n"),
				   *rec = strtok(NULL, " \n");

		if (!name || !id || !rec)
			continue;
		snprintf(fx[nfx].name, sizeof(fx[nfx].name), "%s", name);
		sodium_hex2bin(fx[nfx].id, sizeof(fx[nfx].id), id, strlen(id), NULL,
					   &fx[nfx].id_len, NULL);
		sodium_hex2bin(fx[nfx].rec, sizeof(fx[nfx].rec), rec, strlen(rec), NULL,
					   &fx[nfx].rec_len, NULL);
		nfx++;
	}
	fclose(f);
}

/* A fixture by name */
static fixture *
fixture_named(const char *name)
{
	for (int i = 0; i < nfx; i++)
		if (strcmp(fx[i].name, name) == 0)
			return &fx[i];
	return NULL;
}

/* Tiny CBOR writer */
typedef struct cw
{
	uint8_t		b[12000];
	size_t		n;
} cw;

/* Write a head with the shortest argument */
static void
cw_head(cw *w, int major, uint64_t v)
{
	uint8_t		m = (uint8_t) (major << 5);

	if (v < 24)
		w->b[w->n++] = m | (uint8_t) v;
	else if (v < 256)
	{
		w->b[w->n++] = m | 24;
		w->b[w->n++] = (uint8_t) v;
	}
	else if (v < 65536)
	{
		w->b[w->n++] = m | 25;
		w->b[w->n++] = (uint8_t) (v >> 8);
		w->b[w->n++] = (uint8_t) v;
	}
	else
	{
		w->b[w->n++] = m | 27;
		for (int i = 7; i >= 0; i--)
			w->b[w->n++] = (uint8_t) (v >> (8 * i));
	}
}

/* Write a text or byte string */
static void
cw_str(cw *w, int major, const void *p, size_t len)
{
	cw_head(w, major, len);
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

/* Options for a hand-made record */
typedef struct mk
{
	const char *value;
	const char *validity;
	uint64_t	vtype;
	uint64_t	seq;
	int			dup_seq;		/* write Sequence twice */
	int			extra;			/* an unknown nested field */
	int			omit_validity;
	int			v1;				/* add V1 fields */
	const char *v1_value;		/* V1 value differing from the CBOR one */
	int			no_sig2;
	int			bad_sig;
	int			pubkey;			/* put the signer's key in pubKey */
} mk;

/* Build a signed record with key kp */
static size_t
make_record(const hy_keypair *kp, const mk *o, uint8_t *out, size_t cap)
{
	cw			w = {{0}, 0};
	Hy__Ipns__IpnsEntry e = HY__IPNS__IPNS_ENTRY__INIT;
	uint8_t		msg[16000],
				sig[64];
	int			nf = 5 + (o->dup_seq ? 1 : 0) + (o->extra ? 1 : 0) - (o->omit_validity ? 1 : 0);

	cw_head(&w, HY_CBOR_MAP, (uint64_t) nf);
	cw_str(&w, HY_CBOR_TEXT, "TTL", 3);
	cw_head(&w, HY_CBOR_UINT, 3600000000000ULL);
	cw_str(&w, HY_CBOR_TEXT, "Value", 5);
	cw_str(&w, HY_CBOR_BYTES, o->value, strlen(o->value));
	cw_str(&w, HY_CBOR_TEXT, "Sequence", 8);
	cw_head(&w, HY_CBOR_UINT, o->seq);
	if (o->dup_seq)
	{
		cw_str(&w, HY_CBOR_TEXT, "Sequence", 8);
		cw_head(&w, HY_CBOR_UINT, o->seq + 1);
	}
	if (!o->omit_validity)
	{
		cw_str(&w, HY_CBOR_TEXT, "Validity", 8);
		cw_str(&w, HY_CBOR_BYTES, o->validity, strlen(o->validity));
	}
	cw_str(&w, HY_CBOR_TEXT, "ValidityType", 12);
	cw_head(&w, HY_CBOR_UINT, o->vtype);
	if (o->extra)
	{
		cw_str(&w, HY_CBOR_TEXT, "Ext", 3);
		cw_head(&w, HY_CBOR_ARRAY, 2);
		cw_head(&w, HY_CBOR_MAP, 1);
		cw_str(&w, HY_CBOR_TEXT, "a", 1);
		cw_head(&w, HY_CBOR_TAG, 42);
		cw_str(&w, HY_CBOR_BYTES, "\x00\x01", 2);
		cw_head(&w, HY_CBOR_NEGINT, 5);
	}
	memcpy(msg, "ipns-signature:", 15);
	memcpy(msg + 15, w.b, w.n);
	hy_keypair_sign(kp, msg, 15 + w.n, sig);
	if (o->bad_sig)
		sig[10] ^= 1;
	if (!o->no_sig2)
	{
		e.has_signaturev2 = 1;
		e.signaturev2.data = sig;
		e.signaturev2.len = 64;
	}
	e.has_data = 1;
	e.data.data = w.b;
	e.data.len = w.n;
	if (o->v1)
	{
		const char *v = o->v1_value ? o->v1_value : o->value;

		e.has_value = 1;
		e.value.data = (uint8_t *) v;
		e.value.len = strlen(v);
		e.has_validity = 1;
		e.validity.data = (uint8_t *) o->validity;
		e.validity.len = strlen(o->validity);
		e.has_sequence = 1;
		e.sequence = o->seq;
		e.has_validitytype = 1;
		e.validitytype = 0;
	}
	if (o->pubkey)
	{
		e.has_pubkey = 1;
		e.pubkey.data = (uint8_t *) kp->pubkey_pb;
		e.pubkey.len = sizeof(kp->pubkey_pb);
	}
	if (hy__ipns__ipns_entry__get_packed_size(&e) > cap)
		return 0;
	return hy__ipns__ipns_entry__pack(&e, out);
}

/* Validate a hand-made record under kp's name */
static int
check(const hy_keypair *kp, const mk *o)
{
	uint8_t		rec[16000];
	size_t		n = make_record(kp, o, rec, sizeof(rec));

	return hy_ipns_validate(kp->peer_id, kp->peer_id_len, rec, n, NOW_NS, NULL);
}

/* Entry point */
int
main(void)
{
	hy_keypair	a,
				b;
	uint8_t		seed[32];
	hy_ipns_info i1,
				i2,
				i5;
	fixture    *f1,
			   *f2,
			   *f5,
			   *fe,
			   *fo;
	int64_t		ns;
	mk			base = {"/ipfs/bafkqaaa", "2099-12-31T23:59:59.999999999Z", 0, 7,
	0, 0, 0, 0, NULL, 0, 0, 0};
	mk			o;

	if (sodium_init() < 0)
		return 1;
	memset(seed, 1, sizeof(seed));
	hy_keypair_from_seed(&a, seed);
	memset(seed, 2, sizeof(seed));
	hy_keypair_from_seed(&b, seed);

	/* RFC 3339 */
	ok(hy_rfc3339_parse("1970-01-01T00:00:00Z", 20, &ns) == HY_OK && ns == 0, "epoch");
	ok(hy_rfc3339_parse("2023-11-14T22:13:20.5Z", 22, &ns) == HY_OK &&
	   ns == (int64_t) 1700000000 * 1000000000 + 500000000, "fraction");
	ok(hy_rfc3339_parse("2023-11-14T23:13:20+01:00", 25, &ns) == HY_OK &&
	   ns == (int64_t) 1700000000 * 1000000000, "offset");
	ok(hy_rfc3339_parse("2024-02-29T00:00:00Z", 20, &ns) == HY_OK, "leap day");
	ok(hy_rfc3339_parse("2023-02-29T00:00:00Z", 20, &ns) < 0, "no leap day in 2023");
	ok(hy_rfc3339_parse("2023-11-14 22:13:20Z", 20, &ns) < 0, "space instead of T");
	ok(hy_rfc3339_parse("2023-11-14T22:13:20", 19, &ns) < 0, "no zone");
	ok(hy_rfc3339_parse("2023-11-14T22:13:20.Z", 21, &ns) < 0, "empty fraction");
	ok(hy_rfc3339_parse("2023-11-14T22:13:20.1234567891Z", 31, &ns) < 0, "10 fraction digits");
	ok(hy_rfc3339_parse("9999-12-31T23:59:59Z", 20, &ns) == HY_OK && ns == INT64_MAX,
	   "far future clamps");
	{
		char		buf[HY_RFC3339_MAX];

		hy_rfc3339_format(1700000000123ULL, buf);
		is_str(buf, "2023-11-14T22:13:20.123000000Z", "format ms");
	}

	/* CBOR reader */
	{
		hy_cbor		c;
		int			major;
		uint64_t	arg;
		const uint8_t indef[] = {0x9f, 0x01, 0xff};
		const uint8_t deep[40] = {0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
			0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01};
		const uint8_t liar[] = {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		const uint8_t big_str[] = {0x5a, 0x7f, 0xff, 0xff, 0xff, 0x00};

		hy_cbor_init(&c, indef, sizeof(indef));
		ok(hy_cbor_skip(&c) < 0, "indefinite array rejected");
		hy_cbor_init(&c, deep, sizeof(deep));
		ok(hy_cbor_skip(&c) == HY_ERR_TOO_LONG, "nesting limit");
		hy_cbor_init(&c, liar, sizeof(liar));
		ok(hy_cbor_skip(&c) < 0, "huge array count rejected at once");
		hy_cbor_init(&c, big_str, sizeof(big_str));
		ok(hy_cbor_head(&c, &major, &arg, NULL) == HY_ERR_TRUNCATED, "string past the end");
	}

	/* records from the JS implementation */
	load_fixtures();
	is_int(nfx, 5, "5 JS-made fixtures loaded");
	f1 = fixture_named("v1v2_seq1");
	f2 = fixture_named("v1v2_seq2");
	f5 = fixture_named("v2only_seq5");
	fe = fixture_named("expired");
	fo = fixture_named("other_key");
	if (!f1 || !f2 || !f5 || !fe || !fo)
		return tap_done();
	is_mem(f1->id, f1->id_len, a.peer_id, a.peer_id_len, "JS key from seed 1 = our key");
	is_int(hy_ipns_validate(f1->id, f1->id_len, f1->rec, f1->rec_len, NOW_NS, &i1), HY_OK,
		   "JS V1+V2 record valid");
	is_int(i1.seq, 1, "sequence 1");
	is_int(hy_ipns_validate(f2->id, f2->id_len, f2->rec, f2->rec_len, NOW_NS, &i2), HY_OK,
		   "JS V1+V2 record seq 2 valid");
	is_int(hy_ipns_validate(f5->id, f5->id_len, f5->rec, f5->rec_len, NOW_NS, &i5), HY_OK,
		   "JS V2-only record valid");
	is_int(i5.seq, 5, "sequence 5");
	ok(hy_ipns_compare(&i2, &i1) > 0 && hy_ipns_compare(&i1, &i2) < 0 &&
	   hy_ipns_compare(&i1, &i1) == 0, "higher sequence wins");
	{
		hy_ipns_info x = i1,
					y = i1;

		y.validity_ns += 1;
		ok(hy_ipns_compare(&y, &x) > 0, "same sequence: later validity wins");
	}
	is_int(hy_ipns_validate(fe->id, fe->id_len, fe->rec, fe->rec_len, NOW_NS, NULL),
		   HY_ERR_INVALID, "JS expired record refused");
	is_int(hy_ipns_validate(f1->id, f1->id_len, fo->rec, fo->rec_len, NOW_NS, NULL),
		   HY_ERR_CRYPTO, "record of another key under our name refused");
	{
		uint8_t		r[4096];

		memcpy(r, f1->rec, f1->rec_len);
		r[f1->rec_len - 1] ^= 0x01;
		ok(hy_ipns_validate(f1->id, f1->id_len, r, f1->rec_len, NOW_NS, NULL) < 0,
		   "flipped last byte refused");
		for (size_t cut = 0; cut < f1->rec_len; cut += 7)
			if (hy_ipns_validate(f1->id, f1->id_len, f1->rec, cut, NOW_NS, NULL) == HY_OK)
				break;
		ok(1, "every truncation handled");
		ok(hy_ipns_validate(f1->id, f1->id_len, f1->rec, f1->rec_len - 1, NOW_NS, NULL) < 0,
		   "truncated record refused");
	}
	{
		static uint8_t big[HY_IPNS_RECORD_MAX + 1];

		is_int(hy_ipns_validate(a.peer_id, a.peer_id_len, big, sizeof(big), NOW_NS, NULL),
			   HY_ERR_TOO_LONG, "record over 10 KiB refused");
	}

	/* hand-made records */
	is_int(check(&a, &base), HY_OK, "hand-made V2 record valid");
	o = base;
	o.v1 = 1;
	is_int(check(&a, &o), HY_OK, "with matching V1 fields valid");
	o.v1_value = "/ipfs/other";
	is_int(check(&a, &o), HY_ERR_INVALID, "V1 value differing from CBOR refused");
	o = base;
	o.vtype = 1;
	is_int(check(&a, &o), HY_ERR_UNSUPPORTED, "validity type 1 refused");
	o = base;
	o.validity = "2001-01-01T00:00:00Z";
	is_int(check(&a, &o), HY_ERR_INVALID, "past validity refused");
	o = base;
	o.validity = "tomorrow";
	is_int(check(&a, &o), HY_ERR_INVALID, "malformed validity refused");
	o = base;
	o.omit_validity = 1;
	is_int(check(&a, &o), HY_ERR_INVALID, "missing Validity refused");
	o = base;
	o.dup_seq = 1;
	is_int(check(&a, &o), HY_ERR_INVALID, "duplicate Sequence refused");
	o = base;
	o.extra = 1;
	is_int(check(&a, &o), HY_OK, "unknown nested field skipped");
	o = base;
	o.no_sig2 = 1;
	is_int(check(&a, &o), HY_ERR_UNSUPPORTED, "no signatureV2 refused");
	o = base;
	o.bad_sig = 1;
	is_int(check(&a, &o), HY_ERR_CRYPTO, "bad signature refused");
	o = base;
	o.pubkey = 1;
	is_int(check(&a, &o), HY_OK, "with pubKey matching the name valid");
	{
		uint8_t		rec[16000];
		size_t		n = make_record(&b, &o, rec, sizeof(rec));

		is_int(hy_ipns_validate(a.peer_id, a.peer_id_len, rec, n, NOW_NS, NULL),
			   HY_ERR_CRYPTO, "pubKey of another peer refused");
		ok(hy_ipns_validate((const uint8_t *) "\x12\x20", 2, rec, n, NOW_NS, NULL) < 0,
		   "invalid name refused");
	}

	/* /pk/ records */
	{
		uint8_t		key[64];

		memcpy(key, "/pk/", 4);
		memcpy(key + 4, a.peer_id, a.peer_id_len);
		is_int(hy_pk_validate(key, 4 + a.peer_id_len, a.pubkey_pb, sizeof(a.pubkey_pb)),
			   HY_OK, "/pk/ record of its own key valid");
		is_int(hy_pk_validate(key, 4 + a.peer_id_len, b.pubkey_pb, sizeof(b.pubkey_pb)),
			   HY_ERR_CRYPTO, "/pk/ with another key refused");
		ok(hy_pk_validate(key, 4 + a.peer_id_len, (const uint8_t *) "\x08\x01", 2) < 0,
		   "/pk/ with a broken key refused");
		ok(hy_pk_validate((const uint8_t *) "/pk/", 4, a.pubkey_pb, 36) < 0, "/pk/ without id");
		ok(hy_pk_validate((const uint8_t *) "/xx/abc", 7, a.pubkey_pb, 36) < 0, "wrong prefix");
	}
	return tap_done();
}
