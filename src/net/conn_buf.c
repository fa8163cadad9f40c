/*
 * conn_buf.c — bounded byte queue (see conn_buf.h).
 */
#include "net/conn_buf.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/limits.h"

/* Reserve room at the tail, compacting or growing as needed */
uint8_t *
hy_buf_reserve(hy_buf *b, size_t n, size_t max)
{
	size_t		need;

	if (n > max || b->len > max - n)
		return NULL;
	need = b->len + n;
	if (b->off + need <= b->cap)
		return b->data + b->off + b->len;
	if (need <= b->cap)
	{
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
		return b->data + b->len;
	}
	{
		size_t		cap = b->cap ? b->cap : 1024;
		uint8_t    *d;

		while (cap < need)
			cap *= 2;
		d = malloc(cap);
		if (!d)
			return NULL;
		if (b->len)
			memcpy(d, b->data + b->off, b->len);
		free(b->data);
		b->data = d;
		b->off = 0;
		b->cap = cap;
		return d + b->len;
	}
}

/* Append bytes */
int
hy_buf_append(hy_buf *b, const uint8_t *p, size_t n, size_t max)
{
	uint8_t    *dst;

	if (n == 0)
		return HY_OK;
	dst = hy_buf_reserve(b, n, max);
	if (!dst)
		return HY_NET_ERR_LIMIT;
	memcpy(dst, p, n);
	b->len += n;
	return HY_OK;
}

/* Drop bytes from the head */
void
hy_buf_consume(hy_buf *b, size_t n)
{
	if (n >= b->len)
	{
		hy_buf_free(b);
		return;
	}
	b->off += n;
	b->len -= n;
}

/* Release the memory */
void
hy_buf_free(hy_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
