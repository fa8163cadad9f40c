/*
 * test_varint.c — unsigned varints: spec examples, limits, malformed input.
 */
#include "tap.h"
#include "core/err.h"
#include "core/varint.h"

/* Encode v and compare with the expected bytes, then decode them back */
static void
check(uint64_t v, const uint8_t *want, int wlen, const char *name)
{
	uint8_t		buf[HY_UVARINT_MAX];
	uint64_t	got = 0;
	int			n = hy_uvarint_put(v, buf);

	is_mem(buf, n < 0 ? 0 : n, want, wlen, name);
	is_int(hy_uvarint_len(v), wlen, "length agrees with put");
	is_int(hy_uvarint_get(want, (size_t) wlen, &got), wlen, "decodes whole input");
	ok(got == v, "decodes to the same value");
}

int
main(void)
{
	uint64_t	v = 0;

	/* examples from the unsigned-varint spec */
	check(1, (const uint8_t *) "\x01", 1, "1");
	check(127, (const uint8_t *) "\x7f", 1, "127");
	check(128, (const uint8_t *) "\x80\x01", 2, "128");
	check(255, (const uint8_t *) "\xff\x01", 2, "255");
	check(300, (const uint8_t *) "\xac\x02", 2, "300");
	check(16384, (const uint8_t *) "\x80\x80\x01", 3, "16384");
	check(0, (const uint8_t *) "\x00", 1, "0");
	check(0x01a5, (const uint8_t *) "\xa5\x03", 2, "p2p code");
	check(HY_UVARINT_LIMIT - 1,
		  (const uint8_t *) "\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9, "2^63-1 in 9 bytes");

	{
		uint8_t		buf[HY_UVARINT_MAX];

		is_int(hy_uvarint_put(HY_UVARINT_LIMIT, buf), HY_ERR_TOO_LONG, "2^63 not encodable");
		is_int(hy_uvarint_put(UINT64_MAX, buf), HY_ERR_TOO_LONG, "2^64-1 not encodable");
		is_int(hy_uvarint_len(HY_UVARINT_LIMIT), 0, "len of 2^63 is 0");
	}

	/* trailing bytes are left to the caller */
	is_int(hy_uvarint_get((const uint8_t *) "\xac\x02\xff", 3, &v), 2, "stops after the varint");
	ok(v == 300, "value before trailing bytes");

	/* malformed */
	is_int(hy_uvarint_get((const uint8_t *) "", 0, &v), HY_ERR_TRUNCATED, "empty input");
	is_int(hy_uvarint_get((const uint8_t *) "\x80", 1, &v), HY_ERR_TRUNCATED, "continuation then end");
	is_int(hy_uvarint_get((const uint8_t *) "\xff\xff\xff", 3, &v), HY_ERR_TRUNCATED, "three continuations then end");
	is_int(hy_uvarint_get((const uint8_t *) "\x80\x00", 2, &v), HY_ERR_INVALID, "non-minimal zero");
	is_int(hy_uvarint_get((const uint8_t *) "\x81\x00", 2, &v), HY_ERR_INVALID, "non-minimal 1");
	is_int(hy_uvarint_get((const uint8_t *) "\xff\x80\x00", 3, &v), HY_ERR_INVALID, "non-minimal 127");
	is_int(hy_uvarint_get((const uint8_t *) "\xff\xff\xff\xff\xff\xff\xff\xff\x80\x01", 10, &v),
		   HY_ERR_INVALID, "10 bytes (2^63) rejected");
	is_int(hy_uvarint_get((const uint8_t *) "\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9, &v),
		   HY_ERR_INVALID, "ninth byte with continuation bit");
	is_int(hy_uvarint_get((const uint8_t *) "\xff\xff\xff\xff\xff\xff\xff\xff", 8, &v),
		   HY_ERR_TRUNCATED, "eight continuation bytes then end");

	/* every length boundary round-trips */
	for (int bits = 0; bits < 63; bits++)
	{
		uint8_t		buf[HY_UVARINT_MAX];
		uint64_t	x = (UINT64_C(1) << bits);
		int			ok1 = 1;

		for (int d = -1; d <= 0; d++)
		{
			uint64_t	y = x + (uint64_t) d;
			uint64_t	back = 0;
			int			n = hy_uvarint_put(y, buf);

			if (n != hy_uvarint_len(y) || hy_uvarint_get(buf, (size_t) n, &back) != n || back != y)
				ok1 = 0;
			if (n > 1 && hy_uvarint_get(buf, (size_t) n - 1, &back) != HY_ERR_TRUNCATED)
				ok1 = 0;
		}
		if (!ok1)
			ok(0, "boundary round trip");
	}
	ok(1, "all 2^k and 2^k-1 round-trip and truncate cleanly");
	return tap_done();
}
