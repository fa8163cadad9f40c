/*
 * ratelimit.h — a token bucket: at most `rate` events per second on
 * average, bursts of up to `burst`.  The head workers use two to decline
 * work before it reaches the database (graceful decline) and to refuse
 * requests outright above a configured peak (full decline).
 */
#ifndef HY_DHT_RATELIMIT_H
#define HY_DHT_RATELIMIT_H

#include <stdint.h>

typedef struct hy_ratelimit
{
	uint32_t	rate;			/* tokens per second; 0 = unlimited */
	uint32_t	burst;			/* bucket size */
	uint64_t	tokens_milli;	/* thousandths of a token, <= burst * 1000 */
	uint64_t	last_ms;		/* when the bucket was last refilled */
} hy_ratelimit;

/*
 * Set up a bucket (full).  burst 0 = a quarter of a second of rate (at
 * least 1), so a limit is felt within a fraction of a second.
 */
void		hy_ratelimit_init(hy_ratelimit *rl, uint32_t rate, uint32_t burst, uint64_t now_ms);

/* Take one token: 1 if allowed (or unlimited), 0 if over the rate */
int			hy_ratelimit_take(hy_ratelimit *rl, uint64_t now_ms);

#endif
