/*
 * test_keys.c — libp2p keys, signatures and peer IDs against the spec's
 * vectors and against fixtures made by independent tools (OpenSSL CLI,
 * PyNaCl; see test/fixtures/keys/README.md).  The PublicKey framing here
 * is written by hand, independently of the protobuf-c code under test.
 */
#include <stdlib.h>

#include <openssl/sha.h>

#include "tap.h"
#include "core/base58.h"
#include "core/err.h"
#include "core/keys.h"

#define FIX_MAX 2048

static char fixdir[512] = "test/fixtures/keys";

typedef struct blob
{
	uint8_t		b[FIX_MAX];
	size_t		n;
} blob;

/* Find the fixture directory from the cwd or from the test binary's path */
static void
find_fixtures(const char *argv0)
{
	FILE	   *f;
	const char *slash;

	f = fopen("test/fixtures/keys/msg.bin", "rb");
	if (f != NULL)
	{
		fclose(f);
		return;
	}
	/* build/unit/test_keys -> build/unit/../../test/fixtures/keys */
	slash = strrchr(argv0, '/');
	if (slash != NULL)
		snprintf(fixdir, sizeof(fixdir), "%.*s/../../test/fixtures/keys",
				 (int) (slash - argv0), argv0);
}

/* Read one fixture file whole; bails out of the test run if missing */
static blob
fix(const char *name)
{
	char		path[1024];
	blob		r;
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	f = fopen(path, "rb");
	if (f == NULL)
	{
		printf("Bail out! missing fixture %s\n", path);
		exit(255);
	}
	r.n = fread(r.b, 1, sizeof(r.b), f);
	fclose(f);
	return r;
}

/* Decode a hex string into a blob */
static blob
hex(const char *s)
{
	blob		r;

	r.n = 0;
	while (s[0] && s[1] && r.n < sizeof(r.b))
	{
		unsigned	v;

		sscanf(s, "%2x", &v);
		r.b[r.n++] = (uint8_t) v;
		s += 2;
	}
	return r;
}

