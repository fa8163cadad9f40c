/*
 * fuzz_cid.c — CID text and binary parsers on arbitrary bytes.  The
 * decoders are canonical, so whatever parses must format back to exactly
 * the input (text in the same multibase, binary byte for byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cid.h"
#include "core/err.h"

/* Check that two parsed CIDs are the same */
static void
same(const hy_cid *a, const hy_cid *b)
{
	if (a->version != b->version || a->codec != b->codec || a->mh_len != b->mh_len ||
		memcmp(a->mh, b->mh, a->mh_len) != 0)
		abort();
}

/* Parse as text, format back and compare */
static void
text(const uint8_t *data, size_t size)
{
	hy_cid		c;
	hy_cid		d;
	char		out[HY_CID_TEXT_MAX];
	int			n;

	if (hy_cid_parse((const char *) data, size, &c) != HY_OK)
		return;
	if (c.mh_len > HY_MULTIHASH_MAX)
		abort();
	n = hy_cid_format(&c, c.version == 0 ? 0 : (char) data[0], out, sizeof(out));
	if (n < 0 || (size_t) n != size || memcmp(out, data, size) != 0)
		abort();
	n = hy_cid_format(&c, 'k', out, sizeof(out));
	if (n < 0 || hy_cid_parse(out, (size_t) n, &d) != HY_OK)
		abort();
	if (c.version == 0)
		d.version = 0;			/* the base36 form is the v1 equivalent */
	same(&c, &d);
}

/* Decode as binary, encode back and compare */
static void
binary(const uint8_t *data, size_t size)
{
	hy_cid		c;
	hy_cid		d;
	uint8_t		out[HY_CID_BIN_MAX];
	char		txt[HY_CID_TEXT_MAX];
	int			n;

	if (hy_cid_decode(data, size, &c) != HY_OK)
		return;
	n = hy_cid_encode(&c, out, sizeof(out));
	if (n < 0 || (size_t) n != size || memcmp(out, data, size) != 0)
		abort();
	n = hy_cid_format(&c, 0, txt, sizeof(txt));
	if (n < 0 || hy_cid_parse(txt, (size_t) n, &d) != HY_OK)
		abort();
	same(&c, &d);
}

/* Run both interpretations */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text(data, size);
	binary(data, size);
	return 0;
}
