/*
 * test_bases.c — base58/36/32/16/64 and multibase: fixtures from the
 * multibase test suite, limits and malformed input.
 */
#include "tap.h"
#include "core/err.h"
#include "core/base16.h"
#include "core/base32.h"
#include "core/base36.h"
#include "core/base58.h"
#include "core/base64.h"
#include "core/multibase.h"

/* Encode input with prefix, compare, then decode the text back */
static void
check(const char *input, size_t ilen, const char *text)
{
	char		out[256];
	uint8_t		bin[256];
	int			n;
	char		name[300];

	snprintf(name, sizeof(name), "encode %s", text);
	n = hy_multibase_encode(text[0], (const uint8_t *) input, ilen, out, sizeof(out));
	is_str(n >= 0 ? out : "(error)", text, name);
	is_int(n, (int) strlen(text), "encode length");
	snprintf(name, sizeof(name), "decode %s", text);
	n = hy_multibase_decode(text, strlen(text), bin, sizeof(bin));
	is_mem(bin, n < 0 ? 0 : n, input, ilen, name);
}

/* Check that decoding text fails with the expected error */
static void
bad(const char *text, int want, const char *name)
{
	uint8_t		bin[256];

	is_int(hy_multibase_decode(text, strlen(text), bin, sizeof(bin)), want, name);
}