/* Frame key Data as a canonical PublicKey: 08 type 12 varint(len) data */
static blob
wrap(int type, const uint8_t *data, size_t len)
{
	blob		r;
	size_t		n = 0;
	size_t		l = len;

	r.b[n++] = 0x08;
	r.b[n++] = (uint8_t) type;
	r.b[n++] = 0x12;
	do
	{
		r.b[n++] = (uint8_t) ((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
		l >>= 7;
	} while (l);
	memcpy(r.b + n, data, len);
	r.n = n + len;
	return r;
}

/* Frame a fixture file as a PublicKey of the given type */
static blob
wrap_fix(int type, const char *name)
{
	blob		d = fix(name);

	return wrap(type, d.b, d.n);
}

/* Encode bytes in base58btc (test-only, for comparing with the vectors) */
static void
b58(const uint8_t *in, size_t n, char *out)
{
	static const char alpha[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t		digits[128] = {0};
	size_t		nd = 0;
	size_t		zeros = 0;
	size_t		k = 0;

	while (zeros < n && in[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < n; i++)
	{
		unsigned	carry = in[i];

		for (size_t j = 0; j < nd; j++)
		{
			carry += (unsigned) digits[j] << 8;
			digits[j] = carry % 58;
			carry /= 58;
		}
		while (carry)
		{
			digits[nd++] = carry % 58;
			carry /= 58;
		}
	}
	for (size_t i = 0; i < zeros; i++)
		out[k++] = '1';
	while (nd)
		out[k++] = alpha[digits[--nd]];
	out[k] = '\0';
}

/* Check one spec vector: PublicKey -> peer ID bytes, text, and back */
static void
spec_vector(const char *pb_hex, hy_key_type want_type, const char *id_hex,
			const char *id_b58, const char *what)
{
	blob		pb = hex(pb_hex);
	blob		want = hex(id_hex);
	uint8_t		id[HY_PEER_ID_MAX];
	char		text[128];
	char		name[128];
	hy_key_type type = -1;
	const uint8_t *back = NULL;
	size_t		back_len = 0;
	int			n;

	snprintf(name, sizeof(name), "%s: PublicKey is valid", what);
	is_int(hy_pubkey_check(pb.b, pb.n, &type), HY_OK, name);
	snprintf(name, sizeof(name), "%s: key type", what);
	is_int(type, want_type, name);
	n = hy_peer_id_from_pubkey(pb.b, pb.n, id, sizeof(id));
	snprintf(name, sizeof(name), "%s: peer ID bytes", what);
	is_mem(id, n < 0 ? 0 : n, want.b, want.n, name);
	b58(id, n < 0 ? 0 : (size_t) n, text);
	snprintf(name, sizeof(name), "%s: peer ID base58btc", what);
	is_str(text, id_b58, name);
	/* And through the project's own codec */
	text[0] = '\0';
	hy_base58_encode(id, n < 0 ? 0 : (size_t) n, text, sizeof(text));
	snprintf(name, sizeof(name), "%s: peer ID via hy_base58_encode", what);
	is_str(text, id_b58, name);
	snprintf(name, sizeof(name), "%s: key recovered from peer ID", what);
	is_int(hy_pubkey_from_peer_id(id, n, &back, &back_len), HY_OK, name);
	snprintf(name, sizeof(name), "%s: recovered key bytes", what);
	ok(back == id + 2 && back_len == pb.n &&
	   memcmp(back, pb.b, pb.n) == 0, name);
}

static void
test_spec_vectors(void)
{
	/* Expected bytes = base58btc-decoding of the spec's peer ID texts */
	spec_vector("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
				HY_KEY_ED25519,
				"0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
				"12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
				"spec ed25519");
	spec_vector("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
				HY_KEY_SECP256K1,
				"002508021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
				"16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY",
				"spec secp256k1");
}

/* Our keypair reproduces an independently generated Ed25519 key and sig */
static void
keypair_vs_fixture(const char *prefix)
{
	char		f[64];
	char		name[128];
	blob		seed, pub, sig, msg = fix("msg.bin");
	hy_keypair	kp;
	uint8_t		mysig[64];
	uint8_t		id[HY_PEER_ID_MAX];
	int			n;

	snprintf(f, sizeof(f), "%s.seed", prefix);
	seed = fix(f);
	snprintf(f, sizeof(f), "%s.pub", prefix);
	pub = fix(f);
	snprintf(f, sizeof(f), "%s.sig", prefix);
	sig = fix(f);

	hy_keypair_from_seed(&kp, seed.b);
	snprintf(name, sizeof(name), "%s: pk from seed", prefix);
	is_mem(kp.pk, 32, pub.b, pub.n, name);
	snprintf(name, sizeof(name), "%s: PublicKey framing", prefix);
	{
		blob		pb = wrap(HY_KEY_ED25519, pub.b, pub.n);

		is_mem(kp.pubkey_pb, sizeof(kp.pubkey_pb), pb.b, pb.n, name);
	}
	snprintf(name, sizeof(name), "%s: peer ID is identity multihash", prefix);
	ok(kp.peer_id_len == 38 && kp.peer_id[0] == 0 && kp.peer_id[1] == 36 &&
	   memcmp(kp.peer_id + 2, kp.pubkey_pb, 36) == 0, name);
	n = hy_peer_id_from_pubkey(kp.pubkey_pb, sizeof(kp.pubkey_pb), id,
							   sizeof(id));
	snprintf(name, sizeof(name), "%s: peer ID from PublicKey agrees", prefix);
	is_mem(id, n < 0 ? 0 : n, kp.peer_id, kp.peer_id_len, name);

	/* Ed25519 is deterministic: the same key signs the same bytes */
	hy_keypair_sign(&kp, msg.b, msg.n, mysig);
	snprintf(name, sizeof(name), "%s: signature matches fixture", prefix);
	is_mem(mysig, 64, sig.b, sig.n, name);
	snprintf(name, sizeof(name), "%s: own signature verifies", prefix);
	is_int(hy_identity_verify(kp.pubkey_pb, 36, msg.b, msg.n, mysig, 64),
		   HY_OK, name);
}

static void
test_keypair(void)
{
	uint8_t		seed[32];
	hy_keypair	kp, kp2;
	uint8_t		pb[HY_PRIVKEY_PB_MAX];
	uint8_t		sig[64];
	blob		legacy;
	int			n;

	keypair_vs_fixture("ed25519");
	keypair_vs_fixture("ed25519-nacl");

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t) (i * 7 + 1);
	hy_keypair_from_seed(&kp, seed);

	/* Passing kp->seed itself must work */
	kp2 = kp;
	hy_keypair_from_seed(&kp2, kp2.seed);
	is_mem(kp2.pk, 32, kp.pk, 32, "from_seed with aliased seed");

	n = hy_privkey_encode(&kp, pb, sizeof(pb));
	is_int(n, 68, "privkey encodes to 68 bytes");
	ok(n == 68 && memcmp(pb, "\x08\x01\x12\x40", 4) == 0 &&
	   memcmp(pb + 4, seed, 32) == 0 && memcmp(pb + 36, kp.pk, 32) == 0,
	   "privkey layout 08 01 12 40 seed pk");
	is_int(hy_privkey_encode(&kp, pb, 67), HY_ERR_NOSPACE,
		   "privkey encode: short buffer");

	memset(&kp2, 0, sizeof(kp2));
	is_int(hy_privkey_decode(pb, 68, &kp2), HY_OK, "privkey decodes");
	ok(memcmp(&kp2, &kp, sizeof(kp)) == 0, "decoded keypair is identical");
	hy_keypair_sign(&kp2, (const uint8_t *) "x", 1, sig);
	is_int(hy_identity_verify(kp.pubkey_pb, 36, (const uint8_t *) "x", 1,
							  sig, 64), HY_OK, "decoded key signs");
	hy_keypair_sign(&kp2, NULL, 0, sig);
	is_int(hy_identity_verify(kp.pubkey_pb, 36, NULL, 0, sig, 64), HY_OK,
		   "empty message signs and verifies");

	/* Legacy seed || pk || pk */
	legacy.n = 100;
	memcpy(legacy.b, "\x08\x01\x12\x60", 4);
	memcpy(legacy.b + 4, pb + 4, 64);
	memcpy(legacy.b + 68, kp.pk, 32);
	is_int(hy_privkey_decode(legacy.b, legacy.n, &kp2), HY_OK,
		   "legacy 96-byte privkey decodes");
	is_mem(kp2.pk, 32, kp.pk, 32, "legacy privkey gives same pk");
	legacy.b[99] ^= 1;
	is_int(hy_privkey_decode(legacy.b, legacy.n, &kp2), HY_ERR_INVALID,
		   "legacy privkey with differing copies rejected");

	pb[40] ^= 0x01;				/* a bit of the stored pk */
	is_int(hy_privkey_decode(pb, 68, &kp2), HY_ERR_CRYPTO,
		   "privkey whose pk does not match seed rejected");
	pb[40] ^= 0x01;
	pb[1] = 0x00;
	is_int(hy_privkey_decode(pb, 68, &kp2), HY_ERR_UNSUPPORTED,
		   "privkey of RSA type unsupported");
	pb[1] = 0x01;
	pb[3] = 0x3f;
	is_int(hy_privkey_decode(pb, 67, &kp2), HY_ERR_INVALID,
		   "privkey with 63-byte Data rejected");
	pb[3] = 0x40;
	is_int(hy_privkey_decode(pb, 69, &kp2), HY_ERR_INVALID,
		   "privkey with trailing byte rejected");
	is_int(hy_privkey_decode(pb, HY_PRIVKEY_PB_MAX + 1, &kp2),
		   HY_ERR_TOO_LONG, "oversized privkey rejected");
}

typedef struct sigcase
{
	const char *name;
	int			type;
	const char *key;			/* fixture with the key's Data */
	const char *sig;			/* fixture signature over msg.bin */
	const char *other_sig;		/* valid signature by another key */
	const char *other_key;		/* another key of the same type */
} sigcase;

static const sigcase sigcases[] = {
	{"ed25519 (openssl)", HY_KEY_ED25519, "ed25519.pub", "ed25519.sig",
	"ed25519-nacl.sig", "ed25519-nacl.pub"},
	{"ed25519 (pynacl)", HY_KEY_ED25519, "ed25519-nacl.pub", "ed25519-nacl.sig",
	"ed25519.sig", "ed25519.pub"},
	{"rsa-2048", HY_KEY_RSA, "rsa2048.spki.der", "rsa2048.sig",
	"rsa4096.sig", "rsa4096.spki.der"},
	{"rsa-4096", HY_KEY_RSA, "rsa4096.spki.der", "rsa4096.sig",
	"rsa2048.sig", "rsa2048.spki.der"},
	{"rsa-8192", HY_KEY_RSA, "rsa8192.spki.der", "rsa8192.sig",
	"rsa4096.sig", "rsa4096.spki.der"},
	{"ecdsa p-256", HY_KEY_ECDSA, "p256.spki.der", "p256.sig",
	"p384.sig", "p384.spki.der"},
	{"ecdsa p-384", HY_KEY_ECDSA, "p384.spki.der", "p384.sig",
	"p256.sig", "p256.spki.der"},
	{"secp256k1", HY_KEY_SECP256K1, "secp256k1.pub", "secp256k1.sig",
	"p256.sig", NULL},
};

/* One key type: accepts its valid signature, rejects every alteration */
static void
sig_case(const sigcase *c)
{
	blob		msg = fix("msg.bin");
	blob		pb = wrap_fix(c->type, c->key);
	blob		sig = fix(c->sig);
	blob		other = fix(c->other_sig);
	blob		bad;
	uint8_t		id[HY_PEER_ID_MAX];
	uint8_t		want[34];
	char		name[160];
	hy_key_type type = -1;
	int			n;

#define NAME(fmt) (snprintf(name, sizeof(name), "%s: " fmt, c->name), name)
	is_int(hy_pubkey_check(pb.b, pb.n, &type), HY_OK, NAME("key is valid"));
	is_int(type, c->type, NAME("key type"));
	is_int(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n), HY_OK,
		   NAME("valid signature accepted"));

	/* Flip one bit in the middle of the signature, then in its last byte */
	bad = sig;
	bad.b[bad.n / 2] ^= 0x10;
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, bad.b, bad.n) < 0,
	   NAME("signature with a flipped bit rejected"));
	bad = sig;
	bad.b[bad.n - 1] ^= 0x01;
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, bad.b, bad.n) < 0,
	   NAME("signature with flipped last bit rejected"));
	bad = msg;
	bad.b[0] ^= 0x01;
	ok(hy_identity_verify(pb.b, pb.n, bad.b, bad.n, sig.b, sig.n) < 0,
	   NAME("altered message rejected"));
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, other.b, other.n) < 0,
	   NAME("signature by a different key rejected"));
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n - 1) < 0,
	   NAME("truncated signature rejected"));
	bad = sig;
	bad.b[bad.n++] = 0x00;
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, bad.b, bad.n) < 0,
	   NAME("signature with trailing byte rejected"));
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, 0) < 0,
	   NAME("empty signature rejected"));
	if (c->other_key != NULL)
	{
		blob		opb = wrap_fix(c->type, c->other_key);

		ok(hy_identity_verify(opb.b, opb.n, msg.b, msg.n, sig.b, sig.n) < 0,
		   NAME("signature checked against another key rejected"));
	}

	/* Peer ID: identity multihash up to 42 bytes, else sha2-256 */
	n = hy_peer_id_from_pubkey(pb.b, pb.n, id, sizeof(id));
	if (pb.n <= 42)
	{
		is_int(n, 2 + pb.n, NAME("identity peer ID length"));
		ok(n > 0 && id[0] == 0 && id[1] == pb.n &&
		   memcmp(id + 2, pb.b, pb.n) == 0, NAME("identity peer ID bytes"));
	}
	else
	{
		const uint8_t *p;
		size_t		l;

		want[0] = 0x12;
		want[1] = 0x20;
		SHA256(pb.b, pb.n, want + 2);
		is_mem(id, n < 0 ? 0 : n, want, sizeof(want),
			   NAME("sha2-256 peer ID"));
		is_int(hy_pubkey_from_peer_id(id, n, &p, &l), HY_ERR_UNSUPPORTED,
			   NAME("no key inside a sha2-256 peer ID"));
	}
	is_int(hy_peer_id_from_pubkey(pb.b, pb.n, id, n - 1), HY_ERR_NOSPACE,
		   NAME("peer ID: short buffer"));
