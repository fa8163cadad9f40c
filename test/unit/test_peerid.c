/*
 * test_peerid.c — peer IDs from the peer-ids spec vectors, every text form,
 * and the shapes that must be rejected.
 */
#include <sodium.h>

#include "tap.h"
#include "core/err.h"
#include "core/base16.h"
#include "core/peerid.h"

#define ED_PUB "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
#define ED_B58 "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
#define ED_B32 "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6"
#define ED_B36 "k51qzi5uqu5dgy8qsq67hbz73jqkw87l3fgf4a91qb0d9b5173tir7n4vxk1oe"
#define SECP_PUB "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99"
#define SECP_B58 "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY"
#define SHA_HEX "1220bce0aff19cf5aa6a7469a30d61d04e4376e4bbf6381052ee9e7f33925c954d52"
#define SHA_B58 "Qmb3x564ZXBuDvFEjeLgdUMc3WyqEhmf9kQoTpnFdQWYRF"
#define SHA_B32 "bafzbeif44cx7dhhvvjvhi2ndbvq5atsdo3slx5rycbjo5ht7gojfzfknki"
#define SHA_B36 "k2k4r8o4hjl73pzlrhdfpbxzbbg4mi5ruc648nvytn8cpemps8qua82a"
#define KAD_PEER "12D3KooWLU2znyJMtDiHArqAGbZn8CgUGp92kxDBtefftEEaHSZS"
#define KAD_HEX "e43d28f0996557c0d5571d75c62a57a59d7ac1d30a51ecedcdb9d5e4afa56100"

/* Decode a hex constant */
static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	int			n = hy_base16_decode(hex, strlen(hex), false, out, cap);

	return n < 0 ? 0 : (size_t) n;
}

/* Build the identity-multihash peer ID of a serialized public key */
static size_t
identity_id(const char *pubhex, uint8_t *id)
{
	size_t		n = unhex(pubhex, id + 2, HY_PEER_ID_MAX - 2);

	id[0] = 0x00;
	id[1] = (uint8_t) n;
	return n + 2;
}

/* Parse text and compare with the expected bytes */
static void
parses_to(const char *text, const uint8_t *want, size_t wlen, const char *name)
{
	uint8_t		id[HY_PEER_ID_MAX];
	int			n = hy_peerid_parse(text, strlen(text), id, sizeof(id));

	is_mem(id, n < 0 ? 0 : n, want, wlen, name);
}

/* Check that parsing text fails with the expected error */
static void
bad(const char *text, int want, const char *name)
{
	uint8_t		id[HY_PEER_ID_MAX];

	is_int(hy_peerid_parse(text, strlen(text), id, sizeof(id)), want, name);
}

