/*
 * conn_buf.h — a growable byte queue with a hard cap, freed when empty so
 * that idle connections hold no buffer memory at all.
 */
#ifndef HY_NET_CONN_BUF_H
#define HY_NET_CONN_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct hy_buf
{
	uint8_t    *data;
	size_t		off;			/* first unread byte */
	size_t		len;			/* unread bytes */
	size_t		cap;
} hy_buf;

/* Append n bytes unless the queue would exceed max; HY_OK or hy_err */
int			hy_buf_append(hy_buf *b, const uint8_t *p, size_t n, size_t max);

/* Reserve room for n more bytes at the tail; pointer to it or NULL */
uint8_t    *hy_buf_reserve(hy_buf *b, size_t n, size_t max);

/* Drop n bytes from the head (frees the memory when it empties) */
void		hy_buf_consume(hy_buf *b, size_t n);

/* Release everything */
void		hy_buf_free(hy_buf *b);

/* First unread byte */
static inline uint8_t *
hy_buf_head(const hy_buf *b)
{
	return b->data + b->off;
}

#endif