#undef NAME
}

static void
test_signatures(void)
{
	blob		pb, sig, msg = fix("msg.bin");
	uint8_t		big[HY_SIG_MAX + 1] = {0};

	for (size_t i = 0; i < sizeof(sigcases) / sizeof(sigcases[0]); i++)
		sig_case(&sigcases[i]);

	/* The spec's secp256k1 key did not make our fixture signature */
	pb = hex("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99");
	sig = fix("secp256k1.sig");
	is_int(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n),
		   HY_ERR_CRYPTO, "secp256k1: signature checked against another key rejected");

	/* Signatures of one type do not pass for another */
	pb = wrap_fix(HY_KEY_RSA, "rsa2048.spki.der");
	sig = fix("p256.sig");
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n) < 0,
	   "ecdsa signature against an rsa key rejected");
	is_int(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, big, sizeof(big)),
		   HY_ERR_TOO_LONG, "oversized signature rejected");
	is_int(hy_identity_verify(pb.b, pb.n, NULL, 5, big, 64), HY_ERR_INVALID,
		   "NULL message with a length rejected");

	/* An all-zero Ed25519 key has a valid shape but verifies nothing */
	{
		uint8_t		zero[32] = {0};
		uint8_t		zsig[64] = {0};

		pb = wrap(HY_KEY_ED25519, zero, 32);
		is_int(hy_pubkey_check(pb.b, pb.n, NULL), HY_OK,
			   "ed25519: any 32 bytes pass the shape check (as in go)");
		is_int(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, zsig, 64),
			   HY_ERR_CRYPTO, "ed25519: small-order key verifies nothing");
	}
}

