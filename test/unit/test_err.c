/*
 * test_err.c — the error-code table covers every code.
 */
#include "tap.h"
#include "core/err.h"

int
main(void)
{
	for (int e = HY_ERR_NOMEM; e <= HY_OK; e++)
		ok(strcmp(hy_strerror(e), "unknown error") != 0, hy_strerror(e));
	is_str(hy_strerror(-99), "unknown error", "unknown code");
	return tap_done();
}
