/*
 * test_loop.c — event loop: timers under an injectable clock, fd
 * callbacks, deferred calls, removal during dispatch.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "net/loop.h"
#include "tap.h"

static uint64_t fake_now;

/* Test clock */
static uint64_t
fake_clock(void *arg)
{
	(void) arg;
	return fake_now;
}

static int fired[8];
static int order[8];
static int norder;

/* Timer callback: record which fired */
static void
on_timer(hy_loop *loop, void *arg)
{
	int			i = (int) (intptr_t) arg;

	(void) loop;
	fired[i]++;
	if (norder < 8)
		order[norder++] = i;
}

static hy_timer *victim;

/* Timer callback that stops another timer */
static void
on_timer_stop_other(hy_loop *loop, void *arg)
{
	(void) arg;
	fired[7]++;
	hy_timer_stop(loop, victim);
}

static int io_hits;
static int io_fd_closed;

/* fd callback: read and count */
static void
on_io(hy_loop *loop, int fd, unsigned events, void *arg)
{
	char		b[16];

	(void) arg;
	if (events & HY_EV_READ)
	{
		if (read(fd, b, sizeof(b)) <= 0)
		{
			hy_loop_del_fd(loop, fd);
			io_fd_closed = 1;
		}
	}
	io_hits++;
}

static int defer_runs;

/* Deferred callback */
static void
on_defer(hy_loop *loop, void *arg)
{
	(void) loop;
	(void) arg;
	defer_runs++;
}

/* Timers */
static void
test_timers(void)
{
	hy_loop    *loop = hy_loop_new();
	hy_timer	t[6];

	fake_now = 1000;
	hy_loop_set_clock(loop, fake_clock, NULL);
	is_int(hy_loop_now(loop), 1000, "injected clock");
	is_int(hy_loop_next_timeout(loop), -1, "no timers: infinite wait");
	for (int i = 0; i < 5; i++)
		hy_timer_init(&t[i], on_timer, (void *) (intptr_t) i);
	hy_timer_start(loop, &t[0], 50);
	hy_timer_start(loop, &t[1], 10);
	hy_timer_start(loop, &t[2], 30);
	hy_timer_start(loop, &t[3], 30);
	hy_timer_start(loop, &t[4], 100);
	hy_timer_stop(loop, &t[4]);
	ok(!hy_timer_armed(&t[4]), "stopped timer is disarmed");
	is_int(hy_loop_next_timeout(loop), 10, "next timeout from the earliest timer");
	hy_loop_run_once(loop, 0);
	is_int(fired[0] + fired[1] + fired[2] + fired[3], 0, "nothing fires early");
	fake_now = 1010;
	hy_loop_run_once(loop, 0);
	is_int(fired[1], 1, "10 ms timer fired at 10 ms");
	is_int(fired[0] + fired[2] + fired[3], 0, "others wait");
	fake_now = 1100;
	hy_loop_run_once(loop, 0);
	ok(fired[0] == 1 && fired[2] == 1 && fired[3] == 1 && fired[4] == 0,
	   "due timers fire once, stopped never");
	ok(order[0] == 1 && order[3] == 0, "fired in deadline order");
	/* re-arm and restart */
	hy_timer_start(loop, &t[1], 5);
	hy_timer_start(loop, &t[1], 50);
	fake_now = 1110;
	hy_loop_run_once(loop, 0);
	is_int(fired[1], 1, "re-armed timer uses the new deadline");
	fake_now = 1150;
	hy_loop_run_once(loop, 0);
	is_int(fired[1], 2, "fires at the new deadline");
	/* a callback stopping another due timer */
	hy_timer_init(&t[5], on_timer_stop_other, NULL);
	hy_timer_start(loop, &t[5], 1);
	hy_timer_start(loop, &t[0], 2);
	victim = &t[0];
	fake_now = 1200;
	hy_loop_run_once(loop, 0);
	ok(fired[7] == 1 && fired[0] == 1, "timer stopped by an earlier callback does not fire");
	/* clock going backwards is ignored */
	fake_now = 10;
	ok(hy_loop_now(loop) >= 1200, "loop time never goes backwards");
	/* many timers */
	{
		hy_timer   *many = calloc(1000, sizeof(*many));
		int			before = fired[6];

		fake_now = 2000;
		for (int i = 0; i < 1000; i++)
		{
			hy_timer_init(&many[i], on_timer, (void *) (intptr_t) 6);
			hy_timer_start(loop, &many[i], (uint64_t) (i * 7919) % 1000);
		}
		for (int i = 0; i < 1000; i += 3)
			hy_timer_stop(loop, &many[i]);
		fake_now = 3000;
		hy_loop_run_once(loop, 0);
		is_int(fired[6] - before, 666, "heap: 1000 timers, 334 stopped, 666 fire");
		free(many);
	}
	hy_loop_free(loop);
}

/* fds and deferred calls */
static void
test_io(void)
{
	hy_loop    *loop = hy_loop_new();
	int			p[2];
	hy_defer	d;

	ok(hy_loop_fd(loop) >= 0, "epoll fd exposed");
	ok(pipe(p) == 0, "pipe");
	is_int(hy_loop_add_fd(loop, p[0], HY_EV_READ, on_io, NULL), HY_OK, "add fd");
	ok(hy_loop_add_fd(loop, -1, HY_EV_READ, on_io, NULL) < 0, "bad fd refused");
	hy_loop_run_once(loop, 0);
	is_int(io_hits, 0, "no event without data");
	ok(write(p[1], "x", 1) == 1, "write");
	hy_loop_run_once(loop, 0);
	is_int(io_hits, 1, "readable event dispatched");
	close(p[1]);
	hy_loop_run_once(loop, 0);
	ok(io_fd_closed, "EOF seen, fd removed inside its callback");
	close(p[0]);
	hy_defer_init(&d, on_defer, NULL);
	hy_defer_post(loop, &d);
	hy_defer_post(loop, &d);
	is_int(hy_loop_next_timeout(loop), 0, "pending defer: do not block");
	hy_loop_run_once(loop, 1000);
	is_int(defer_runs, 1, "deferred call runs once, before blocking");
	hy_defer_post(loop, &d);
	hy_defer_cancel(loop, &d);
	hy_loop_run_once(loop, 0);
	is_int(defer_runs, 1, "cancelled defer does not run");
	hy_loop_free(loop);
}

/* Entry point */
int
main(void)
{
	test_timers();
	test_io();
	return tap_done();
}