/* Expect one malformed PublicKey to be refused by check, verify and peer ID */
static void
reject(const blob *pb, int want, const char *what)
{
	blob		msg = fix("msg.bin");
	uint8_t		sig[64] = {0};
	uint8_t		id[HY_PEER_ID_MAX];
	char		name[160];
	hy_key_type type;

	snprintf(name, sizeof(name), "rejected: %s", what);
	is_int(hy_pubkey_check(pb->b, pb->n, &type), want, name);
	snprintf(name, sizeof(name), "rejected by verify: %s", what);
	ok(hy_identity_verify(pb->b, pb->n, msg.b, msg.n, sig, 64) < 0, name);
	snprintf(name, sizeof(name), "no peer ID for: %s", what);
	ok(hy_peer_id_from_pubkey(pb->b, pb->n, id, sizeof(id)) < 0, name);
}

static void
test_malformed(void)
{
	blob		ed = fix("ed25519.pub");
	blob		k1 = fix("secp256k1.pub");
	blob		msg = fix("msg.bin");
	blob		pb, d, sig;

	/* Wrong Data lengths */
	pb = wrap(HY_KEY_ED25519, ed.b, 31);
	reject(&pb, HY_ERR_INVALID, "ed25519 with 31-byte Data");
	d = ed;
	d.b[d.n++] = 0;
	pb = wrap(HY_KEY_ED25519, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "ed25519 with 33-byte Data");
	pb = wrap(HY_KEY_ED25519, ed.b, 0);
	reject(&pb, HY_ERR_INVALID, "ed25519 with empty Data");
	pb = wrap(HY_KEY_SECP256K1, k1.b, 32);
	reject(&pb, HY_ERR_INVALID, "secp256k1 with 32-byte Data");

	/* Framing */
	pb = wrap(HY_KEY_ED25519, ed.b, ed.n);
	pb.b[pb.n++] = 0x00;
	reject(&pb, HY_ERR_INVALID, "trailing byte after PublicKey");
	pb = wrap(4, ed.b, ed.n);
	reject(&pb, HY_ERR_UNSUPPORTED, "unknown key type 4");
	pb = wrap(0x7f, ed.b, ed.n);
	reject(&pb, HY_ERR_UNSUPPORTED, "unknown key type 127");
	pb = hex("0881001220");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	reject(&pb, HY_ERR_INVALID, "non-minimal varint in Type");
	pb = hex("080112a000");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	reject(&pb, HY_ERR_INVALID, "non-minimal varint in Data length");
	pb = hex("1220");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	pb.b[pb.n++] = 0x08;
	pb.b[pb.n++] = 0x01;
	reject(&pb, HY_ERR_INVALID, "fields in reverse order");
	pb = hex("080108011220");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	reject(&pb, HY_ERR_INVALID, "Type repeated");
	pb = wrap(HY_KEY_ED25519, ed.b, ed.n);
	pb.b[pb.n++] = 0x18;
	pb.b[pb.n++] = 0x00;
	reject(&pb, HY_ERR_INVALID, "unknown field 3");
	pb = hex("1220");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	reject(&pb, HY_ERR_INVALID, "Type missing");
	pb = hex("0801");
	reject(&pb, HY_ERR_INVALID, "Data missing");
	pb = hex("0d01000000");
	reject(&pb, HY_ERR_INVALID, "Type with fixed32 wire type");
	pb = hex("08011221");
	memcpy(pb.b + pb.n, ed.b, 32);
	pb.n += 32;
	reject(&pb, HY_ERR_INVALID, "Data length beyond the end");
	pb.n = 0;
	reject(&pb, HY_ERR_INVALID, "empty input");
	is_int(hy_pubkey_check(NULL, 36, NULL), HY_ERR_INVALID, "NULL input");
	pb = wrap(HY_KEY_RSA, ed.b, 32);
	pb.n = HY_PUBKEY_PB_MAX + 1;
	reject(&pb, HY_ERR_TOO_LONG, "input above HY_PUBKEY_PB_MAX");

	/* RSA size limits, with keys whose signatures are otherwise valid */
	pb = wrap_fix(HY_KEY_RSA, "rsa1024.spki.der");
	reject(&pb, HY_ERR_UNSUPPORTED, "rsa-1024 (below 2048 bits)");
	sig = fix("rsa1024.sig");
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n) < 0,
	   "rsa-1024: valid signature still rejected");
	pb = wrap_fix(HY_KEY_RSA, "rsa8200.spki.der");
	reject(&pb, HY_ERR_TOO_LONG, "rsa-8200 (above 8192 bits)");
	sig = fix("rsa8200.sig");
	ok(hy_identity_verify(pb.b, pb.n, msg.b, msg.n, sig.b, sig.n) < 0,
	   "rsa-8200: valid signature still rejected");

	/* SPKI strictness */
	d = fix("rsa2048.spki.der");
	d.b[d.n++] = 0x00;
	pb = wrap(HY_KEY_RSA, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "rsa SPKI with trailing byte");
	d = fix("rsa2048.spki.der");
	pb = wrap(HY_KEY_RSA, d.b, d.n - 1);
	reject(&pb, HY_ERR_INVALID, "truncated rsa SPKI");
	pb = wrap_fix(HY_KEY_ECDSA, "rsa2048.spki.der");
	reject(&pb, HY_ERR_INVALID, "rsa SPKI labelled ECDSA");
	pb = wrap_fix(HY_KEY_RSA, "p256.spki.der");
	reject(&pb, HY_ERR_INVALID, "p-256 SPKI labelled RSA");
	pb = wrap_fix(HY_KEY_ECDSA, "p256-compressed.spki.der");
	reject(&pb, HY_ERR_INVALID, "p-256 SPKI with compressed point");
	pb = wrap_fix(HY_KEY_ECDSA, "p256-explicit.spki.der");
	reject(&pb, HY_ERR_INVALID, "p-256 SPKI with explicit curve parameters");
	d = fix("p256.spki.der");
	d.b[d.n - 1] ^= 0x01;		/* last byte of y: point leaves the curve */
	pb = wrap(HY_KEY_ECDSA, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "p-256 point not on the curve");

	/* secp256k1 points */
	pb = wrap_fix(HY_KEY_SECP256K1, "secp256k1-uncompressed.pub");
	reject(&pb, HY_ERR_INVALID, "secp256k1 uncompressed (65 bytes)");
	d = k1;
	d.b[0] = 0x04;
	pb = wrap(HY_KEY_SECP256K1, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "secp256k1 with prefix 04 in 33 bytes");
	d = k1;
	d.b[0] = 0x00;
	pb = wrap(HY_KEY_SECP256K1, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "secp256k1 with prefix 00");
	/* x = 5: x^3 + 7 is not a square mod p, so no such point */
	d = hex("020000000000000000000000000000000000000000000000000000000000000005");
	pb = wrap(HY_KEY_SECP256K1, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "secp256k1 x with no point");
	/* x = p + 1 would alias the valid x = 1 if reduced mod p */
	d = hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30");
	pb = wrap(HY_KEY_SECP256K1, d.b, d.n);
	reject(&pb, HY_ERR_INVALID, "secp256k1 x >= p");
	d = hex("020000000000000000000000000000000000000000000000000000000000000001");
	pb = wrap(HY_KEY_SECP256K1, d.b, d.n);
	is_int(hy_pubkey_check(pb.b, pb.n, NULL), HY_OK,
		   "secp256k1 x = 1 is a valid point (control)");
}

