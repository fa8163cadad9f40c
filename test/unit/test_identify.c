/*
 * test_identify.c — Identify encoding and decoding, with oversized,
 * malformed and mismatched input.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/varint.h"
#include "net/identify.h"
#include "tap.h"

/* Round trip and checks */
static void
test_identify(void)
{
	hy_keypair	kp,
				other;
	uint8_t		seed[32] = {1},
				seed2[32] = {2};
	static const char *const protos[] = {"/ipfs/kad/1.0.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};
	static const uint8_t ma1[] = {0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1};	/* /ip4/127.0.0.1/tcp/4001 */
	static const uint8_t obs[] = {0x04, 192, 0, 2, 42, 0x06, 0x01, 0xbb};
	const uint8_t *addrs[] = {ma1};
	size_t		lens[] = {sizeof(ma1)};
	hy_id_local l;
	hy_id_info	info;
	uint8_t		buf[8192];
	uint64_t	mlen;
	int			n,
				hl,
				rc;

	hy_keypair_from_seed(&kp, seed);
	hy_keypair_from_seed(&other, seed2);
	memset(&l, 0, sizeof(l));
	l.pubkey_pb = kp.pubkey_pb;
	l.pubkey_len = sizeof(kp.pubkey_pb);
	l.agent = "hydra/0.1.0";
	l.protocols = protos;
	l.nprotocols = 3;
	l.addrs = addrs;
	l.addr_lens = lens;
	l.naddrs = 1;
	n = hy_identify_encode(&l, obs, sizeof(obs), buf, sizeof(buf));
	ok(n > 0 && n <= HY_ID_MSG_MAX + 2, "encode within 4096 bytes");
	hl = hy_uvarint_get(buf, (size_t) n, &mlen);
	ok(hl > 0 && (size_t) hl + mlen == (size_t) n, "length prefix covers the message");

	memset(&info, 0, sizeof(info));
	rc = hy_identify_decode(buf + hl, mlen, kp.peer_id, kp.peer_id_len, 0, &info);
	is_int(rc, HY_OK, "decode own message, key matches peer id");
	is_str(info.agent, "hydra/0.1.0", "agent");
	is_str(info.protocols, "/ipfs/kad/1.0.0,/ipfs/id/1.0.0,/ipfs/ping/1.0.0", "protocols");
	ok(hy_id_info_has_protocol(&info, "/ipfs/kad/1.0.0"), "has kad");
	ok(!hy_id_info_has_protocol(&info, "/ipfs/kad/1.0"), "prefix is not a match");
	is_int(info.naddrs, 1, "one listen address");
	is_mem(info.addrs + 1, info.addrs_len - 1, ma1, sizeof(ma1), "listen address kept");
	is_mem(info.observed, info.observed_len, obs, sizeof(obs), "observed address");
	hy_id_info_clear(&info);

	/* wrong peer */
	rc = hy_identify_decode(buf + hl, mlen, other.peer_id, other.peer_id_len, 0, &info);
	is_int(rc, HY_ERR_CRYPTO, "publicKey of another peer rejected");
	hy_id_info_clear(&info);

	/* no publicKey */
	l.pubkey_pb = NULL;
	is_int(hy_identify_encode(&l, NULL, 0, buf, sizeof(buf)), HY_ERR_INVALID,
		   "we never send without publicKey");
	{
		/* agentVersion only: field 6, "x" */
		static const uint8_t nokey[] = {0x32, 0x01, 'x'};

		rc = hy_identify_decode(nokey, sizeof(nokey), kp.peer_id, kp.peer_id_len, 0, &info);
		is_int(rc, HY_ERR_INVALID, "answer without publicKey rejected");
		hy_id_info_clear(&info);
		rc = hy_identify_decode(nokey, sizeof(nokey), kp.peer_id, kp.peer_id_len, 1, &info);
		is_int(rc, HY_OK, "push without publicKey accepted");
		is_str(info.agent, "x", "push updates agent");
		hy_id_info_clear(&info);
	}
	l.pubkey_pb = kp.pubkey_pb;

	/* oversized */
	{
		static char names[80][96];
		const char *many[64];

		for (int i = 0; i < 64; i++)
		{
			snprintf(names[i], sizeof(names[i]), "/very/long/protocol/name/number/%040d", i);
			many[i] = names[i];
		}
		l.protocols = many;
		l.nprotocols = 64;
		is_int(hy_identify_encode(&l, NULL, 0, buf, sizeof(buf)), HY_ERR_TOO_LONG,
			   "message over 4096 bytes refused");
		l.protocols = protos;
		l.nprotocols = 3;
	}
	{
		static uint8_t big[HY_ID_IN_MAX + 1];

		is_int(hy_identify_decode(big, sizeof(big), NULL, 0, 0, &info), HY_ERR_TOO_LONG,
			   "remote message over the read limit refused");
	}

	/* malformed */
	{
		static const uint8_t bad1[] = {0x0a, 0x05, 0x01};	/* truncated bytes field */
		static const uint8_t bad2[] = {0x1a, 0x02, 0xff, 0xfe};	/* invalid UTF-8 string */
		static const uint8_t bad3[] = {0x0f};	/* wire type 7 */
		static const uint8_t bad4[] = {0x0a, 0x03, 0x08, 0x01, 0x12};	/* bad key */

		is_int(hy_identify_decode(bad1, sizeof(bad1), NULL, 0, 0, &info), HY_ERR_INVALID,
			   "truncated field");
		hy_id_info_clear(&info);
		rc = hy_identify_decode(bad2, sizeof(bad2), NULL, 0, 0, &info);
		ok(rc == HY_ERR_INVALID || (rc == HY_OK && info.nprotocols <= 1), "bad string does not crash");
		hy_id_info_clear(&info);
		is_int(hy_identify_decode(bad3, sizeof(bad3), NULL, 0, 0, &info), HY_ERR_INVALID,
			   "bad wire type");
		hy_id_info_clear(&info);
		is_int(hy_identify_decode(bad4, sizeof(bad4), kp.peer_id, kp.peer_id_len, 0, &info),
			   HY_ERR_INVALID, "garbage publicKey");
		hy_id_info_clear(&info);
	}
	/* protocol names with commas or control bytes are dropped */
	{
		static const char *const weird[] = {"/a,b", "/ok", "/x\ny"};

		l.protocols = weird;
		l.nprotocols = 3;
		n = hy_identify_encode(&l, NULL, 0, buf, sizeof(buf));
		hl = hy_uvarint_get(buf, (size_t) n, &mlen);
		rc = hy_identify_decode(buf + hl, mlen, NULL, 0, 0, &info);
		ok(rc == HY_OK && strcmp(info.protocols, "/ok") == 0 && info.nprotocols == 1,
		   "unsafe protocol names skipped");
		hy_id_info_clear(&info);
	}
}

/* Entry point */
int
main(void)
{
	test_identify();
	return tap_done();
}
