/*
 * fuzz_peerid.c — peer ID text parsing and binary checks.  Anything that
 * parses must format in every form and parse back to the same bytes; bare
 * base58 input must be reproduced exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/peerid.h"

/* Format id in one form and check that it parses back to id */
static void
round_trip(const uint8_t *id, size_t len, char prefix)
{
	char		txt[HY_PEER_ID_TEXT_MAX];
	uint8_t		back[HY_PEER_ID_MAX];
	int			n;

	n = prefix ? hy_peerid_format_cid(id, len, prefix, txt, sizeof(txt)) :
		hy_peerid_format(id, len, txt, sizeof(txt));
	if (n < 0 || (size_t) n >= sizeof(txt))
		abort();
	if (hy_peerid_parse(txt, (size_t) n, back, sizeof(back)) != (int) len ||
		memcmp(back, id, len) != 0)
		abort();
}

/* Exercise every form of a valid peer ID */
static void
all_forms(const uint8_t *id, size_t len)
{
	round_trip(id, len, 0);
	round_trip(id, len, 'b');
	round_trip(id, len, 'k');
	round_trip(id, len, 'f');
	round_trip(id, len, 'z');
}

/* Parse as text, and check as binary */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		id[HY_PEER_ID_MAX];
	char		txt[HY_PEER_ID_TEXT_MAX];
	int			n = hy_peerid_parse((const char *) data, size, id, sizeof(id));

	if (n >= 0)
	{
		if (n > HY_PEER_ID_MAX || hy_peerid_check(id, (size_t) n) != HY_OK)
			abort();
		all_forms(id, (size_t) n);
		if (data[0] == '1' || data[0] == 'Q')
		{
			int			t = hy_peerid_format(id, (size_t) n, txt, sizeof(txt));

			if (t < 0 || (size_t) t != size || memcmp(txt, data, size) != 0)
				abort();
		}
	}
	if (hy_peerid_check(data, size) == HY_OK)
		all_forms(data, size);
	return 0;
}