/* Append a DER tag and minimal length (test-only writer) */
static size_t
der_hdr(uint8_t *o, uint8_t tag, size_t len)
{
	o[0] = tag;
	if (len < 0x80)
	{
		o[1] = (uint8_t) len;
		return 2;
	}
	if (len < 0x100)
	{
		o[1] = 0x81;
		o[2] = (uint8_t) len;
		return 3;
	}
	o[1] = 0x82;
	o[2] = (uint8_t) (len >> 8);
	o[3] = (uint8_t) len;
	return 4;
}

/* Build an RSA SPKI around raw INTEGER contents for n and e */
static blob
rsa_spki(const uint8_t *n, size_t nl, const uint8_t *e, size_t el)
{
	static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	uint8_t		ints[FIX_MAX], key[FIX_MAX], body[FIX_MAX];
	size_t		il = 0, kl = 0, bl = 0;
	blob		r;

	il += der_hdr(ints + il, 0x02, nl);
	memcpy(ints + il, n, nl);
	il += nl;
	il += der_hdr(ints + il, 0x02, el);
	memcpy(ints + il, e, el);
	il += el;
	kl += der_hdr(key + kl, 0x30, il);
	memcpy(key + kl, ints, il);
	kl += il;
	memcpy(body, alg, sizeof(alg));
	bl = sizeof(alg);
	bl += der_hdr(body + bl, 0x03, kl + 1);
	body[bl++] = 0x00;
	memcpy(body + bl, key, kl);
	bl += kl;
	r.n = der_hdr(r.b, 0x30, bl);
	memcpy(r.b + r.n, body, bl);
	r.n += bl;
	return r;
}

