/*
 * ratelimit.c — token bucket (see ratelimit.h).  Integer arithmetic in
 * thousandths of a token so that low rates refill smoothly at millisecond
 * resolution.
 */
#include "dht/ratelimit.h"

#include <string.h>

/* Set up a full bucket */
void
hy_ratelimit_init(hy_ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate;
	if (burst == 0)
		burst = rate / 4 > 0 ? rate / 4 : 1;
	rl->burst = burst;
	rl->tokens_milli = (uint64_t) burst * 1000;
	rl->last_ms = now_ms;
}

/* Refill for the time elapsed, then take one token if there is one */
int
hy_ratelimit_take(hy_ratelimit *rl, uint64_t now_ms)
{
	uint64_t	cap;

	if (rl->rate == 0)
		return 1;
	cap = (uint64_t) rl->burst * 1000;
	/* a wall clock stepping back refills nothing (and does not underflow) */
	if (now_ms > rl->last_ms)
	{
		uint64_t	add = (now_ms - rl->last_ms) * rl->rate;

		rl->tokens_milli = add >= cap - rl->tokens_milli ? cap : rl->tokens_milli + add;
		rl->last_ms = now_ms;
	}
	else if (now_ms < rl->last_ms)
		rl->last_ms = now_ms;
	if (rl->tokens_milli < 1000)
		return 0;
	rl->tokens_milli -= 1000;
	return 1;
}
