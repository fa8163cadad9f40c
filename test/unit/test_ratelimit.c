/*
 * test_ratelimit.c — the token bucket behind graceful and full decline:
 * bursts, refill at the configured rate, unlimited, clock steps back.
 */
#include "dht/ratelimit.h"
#include "tap.h"

int
main(void)
{
	hy_ratelimit rl;
	int			n;
	uint64_t	now = 1000000;

	hy_ratelimit_init(&rl, 0, 0, now);
	n = 0;
	for (int i = 0; i < 100000; i++)
		n += hy_ratelimit_take(&rl, now);
	is_int(n, 100000, "rate 0: unlimited");

	hy_ratelimit_init(&rl, 1000, 0, now);
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += hy_ratelimit_take(&rl, now);
	is_int(n, 250, "default burst: a quarter second of the rate");

	n = 0;
	for (int i = 0; i < 1000; i++)
		n += hy_ratelimit_take(&rl, now + 10);
	is_int(n, 10, "10 ms later: 10 more tokens at 1000/s");

	/* one simulated second in 1 ms steps, offered 5 per ms: 1000 pass */
	n = 0;
	for (int ms = 11; ms <= 1010; ms++)
		for (int i = 0; i < 5; i++)
			n += hy_ratelimit_take(&rl, now + ms);
	is_int(n, 1000, "offered 5x for one second: exactly the rate passes");

	n = 0;
	for (int i = 0; i < 1000; i++)
		n += hy_ratelimit_take(&rl, now + 1000000);
	is_int(n, 250, "a long idle time refills only up to the burst");

	hy_ratelimit_init(&rl, 3, 0, now);
	is_int(rl.burst, 1, "burst at least 1 for tiny rates");
	n = hy_ratelimit_take(&rl, now) + hy_ratelimit_take(&rl, now + 100);
	is_int(n, 1, "3/s: the second token needs 334 ms");
	n = hy_ratelimit_take(&rl, now + 334);
	is_int(n, 1, "... and is there after it");

	hy_ratelimit_init(&rl, 1000, 10, now);
	for (int i = 0; i < 10; i++)
		hy_ratelimit_take(&rl, now);
	is_int(hy_ratelimit_take(&rl, now - 5000), 0, "clock stepping back: no refill, no underflow");
	n = 0;
	for (int i = 0; i < 100; i++)
		n += hy_ratelimit_take(&rl, now - 4995);
	is_int(n, 5, "refill resumes from the new time");
	return tap_done();
}