/* RSA SPKI variants built from the fixture's modulus */
static void
test_rsa_der(void)
{
	blob		fx = fix("rsa2048.spki.der");
	blob		spki, pb, n;
	static const uint8_t e65537[] = {0x01, 0x00, 0x01};

	/* The fixture's INTEGER n starts at offset 28: 02 82 01 01 00 ... */
	ok(fx.n == 294 && memcmp(fx.b + 28, "\x02\x82\x01\x01\x00", 5) == 0,
	   "rsa-2048 fixture has the expected layout");
	memcpy(n.b, fx.b + 32, 257);
	n.n = 257;
	spki = rsa_spki(n.b, n.n, e65537, 3);
	is_mem(spki.b, spki.n, fx.b, fx.n, "test DER writer reproduces the fixture");

	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	is_int(hy_pubkey_check(pb.b, pb.n, NULL), HY_OK, "rsa rebuilt: valid");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x03", 1);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	is_int(hy_pubkey_check(pb.b, pb.n, NULL), HY_OK, "rsa e = 3 accepted");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x7f\xff\xff\xff", 4);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	is_int(hy_pubkey_check(pb.b, pb.n, NULL), HY_OK, "rsa e = 2^31-1 accepted");

	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x00\x01\x00\x01", 4);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa e with a superfluous leading zero");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x01", 1);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa e = 1");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x01\x00\x00", 3);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa even e");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x00\x80\x00\x00\x01", 5);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa e = 2^31 + 1 (above 2^31 - 1)");
	spki = rsa_spki(n.b, n.n, (const uint8_t *) "\x00", 1);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa e = 0");
	spki = rsa_spki(n.b, n.n, e65537, 0);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa empty INTEGER");
	spki = rsa_spki(n.b + 1, n.n - 1, e65537, 3);
	pb = wrap(HY_KEY_RSA, spki.b, spki.n);
	reject(&pb, HY_ERR_INVALID, "rsa negative modulus (leading zero dropped)");
	{
		blob		m = n;

		memmove(m.b + 1, m.b, m.n++);
		spki = rsa_spki(m.b, m.n, e65537, 3);
		pb = wrap(HY_KEY_RSA, spki.b, spki.n);
		reject(&pb, HY_ERR_INVALID, "rsa modulus with two leading zeros");
		m = n;
		m.b[m.n - 1] ^= 0x01;
		spki = rsa_spki(m.b, m.n, e65537, 3);
		pb = wrap(HY_KEY_RSA, spki.b, spki.n);
		reject(&pb, HY_ERR_INVALID, "rsa even modulus");
	}

	/* Lengths: long form where the short one fits */
	{
		blob		d = fix("p256.spki.der");

		ok(d.b[0] == 0x30 && d.b[1] == 0x59, "p-256 fixture starts 30 59");
		memmove(d.b + 3, d.b + 2, d.n - 2);
		d.b[1] = 0x81;
		d.b[2] = 0x59;
		d.n++;
		pb = wrap(HY_KEY_ECDSA, d.b, d.n);
		reject(&pb, HY_ERR_INVALID, "SPKI length 0x59 in long form");
		d = fix("p256.spki.der");
		d.b[1] = 0x80;
		pb = wrap(HY_KEY_ECDSA, d.b, d.n);
		reject(&pb, HY_ERR_INVALID, "SPKI with indefinite length");
		d = fix("p256.spki.der");
		d.b[d.n - 66] = 0x01;	/* BIT STRING unused-bits byte */
		pb = wrap(HY_KEY_ECDSA, d.b, d.n);
		reject(&pb, HY_ERR_INVALID, "SPKI BIT STRING with unused bits");
		d = fix("p256.spki.der");
		d.b[d.n - 65] = 0x02;	/* point prefix */
		pb = wrap(HY_KEY_ECDSA, d.b, d.n);
		reject(&pb, HY_ERR_INVALID, "p-256 point prefix 02 on 65 bytes");
		d = fix("p256.spki.der");
		d.b[22] ^= 0x01;		/* last byte of the curve OID */
		pb = wrap(HY_KEY_ECDSA, d.b, d.n);
		reject(&pb, HY_ERR_UNSUPPORTED, "unknown curve OID");
	}
}

