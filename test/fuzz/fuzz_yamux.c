/*
 * fuzz_yamux.c — arbitrary frame sequences into a yamux session, mixed
 * with local operations (open, write, close, reset, keepalive) chosen by
 * the input, including re-entrant calls from inside the callbacks.
 *
 * Input: byte 0 selects the role; then ops: 0..3 = feed the next (b+1)
 * bytes as wire input, 4 open, 5 keepalive, 6 write, 7 close, 8 reset,
 * 9 goaway, others = feed one byte.
 */
#include <stdint.h>
#include <string.h>

#include "net/limits.h"
#include "net/yamux.h"

#define NSLOT 8

static hy_ymx_stream *slots[NSLOT];
static unsigned tick;

/* Discard output, failing now and then */
static int
f_output(void *arg, const uint8_t *p, size_t n)
{
	(void) arg;
	(void) p;
	(void) n;
	return (++tick % 997) == 0 ? -1 : 0;
}

/* Remember the stream; refuse some */
static int
f_accept(void *arg, hy_ymx_stream *st)
{
	(void) arg;
	if (hy_ymx_stream_id(st) % 5 == 0)
		return -1;
	slots[hy_ymx_stream_id(st) % NSLOT] = st;
	return 0;
}

/* Data: sometimes answer, close or reset from inside the callback */
static void
f_data(void *arg, hy_ymx_stream *st, const uint8_t *p, size_t n)
{
	(void) arg;
	if (n && p[0] == 'w')
		hy_ymx_write(st, p, n);
	else if (n && p[0] == 'c')
		hy_ymx_close(st);
	else if (n && p[0] == 'r')
		hy_ymx_reset(st);
}

/* EOF: close our side */
static void
f_eof(void *arg, hy_ymx_stream *st)
{
	(void) arg;
	hy_ymx_close(st);
}

/* Forget closed streams */
static void
f_closed(void *arg, hy_ymx_stream *st, int reset)
{
	(void) arg;
	(void) reset;
	for (int i = 0; i < NSLOT; i++)
		if (slots[i] == st)
			slots[i] = NULL;
}

static const hy_ymx_cbs fcbs = {
	.output = f_output,
	.accept = f_accept,
	.data = f_data,
	.eof = f_eof,
	.closed = f_closed,
};

/* libFuzzer entry */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hy_ymx	   *s;
	size_t		i = 1;
	static const uint8_t payload[100] = {'w'};

	if (size < 1)
		return 0;
	memset(slots, 0, sizeof(slots));
	tick = 0;
	s = hy_ymx_new(data[0] & 1, &fcbs, NULL, NULL);
	if (!s)
		return 0;
	while (i < size)
	{
		uint8_t		op = data[i++];
		hy_ymx_stream *st = slots[op % NSLOT];

		switch (op >> 4)
		{
			case 0:
			case 1:
			case 2:
			case 3:
				{
					size_t		n = (size_t) (op & 0x3f) + 1;

					if (n > size - i)
						n = size - i;
					hy_ymx_input(s, data + i, n);
					i += n;
					break;
				}
			case 4:
				{
					hy_ymx_stream *o = hy_ymx_open(s);

					if (o)
						slots[hy_ymx_stream_id(o) % NSLOT] = o;
					break;
				}
			case 5:
				hy_ymx_keepalive(s);
				break;
			case 6:
				if (st)
					hy_ymx_write(st, payload, sizeof(payload));
				break;
			case 7:
				if (st)
					hy_ymx_close(st);
				break;
			case 8:
				if (st)
					hy_ymx_reset(st);
				break;
			case 9:
				hy_ymx_goaway(s, 0);
				break;
			default:
				hy_ymx_input(s, &op, 1);
				break;
		}
		hy_ymx_reap(s);
	}
	hy_ymx_free(s);
	return 0;
}