int
main(void)
{
	uint8_t		ed[HY_PEER_ID_MAX];
	uint8_t		secp[HY_PEER_ID_MAX];
	uint8_t		sha[HY_PEER_ID_MAX];
	uint8_t		buf[128];
	char		txt[HY_PEER_ID_TEXT_MAX];
	size_t		edlen = identity_id(ED_PUB, ed);
	size_t		secplen = identity_id(SECP_PUB, secp);
	size_t		shalen = unhex(SHA_HEX, sha, sizeof(sha));
	int			n;

	if (sodium_init() < 0)
		return 1;

	/* Ed25519: identity multihash of a 36-byte key */
	is_int(edlen, 38, "ed25519 peer id is 38 bytes");
	is_int(hy_peerid_check(ed, edlen), HY_OK, "ed25519 id valid");
	is_int(hy_peerid_format(ed, edlen, txt, sizeof(txt)), (int) strlen(ED_B58), "format ed25519");
	is_str(txt, ED_B58, "ed25519 base58");
	hy_peerid_format_cid(ed, edlen, 'b', txt, sizeof(txt));
	is_str(txt, ED_B32, "ed25519 base32 CID");
	hy_peerid_format_cid(ed, edlen, 'k', txt, sizeof(txt));
	is_str(txt, ED_B36, "ed25519 base36 CID");
	parses_to(ED_B58, ed, edlen, "parse ed25519 base58");
	parses_to(ED_B32, ed, edlen, "parse ed25519 base32 CID");
	parses_to(ED_B36, ed, edlen, "parse ed25519 base36 CID");

	/* secp256k1 */
	is_int(hy_peerid_format(secp, secplen, txt, sizeof(txt)), (int) strlen(SECP_B58), "format secp256k1");
	is_str(txt, SECP_B58, "secp256k1 base58");
	parses_to(SECP_B58, secp, secplen, "parse secp256k1");

	/* sha2-256 (RSA/ECDSA shape) */
	hy_peerid_format(sha, shalen, txt, sizeof(txt));
	is_str(txt, SHA_B58, "sha2-256 base58");
	hy_peerid_format_cid(sha, shalen, 'b', txt, sizeof(txt));
	is_str(txt, SHA_B32, "sha2-256 base32 CID");
	hy_peerid_format_cid(sha, shalen, 'k', txt, sizeof(txt));
	is_str(txt, SHA_B36, "sha2-256 base36 CID");
	parses_to(SHA_B58, sha, shalen, "parse Qm peer id");
	parses_to(SHA_B32, sha, shalen, "parse bafzb peer id");
	parses_to(SHA_B36, sha, shalen, "parse k2k4 peer id");

	/* the Kademlia id vector */
	n = hy_peerid_parse(KAD_PEER, strlen(KAD_PEER), buf, sizeof(buf));
	ok(n > 0, "parse the Kademlia vector peer");
	{
		uint8_t		kad[32];
		uint8_t		want[32];

		crypto_hash_sha256(kad, buf, (size_t) (n > 0 ? n : 0));
		unhex(KAD_HEX, want, sizeof(want));
		is_mem(kad, 32, want, 32, "Kademlia id of the peer");
	}

	/* CIDs of other codecs, and other multihashes */
	bad("bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y", HY_ERR_INVALID,
		"dag-pb CID is not a peer id");
	bad("QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm" "1", HY_ERR_INVALID,
		"sha2-256 multihash with a trailing byte");
	{
		/* f 01 72 13 04 ...: a libp2p-key CID over sha2-512 */
		bad("f017213040102030a", HY_ERR_UNSUPPORTED, "sha2-512 multihash rejected");
		bad("f0172121001020304050607080910111213141516", HY_ERR_INVALID, "truncated sha2-256 digest");
		bad("f01720000", HY_ERR_INVALID, "empty identity digest");
		bad("f0172", HY_ERR_TRUNCATED, "CID without multihash");
	}
	/* identity limit: 42 inline bytes pass, 43 do not */
	{
		uint8_t		id[64] = {0};

		id[1] = 42;
		memset(id + 2, 7, 42);
		is_int(hy_peerid_check(id, 44), HY_OK, "identity of 42 bytes");
		is_int(hy_peerid_format(id, 44, txt, sizeof(txt)) > 0, 1, "format the longest id");
		parses_to(txt, id, 44, "parse the longest id");
		is_int(hy_peerid_format_cid(id, 44, 'f', txt, sizeof(txt)) > 0, 1, "longest id as base16 CID");
		parses_to(txt, id, 44, "parse the longest base16 CID");
		id[1] = 43;
		memset(id + 2, 7, 43);
		is_int(hy_peerid_check(id, 45), HY_ERR_TOO_LONG, "identity of 43 bytes");
		is_int(hy_peerid_format(id, 45, txt, sizeof(txt)), HY_ERR_TOO_LONG, "format refuses it");
	}
	is_int(hy_peerid_check(sha, shalen - 1), HY_ERR_TRUNCATED, "short sha2-256 id");
	is_int(hy_peerid_check(sha, 0), HY_ERR_TRUNCATED, "empty id");
	is_int(hy_peerid_check((const uint8_t *) "\x12\x10" "0123456789abcdef", 18), HY_ERR_INVALID,
		   "sha2-256 with 16-byte digest");
	is_int(hy_peerid_check((const uint8_t *) "\x11\x14" "0123456789abcdef0123", 22), HY_ERR_UNSUPPORTED,
		   "sha1 multihash");

	/* malformed text */
	bad("", HY_ERR_INVALID, "empty");
	bad(" " ED_B58, HY_ERR_UNSUPPORTED, "leading space");
	bad(ED_B58 " ", HY_ERR_INVALID, "trailing space");
	ok(hy_peerid_parse(ED_B58, strlen(ED_B58) - 1, buf, sizeof(buf)) < 0, "one char short");
	bad("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3p0", HY_ERR_INVALID, "bad base58 char");
	bad("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pqq", HY_ERR_INVALID, "one char long");
	parses_to("B" "AFZAAJAIAEJCAHWR5D5OFRFBIS4L5D6UWR57HU5TJODRYPFM6YAQ6DSC2R2PZYT6", ed, edlen,
			  "upper-case base32 CID accepted");
	{
		char		big[HY_PEER_ID_TEXT_MAX + 1];

		memset(big, 'z', sizeof(big) - 1);
		big[0] = '1';
		big[sizeof(big) - 1] = '\0';
		bad(big, HY_ERR_TOO_LONG, "over-long text");
		big[90] = '\0';
		bad(big, HY_ERR_TOO_LONG, "base58 payload longer than any peer id");
	}

	/* output space */
	is_int(hy_peerid_format(ed, edlen, txt, strlen(ED_B58)), HY_ERR_NOSPACE, "format without room");
	is_int(hy_peerid_parse(ED_B58, strlen(ED_B58), buf, edlen - 1), HY_ERR_NOSPACE, "parse into small buffer");
	is_int(hy_peerid_format_cid(ed, edlen, 0, txt, sizeof(txt)), HY_ERR_INVALID, "CID form needs a prefix");
	return tap_done();
}
