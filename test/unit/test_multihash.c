/*
 * test_multihash.c — multihash framing: fixtures from the multihash test
 * suite, prefix reads, limits and malformed input.
 */
#include "tap.h"
#include "core/err.h"
#include "core/base16.h"
#include "core/multihash.h"

/* Decode a hex fixture */
static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	int			n = hy_base16_decode(hex, strlen(hex), false, out, cap);

	return n < 0 ? 0 : (size_t) n;
}

int
main(void)
{
	static const struct
	{
		const char *hex;
		uint64_t	code;
		size_t		dlen;
	}			fixtures[] = {
		{"110ada39a3ee5e6b4b0d3255", 0x11, 10},
		{"1114da39a3ee5e6b4b0d3255bfef95601890afd80709", 0x11, 20},
		{"120ae3b0c44298fc1c149afb", 0x12, 10},
		{"1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0x12, 32},
		{"1340cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", 0x13, 64},
		{"1420a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6", 0x14, 32},
		{"0000", 0x00, 0},
		{"000568656c6c6f", 0x00, 5},
		/* a two-byte code: blake2b-256 (0xb220) */
		{"a0e40220" "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 0xb220, 32},
	};
	uint8_t		buf[512];
	uint8_t		out[HY_MULTIHASH_MAX];
	hy_multihash mh;
	size_t		n;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
	{
		n = unhex(fixtures[i].hex, buf, sizeof(buf));
		is_int(hy_multihash_parse(buf, n, &mh), (int) n, fixtures[i].hex);
		ok(mh.code == fixtures[i].code, "code");
		is_int(mh.digest_len, fixtures[i].dlen, "digest length");
		ok(mh.digest == buf + n - fixtures[i].dlen, "digest points into the input");
		is_int(hy_multihash_put(mh.code, mh.digest, mh.digest_len, out, sizeof(out)), (int) n,
			   "re-serializes to the same length");
		is_mem(out, n, buf, n, "re-serializes to the same bytes");
	}

	/* prefix reads leave trailing bytes to the caller */
	n = unhex("120ae3b0c44298fc1c149afbdeadbeef", buf, sizeof(buf));
	is_int(hy_multihash_read(buf, n, &mh), 12, "read stops after the digest");
	is_int(hy_multihash_parse(buf, n, &mh), HY_ERR_INVALID, "parse rejects trailing bytes");

	/* malformed */
	is_int(hy_multihash_parse(buf, 0, &mh), HY_ERR_TRUNCATED, "empty");
	is_int(hy_multihash_parse((const uint8_t *) "\x12", 1, &mh), HY_ERR_TRUNCATED, "code only");
	is_int(hy_multihash_parse((const uint8_t *) "\x12\x20\x01", 3, &mh), HY_ERR_TRUNCATED, "short digest");
	n = unhex("1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8", buf, sizeof(buf));
	is_int(hy_multihash_parse(buf, n, &mh), HY_ERR_TRUNCATED, "digest one byte short");
	is_int(hy_multihash_parse((const uint8_t *) "\x80\x00\x00", 3, &mh), HY_ERR_INVALID, "non-minimal code");
	is_int(hy_multihash_parse((const uint8_t *) "\x12\x80\x00", 3, &mh), HY_ERR_INVALID, "non-minimal length");
	is_int(hy_multihash_parse((const uint8_t *) "\x12\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, &mh),
		   HY_ERR_TOO_LONG, "huge length does not wrap");
	is_int(hy_multihash_parse((const uint8_t *) "\x12\x7f", 2, &mh), HY_ERR_TOO_LONG,
		   "127-byte digest exceeds the total limit");
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x00;
	buf[1] = 0x7e;				/* 2 + 126 = 128 bytes: exactly at the limit */
	is_int(hy_multihash_parse(buf, 128, &mh), 128, "total size at the limit");
	buf[1] = 0x80;
	buf[2] = 0x01;				/* 3 + 128 = 131 */
	is_int(hy_multihash_parse(buf, 131, &mh), HY_ERR_TOO_LONG, "total size over the limit");

	/* put */
	is_int(hy_multihash_put(0x12, buf, 126, out, sizeof(out)), 128, "put at the limit");
	is_int(hy_multihash_put(0x12, buf, 127, out, sizeof(out)), HY_ERR_TOO_LONG, "put over the limit");
	is_int(hy_multihash_put(0x12, buf, 32, out, 33), HY_ERR_NOSPACE, "put into a small buffer");
	is_int(hy_multihash_put(UINT64_MAX, buf, 1, out, sizeof(out)), HY_ERR_TOO_LONG, "code too large");
	return tap_done();
}
