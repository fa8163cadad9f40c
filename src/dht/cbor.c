/*
 * cbor.c — bounded CBOR item reader (see cbor.h).
 */
#include "dht/cbor.h"

#include "core/err.h"

/* Start reading */
void
hy_cbor_init(hy_cbor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

/* Read one head */
int
hy_cbor_head(hy_cbor *c, int *major, uint64_t *arg, const uint8_t **payload)
{
	uint8_t		ib;
	int			ai,
				n;
	uint64_t	v = 0;

	if (c->off >= c->len)
		return HY_ERR_TRUNCATED;
	ib = c->p[c->off++];
	*major = ib >> 5;
	ai = ib & 31;
	if (ai < 24)
		v = (uint64_t) ai;
	else if (ai <= 27)
	{
		n = 1 << (ai - 24);
		if (c->len - c->off < (size_t) n)
			return HY_ERR_TRUNCATED;
		for (int i = 0; i < n; i++)
			v = (v << 8) | c->p[c->off++];
	}
	else
		return HY_ERR_INVALID;	/* reserved or indefinite length */
	*arg = v;
	if (payload)
		*payload = NULL;
	if (*major == HY_CBOR_BYTES || *major == HY_CBOR_TEXT)
	{
		if (v > c->len - c->off)
			return HY_ERR_TRUNCATED;
		if (payload)
			*payload = c->p + c->off;
		c->off += (size_t) v;
	}
	return HY_OK;
}

/* Skip an item, descending at most depth levels */
static int
skip_depth(hy_cbor *c, int depth)
{
	int			major,
				r;
	uint64_t	arg,
				items;

	if (depth > HY_CBOR_MAX_DEPTH)
		return HY_ERR_TOO_LONG;
	if ((r = hy_cbor_head(c, &major, &arg, NULL)) < 0)
		return r;
	switch (major)
	{
		case HY_CBOR_ARRAY:
		case HY_CBOR_MAP:
			/* every item takes a byte: a count above the rest is a lie */
			if (arg > c->len - c->off)
				return HY_ERR_TRUNCATED;
			items = major == HY_CBOR_MAP ? arg * 2 : arg;
			for (uint64_t i = 0; i < items; i++)
				if ((r = skip_depth(c, depth + 1)) < 0)
					return r;
			return HY_OK;
		case HY_CBOR_TAG:
			return skip_depth(c, depth + 1);
		default:
			return HY_OK;
	}
}

/* Skip one whole item */
int
hy_cbor_skip(hy_cbor *c)
{
	return skip_depth(c, 0);
}
