/*
 * clock.h — the two clocks every layer reads: Unix wall time in
 * milliseconds (record expiry, routing-table ages, shared between
 * processes) and monotonic nanoseconds (durations).
 */
#ifndef HY_CORE_CLOCK_H
#define HY_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Unix wall-clock time in milliseconds */
static inline uint64_t
hy_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Monotonic time in nanoseconds, for measuring durations */
static inline uint64_t
hy_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

#endif