static void
test_peer_id_parsing(void)
{
	blob		id;
	const uint8_t *p = NULL;
	size_t		l = 0;

	id = hex("0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
	id.n--;
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "identity peer ID shorter than its length");
	id = hex("0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e00");
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "identity peer ID with trailing byte");
	id = hex("0023080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce2");
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "identity peer ID holding a malformed key");
	id.n = 2 + 43;
	memset(id.b, 0, id.n);
	id.b[1] = 43;
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "identity peer ID longer than 42 bytes of key");
	id = hex("1220");
	memset(id.b + 2, 0xab, 31);
	id.n = 33;
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "sha2-256 peer ID with 31-byte digest");
	id.n = 34;
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_UNSUPPORTED,
		   "sha2-256 peer ID carries no key");
	id = hex("1320");
	is_int(hy_pubkey_from_peer_id(id.b, id.n, &p, &l), HY_ERR_INVALID,
		   "unknown multihash code");
	is_int(hy_pubkey_from_peer_id(id.b, 0, &p, &l), HY_ERR_INVALID,
		   "empty peer ID");
}

int
main(int argc, char **argv)
{
	(void) argc;
	find_fixtures(argv[0]);
	test_spec_vectors();
	test_keypair();
	test_signatures();
	test_malformed();
	test_rsa_der();
	test_peer_id_parsing();
	return tap_done();
}
