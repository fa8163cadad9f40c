/*
 * tap.h — a tiny Test Anything Protocol emitter for the C unit tests.
 *
 * Each test program includes this header once, calls the check macros and
 * ends main() with "return tap_done();".  prove(1) reads the output.
 */
#ifndef HY_TEST_TAP_H
#define HY_TEST_TAP_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>

static int	tap_count;
static int	tap_failed;

/* Report one check; returns the condition so callers can branch on it */
static inline int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, name);
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	return cond;
}

/* Print a byte string as hex in a TAP diagnostic line */
static inline void
tap_diag_hex(const char *label, const uint8_t *p, size_t n)
{
	printf("#   %s: ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf(" (%zu bytes)\n", n);
}

/* Print the plan and return the process exit status */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

#define is_int(got, want, name) do { \
	long long _g = (long long) (got), _w = (long long) (want); \
	if (!ok(_g == _w, (name))) \
		printf("#   got %lld, want %lld\n", _g, _w); \
} while (0)

#define is_str(got, want, name) do { \
	const char *_g = (got), *_w = (want); \
	if (!ok(_g && _w && strcmp(_g, _w) == 0, (name))) \
		printf("#   got \"%s\"\n#   want \"%s\"\n", _g ? _g : "(null)", _w ? _w : "(null)"); \
} while (0)

#define is_mem(got, gotlen, want, wantlen, name) do { \
	const uint8_t *_g = (const uint8_t *) (got), *_w = (const uint8_t *) (want); \
	size_t _gl = (size_t) (gotlen), _wl = (size_t) (wantlen); \
	if (!ok(_gl == _wl && memcmp(_g, _w, _wl) == 0, (name))) { \
		tap_diag_hex("got ", _g, _gl); tap_diag_hex("want", _w, _wl); \
	} \
} while (0)

#endif