int
main(void)
{
	static const char *basic[] = {
		"f796573206d616e692021", "F796573206D616E692021", "bpfsxgidnmfxgsibb",
		"BPFSXGIDNMFXGSIBB", "k2lcpzo5yikidynfl", "K2LCPZO5YIKIDYNFL",
		"z7paNL19xttacUY", "meWVzIG1hbmkgIQ", "ueWVzIG1hbmkgIQ",
	};
	static const char *lead1[] = {
		"f00796573206d616e692021", "F00796573206D616E692021", "bab4wk4zanvqw42jaee",
		"BAB4WK4ZANVQW42JAEE", "k02lcpzo5yikidynfl", "K02LCPZO5YIKIDYNFL",
		"z17paNL19xttacUY", "mAHllcyBtYW5pICE", "uAHllcyBtYW5pICE",
	};
	static const char *lead2[] = {
		"f0000796573206d616e692021", "F0000796573206D616E692021", "baaahszltebwwc3tjeaqq",
		"BAAAHSZLTEBWWC3TJEAQQ", "k002lcpzo5yikidynfl", "K002LCPZO5YIKIDYNFL",
		"z117paNL19xttacUY", "mAAB5ZXMgbWFuaSAh", "uAAB5ZXMgbWFuaSAh",
	};
	uint8_t		bin[2048];
	char		txt[2048];

	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		check("yes mani !", 10, basic[i]);
	for (size_t i = 0; i < sizeof(lead1) / sizeof(lead1[0]); i++)
		check("\0yes mani !", 11, lead1[i]);
	for (size_t i = 0; i < sizeof(lead2) / sizeof(lead2[0]); i++)
		check("\0\0yes mani !", 12, lead2[i]);

	/* empty and all-zero payloads */
	check("", 0, "z");
	check("", 0, "b");
	check("", 0, "k");
	check("\0", 1, "z1");
	check("\0\0\0", 3, "z111");
	check("\0\0", 2, "k00");
	check("\0", 1, "baa");
	check("\xff", 1, "b74");
	check("\xff\xff", 2, "b777q");
	check("\x01\x02\x03", 3, "mAQID");
	check("\xfb\xff", 2, "u-_8");
	check("\xfb\xff", 2, "m+/8");

	/* base58 of a known sha2-256 multihash (a CIDv0) */
	{
		static const uint8_t mh[] = {
			0x12, 0x20, 0xe5, 0x36, 0xc7, 0xf8, 0x8d, 0x73, 0x1f, 0x37, 0x4d, 0xcc,
			0xb5, 0x68, 0xaf, 0xf6, 0xf5, 0x6e, 0x83, 0x8a, 0x19, 0x38, 0x2e, 0x48,
			0x80, 0x39, 0xb1, 0xca, 0x8a, 0xd2, 0x59, 0x9e, 0x82, 0xfe};
		const char *s = "QmdmQXB2mzChmMeKY47C43LxUdg1NDJ5MWcKMKxDu7RgQm";

		is_int(hy_base58_encode(mh, sizeof(mh), txt, sizeof(txt)), 46, "base58 CIDv0 length");
		is_str(txt, s, "base58 CIDv0 text");
		is_int(hy_base58_decode(s, 46, bin, sizeof(bin)), 34, "base58 CIDv0 decode");
		is_mem(bin, 34, mh, sizeof(mh), "base58 CIDv0 bytes");
		is_int(hy_base58_encode(mh, sizeof(mh), txt, 46), HY_ERR_NOSPACE, "no room for NUL");
		is_int(hy_base58_decode(s, 46, bin, 33), HY_ERR_NOSPACE, "decode into small buffer");
	}

	/* bad characters per alphabet */
	bad("z0abc", HY_ERR_INVALID, "base58 has no 0");
	bad("zOabc", HY_ERR_INVALID, "base58 has no O");
	bad("zIl", HY_ERR_INVALID, "base58 has no I");
	bad("z7paNL19xttacUY ", HY_ERR_INVALID, "trailing space");
	bad(" z7paNL19xttacUY", HY_ERR_UNSUPPORTED, "leading space is an unknown prefix");
	bad("bPFSXGIDNMFXGSIBB", HY_ERR_INVALID, "upper case under 'b'");
	bad("Bpfsxgidnmfxgsibb", HY_ERR_INVALID, "lower case under 'B'");
	bad("bpfsxgidnmfxgsib1", HY_ERR_INVALID, "base32 has no 1");
	bad("bpfsxgidnmfxgsibb=", HY_ERR_INVALID, "padding is not accepted");
	bad("K2lcpzo5yikidynfl", HY_ERR_INVALID, "mixed case under 'K'");
	bad("k2LCPZO5YIKIDYNFL", HY_ERR_INVALID, "upper case under 'k'");
	bad("f7", HY_ERR_INVALID, "odd hex length");
	bad("fgg", HY_ERR_INVALID, "non-hex digit");
	bad("fAB", HY_ERR_INVALID, "upper hex under 'f'");
	bad("meWVzIG1hbmkgIQ==", HY_ERR_INVALID, "base64 padding");
	bad("ueWVzIG1hbmkgIQ+", HY_ERR_INVALID, "'+' in base64url");
	bad("m-_8", HY_ERR_INVALID, "'-' in base64");
	bad("mA", HY_ERR_INVALID, "one base64 char");
	bad("b7", HY_ERR_INVALID, "one base32 char");
	bad("b777", HY_ERR_INVALID, "three base32 chars");
	bad("b775", HY_ERR_INVALID, "non-zero unused base32 bits");
	bad("b75", HY_ERR_INVALID, "non-zero unused bits (b75)");
	bad("u-_9", HY_ERR_INVALID, "non-zero unused base64 bits");
	bad("", HY_ERR_INVALID, "empty string");
	bad("q0000", HY_ERR_UNSUPPORTED, "unknown prefix");
	bad("M", HY_ERR_UNSUPPORTED, "padded base64 prefix unsupported");
	bad("\x80z", HY_ERR_UNSUPPORTED, "high byte prefix");
	bad("z\xff", HY_ERR_INVALID, "high byte in base58");

	/* embedded NUL is a bad character, not an end */
	is_int(hy_multibase_decode("z7pa\0NL", 7, bin, sizeof(bin)), HY_ERR_INVALID, "NUL inside text");

	/* size limits of the quadratic bases */
	{
		char		big[HY_BASEX_TEXT_MAX + 2];

		memset(big, 'z', sizeof(big));
		is_int(hy_base58_decode(big, HY_BASEX_TEXT_MAX + 1, bin, sizeof(bin)), HY_ERR_TOO_LONG,
			   "base58 text over the limit");
		is_int(hy_base36_decode(big, HY_BASEX_TEXT_MAX + 1, false, bin, sizeof(bin)), HY_ERR_TOO_LONG,
			   "base36 text over the limit");
		ok(hy_base58_decode(big, HY_BASEX_TEXT_MAX, bin, sizeof(bin)) > 0, "base58 text at the limit");
		memset(bin, 0xff, sizeof(bin));
		is_int(hy_base58_encode(bin, HY_BASEX_BIN_MAX + 1, txt, sizeof(txt)), HY_ERR_TOO_LONG,
			   "base58 binary over the limit");
		ok(hy_base36_encode(bin, HY_BASEX_BIN_MAX, txt, sizeof(txt)) > 0, "base36 binary at the limit");
		ok(strlen(txt) + 1 <= (size_t) HY_BASE36_ENCODED_MAX(HY_BASEX_BIN_MAX), "base36 size bound holds");
		ok(hy_base58_encode(bin, HY_BASEX_BIN_MAX, txt, sizeof(txt)) > 0, "base58 binary at the limit");
		ok(strlen(txt) + 1 <= (size_t) HY_BASE58_ENCODED_MAX(HY_BASEX_BIN_MAX), "base58 size bound holds");
	}

	/* encode errors */
	is_int(hy_multibase_encode('q', (const uint8_t *) "x", 1, txt, sizeof(txt)), HY_ERR_UNSUPPORTED,
		   "encode with unknown prefix");
	is_int(hy_multibase_encode('b', (const uint8_t *) "yes mani !", 10, txt, 17), HY_ERR_NOSPACE,
		   "encode without room for NUL");
	is_int(hy_multibase_encode('b', (const uint8_t *) "yes mani !", 10, txt, 18), 17,
		   "encode with exact room");
	is_int(hy_base32_decode("pfsxgidnmfxgsibb", 16, false, bin, 9), HY_ERR_NOSPACE,
		   "base32 decode into small buffer");
	is_int(hy_base16_encode((const uint8_t *) "\xab", 1, txt, sizeof(txt)), 2, "base16 encode");
	is_str(txt, "ab", "base16 lower case");

	/* round trips of every length and byte pattern in all bases */
	{
		static const char prefixes[] = "zbBkKfFmu";
		int			fails = 0;

		for (size_t len = 0; len < 70; len++)
		{
			uint8_t		in[70];
			uint8_t		back[80];

			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t) (i < len / 3 ? 0 : (i * 37 + len) & 0xff);
			for (const char *p = prefixes; *p; p++)
			{
				int			t = hy_multibase_encode(*p, in, len, txt, sizeof(txt));
				int			b = t < 0 ? t : hy_multibase_decode(txt, (size_t) t, back, sizeof(back));

				if (t < 0 || b != (int) len || memcmp(back, in, len) != 0)
					fails++;
			}
		}
		is_int(fails, 0, "round trips of 0..69 bytes in every base");
	}
	return tap_done();
}
