/*
 * test_cid.c — CIDv0/v1 text and binary forms, the shared DHT key, and
 * malformed input.
 */
#include <sodium.h>

#include "tap.h"
#include "core/err.h"
#include "core/base16.h"
#include "core/cid.h"

#define V1 "bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y"
#define V0 "QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm"
#define MH_HEX "1220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe"
#define KAD_HEX "d623250f3f660ab4c3a53d3c97b3f6a0194c548053488d093520206248253bcb"

/* Decode a hex constant */
static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	int			n = hy_base16_decode(hex, strlen(hex), false, out, cap);

	return n < 0 ? 0 : (size_t) n;
}

/* Check that parsing text fails with the expected error */
static void
bad(const char *text, size_t len, int want, const char *name)
{
	hy_cid		c;

	is_int(hy_cid_parse(text, len, &c), want, name);
}

int
main(void)
{
	hy_cid		a;
	hy_cid		b;
	uint8_t		mh[64];
	uint8_t		kad[32];
	uint8_t		want_kad[32];
	uint8_t		bin[HY_CID_BIN_MAX];
	char		txt[HY_CID_TEXT_MAX];
	size_t		mhlen = unhex(MH_HEX, mh, sizeof(mh));
	int			n;

	if (sodium_init() < 0)
		return 1;

	/* v1 text */
	is_int(hy_cid_parse(V1, strlen(V1), &a), HY_OK, "parse CIDv1");
	is_int(a.version, 1, "version 1");
	is_int(a.codec, HY_CODEC_DAG_PB, "codec dag-pb");
	is_mem(a.mh, a.mh_len, mh, mhlen, "v1 multihash");

	/* the DHT key: sha256 of the multihash, from the reference vector */
	crypto_hash_sha256(kad, a.mh, a.mh_len);
	unhex(KAD_HEX, want_kad, sizeof(want_kad));
	is_mem(kad, 32, want_kad, 32, "Kademlia id of the CID");

	/* v0 text gives the same multihash */
	is_int(hy_cid_parse(V0, strlen(V0), &b), HY_OK, "parse CIDv0");
	is_int(b.version, 0, "version 0");
	is_int(b.codec, HY_CODEC_DAG_PB, "v0 implies dag-pb");
	is_mem(b.mh, b.mh_len, a.mh, a.mh_len, "v0 and v1 share the multihash");

	/* formatting */
	is_int(hy_cid_format(&a, 0, txt, sizeof(txt)), (int) strlen(V1), "format v1 default");
	is_str(txt, V1, "v1 default is base32");
	is_int(hy_cid_format(&b, 0, txt, sizeof(txt)), 46, "format v0 default");
	is_str(txt, V0, "v0 default is bare base58");
	is_int(hy_cid_format(&b, 'b', txt, sizeof(txt)), (int) strlen(V1), "format v0 with a prefix");
	is_str(txt, V1, "v0 with a prefix becomes its v1 form");
	n = hy_cid_format(&a, 'k', txt, sizeof(txt));
	ok(n > 0 && txt[0] == 'k', "format base36");
	is_int(hy_cid_parse(txt, (size_t) n, &b), HY_OK, "parse base36 back");
	is_mem(b.mh, b.mh_len, a.mh, a.mh_len, "base36 round trip");
	n = hy_cid_format(&a, 'z', txt, sizeof(txt));
	ok(n > 0 && txt[0] == 'z', "format base58 multibase");
	is_int(hy_cid_parse(txt, (size_t) n, &b), HY_OK, "parse zb2... back");
	is_int(b.version, 1, "zb2 form is v1");
	n = hy_cid_format(&a, 'f', txt, sizeof(txt));
	is_str(txt, "f01701220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe",
		   "format base16");
	is_int(hy_cid_format(&a, 'b', txt, strlen(V1)), HY_ERR_NOSPACE, "format without room for NUL");
	is_int(hy_cid_format(&a, 'q', txt, sizeof(txt)), HY_ERR_UNSUPPORTED, "format unknown prefix");

	/* binary */
	n = hy_cid_encode(&a, bin, sizeof(bin));
	is_int(n, 36, "v1 binary length");
	is_int(hy_cid_decode(bin, (size_t) n, &b), HY_OK, "decode v1 binary");
	is_int(b.version, 1, "binary v1 version");
	is_mem(b.mh, b.mh_len, a.mh, a.mh_len, "binary v1 multihash");
	is_int(hy_cid_decode(bin, (size_t) n - 1, &b), HY_ERR_TRUNCATED, "binary v1 truncated");
	bin[n] = 0;
	is_int(hy_cid_decode(bin, (size_t) n + 1, &b), HY_ERR_INVALID, "binary v1 trailing byte");
	is_int(hy_cid_decode(mh, mhlen, &b), HY_OK, "decode v0 binary (bare multihash)");
	is_int(b.version, 0, "binary v0 version");
	is_int(hy_cid_encode(&b, bin, sizeof(bin)), 34, "encode v0 binary");
	is_mem(bin, 34, mh, mhlen, "v0 binary is the multihash");
	is_int(hy_cid_decode(mh, mhlen - 1, &b), HY_ERR_TRUNCATED, "binary v0 truncated");
	is_int(hy_cid_decode(bin, 0, &b), HY_ERR_TRUNCATED, "empty binary");
	is_int(hy_cid_decode((const uint8_t *) "\x02\x70\x00\x00", 4, &b), HY_ERR_UNSUPPORTED, "version 2");
	is_int(hy_cid_decode((const uint8_t *) "\x00\x70\x00\x00", 4, &b), HY_ERR_INVALID, "version 0 prefix");
	is_int(hy_cid_decode((const uint8_t *) "\x01\x55\x00\x00", 4, &b), HY_OK, "raw identity empty digest");
	is_int(hy_cid_decode((const uint8_t *) "\x01\x80\x00\x00\x00", 5, &b), HY_ERR_INVALID, "non-minimal codec");
	is_int(hy_cid_decode((const uint8_t *) "\x12\x01\x00", 3, &b), HY_ERR_INVALID,
		   "0x12 start that is not a 34-byte sha2-256 multihash");
	is_int(hy_cid_decode((const uint8_t *) "\x12\x14\x00", 3, &b), HY_ERR_TRUNCATED,
		   "truncated bare multihash");

	/* hy_cid_set */
	is_int(hy_cid_set(&b, 0, HY_CODEC_RAW, mh, mhlen), HY_ERR_INVALID, "v0 must be dag-pb");
	is_int(hy_cid_set(&b, 0, HY_CODEC_DAG_PB, (const uint8_t *) "\x00\x01\x00", 3), HY_ERR_INVALID,
		   "v0 must be sha2-256");
	is_int(hy_cid_set(&b, 3, HY_CODEC_RAW, mh, mhlen), HY_ERR_UNSUPPORTED, "version 3");
	is_int(hy_cid_set(&b, 1, HY_CODEC_LIBP2P_KEY, mh, mhlen), HY_OK, "v1 libp2p-key");

	/* malformed text */
	bad(V1, 0, HY_ERR_INVALID, "empty text");
	bad(" " V1, strlen(V1) + 1, HY_ERR_UNSUPPORTED, "leading space");
	bad(V1 " ", strlen(V1) + 1, HY_ERR_INVALID, "trailing space");
	bad(V1 "\n", strlen(V1) + 1, HY_ERR_INVALID, "trailing newline");
	bad(V0 " ", 47, HY_ERR_UNSUPPORTED, "v0 with a trailing space is not v0");
	bad(V0, 45, HY_ERR_UNSUPPORTED, "v0 one char short");
	bad("QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQ0", 46, HY_ERR_INVALID, "v0 with a bad char");
	bad("Qmzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 46, HY_ERR_INVALID, "v0 text, digest length 0x22");
	bad("Qm11111111111111111111111111111111111111111111", 46, HY_ERR_INVALID, "v0 text, digest length 0x1e");
	bad(V1, strlen(V1) - 1, HY_ERR_INVALID, "v1 text one char short");
	bad("bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc", 57, HY_ERR_TRUNCATED,
		"v1 text missing digest bytes");
	bad("BAFYBEIHFG3D7RDLTD43U3TFVNCX7N5LOQOFBSOBOJCADTMOKRLJFTHUC7Y", strlen(V1), HY_OK,
		"upper-case base32 'B' accepted");
	bad("bAFYBEIHFG3D7RDLTD43U3TFVNCX7N5LOQOFBSOBOJCADTMOKRLJFTHUC7Y", strlen(V1), HY_ERR_INVALID,
		"upper-case payload under 'b'");
	bad("z" V0, 47, HY_ERR_UNSUPPORTED, "multibase CIDv0 reads as version 0x12");
	bad("f02701220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe", 73,
		HY_ERR_UNSUPPORTED, "version 2 text");
	bad("f01701220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe00", 75,
		HY_ERR_INVALID, "trailing byte in text");
	bad("x" V1, strlen(V1) + 1, HY_ERR_UNSUPPORTED, "unknown multibase");
	{
		char		big[HY_CID_TEXT_MAX + 8];

		memset(big, 'a', sizeof(big));
		big[0] = 'b';
		bad(big, HY_CID_TEXT_MAX, HY_ERR_TOO_LONG, "over-long text");
		bad(big, 250, HY_ERR_TOO_LONG, "payload longer than any CID");
	}
	return tap_done();
}
