/*
 * fuzz_multiaddr.c — multiaddr codec on arbitrary bytes.  A binary address
 * that validates must format, and the text must parse back to the same
 * bytes; text that parses must survive format and parse unchanged.  The
 * helpers run on every valid address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/multiaddr.h"

/* Run the helpers the network code uses; they must agree with validate */
static void
helpers(const uint8_t *bin, size_t len)
{
	static uint8_t out[HY_MULTIADDR_MAX];
	hy_ma_endpoint ep;
	hy_ma_iter	it;
	hy_ma_component c;
	const uint8_t *id;
	size_t		idlen;
	size_t		total = 0;
	int			r;
	int			s;

	hy_ma_iter_init(&it, bin, len);
	while ((r = hy_ma_iter_next(&it, &c)) > 0)
	{
		if (c.offset != total || c.size == 0 || c.value + c.value_len > bin + len)
			abort();
		total += c.size;
	}
	if (r != 0 || total != len)
		abort();
	(void) hy_multiaddr_tcp_endpoint(bin, len, &ep);
	s = hy_multiaddr_scope(bin, len);
	if (s < 0 && s != HY_ERR_UNSUPPORTED)
		abort();
	r = hy_multiaddr_strip_p2p(bin, len, &id, &idlen);
	if (r < 0 || (size_t) r > len)
		abort();
	if (id != NULL)
	{
		int			a = hy_multiaddr_append_p2p(bin, (size_t) r, id, idlen, out, sizeof(out));

		if (a != (int) len || memcmp(out, bin, len) != 0)
			abort();
	}
}

/* Binary -> text -> binary must be the identity */
static void
from_binary(const uint8_t *data, size_t size)
{
	static char txt[HY_MULTIADDR_TEXT_MAX];
	static uint8_t back[HY_MULTIADDR_MAX];
	int			n;

	if (hy_multiaddr_validate(data, size) != HY_OK)
		return;
	n = hy_multiaddr_format(data, size, txt, sizeof(txt));
	if (n < 0)
		abort();
	if (hy_multiaddr_parse(txt, (size_t) n, back, sizeof(back)) != (int) size ||
		memcmp(back, data, size) != 0)
		abort();
	helpers(data, size);
}

/* Text -> binary -> text -> binary must be stable */
static void
from_text(const uint8_t *data, size_t size)
{
	static uint8_t bin[HY_MULTIADDR_MAX];
	static uint8_t again[HY_MULTIADDR_MAX];
	static char txt[HY_MULTIADDR_TEXT_MAX];
	int			n = hy_multiaddr_parse((const char *) data, size, bin, sizeof(bin));
	int			t;

	if (n < 0)
		return;
	if (hy_multiaddr_validate(bin, (size_t) n) != HY_OK)
		abort();
	t = hy_multiaddr_format(bin, (size_t) n, txt, sizeof(txt));
	if (t < 0)
		abort();
	if (hy_multiaddr_parse(txt, (size_t) t, again, sizeof(again)) != n ||
		memcmp(again, bin, (size_t) n) != 0)
		abort();
}

/* Run both directions */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	from_binary(data, size);
	from_text(data, size);
	return 0;
}
