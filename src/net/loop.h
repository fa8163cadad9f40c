/*
 * loop.h — a small single-threaded epoll event loop with millisecond timers.
 *
 * One epoll fd carries every socket of the loop, so a PostgreSQL worker can
 * register hy_loop_fd() once in its WaitEventSet beside its latch and call
 * hy_loop_run_once(loop, 0) whenever that fd is readable or the timeout
 * from hy_loop_next_timeout() expires.  Tools call hy_loop_run().
 *
 * Timers are intrusive (the owner embeds a hy_timer) and kept in a binary
 * min-heap; the clock is injectable so tests can move time by hand.
 * Deferred calls (hy_defer) run after the current batch of events: the
 * connection layer uses them to coalesce output and to free objects only
 * when nothing on the stack still points at them.
 */
#ifndef HY_NET_LOOP_H
#define HY_NET_LOOP_H

#include <stdint.h>

#define HY_EV_READ 1u
#define HY_EV_WRITE 2u
#define HY_EV_ERROR 4u			/* reported only: EPOLLERR / EPOLLHUP */

typedef struct hy_loop hy_loop;

/* fd readiness: events is a mask of HY_EV_* */
typedef void (*hy_io_cb) (hy_loop *loop, int fd, unsigned events, void *arg);
typedef void (*hy_timer_cb) (hy_loop *loop, void *arg);
typedef void (*hy_defer_cb) (hy_loop *loop, void *arg);
/* Current time in milliseconds from an arbitrary origin */
typedef uint64_t (*hy_clock_fn) (void *arg);

typedef struct hy_timer
{
	uint64_t	deadline;		/* absolute ms */
	hy_timer_cb cb;
	void	   *arg;
	int			heap_idx;		/* -1 when not armed */
} hy_timer;

typedef struct hy_defer
{
	struct hy_defer *next;
	hy_defer_cb cb;
	void	   *arg;
	int			queued;
} hy_defer;

/* Create a loop; NULL if epoll or memory is unavailable */
hy_loop    *hy_loop_new(void);

/* Close the epoll fd and free the loop (fds and timers are the owners') */
void		hy_loop_free(hy_loop *loop);

/* The epoll fd to wait on from outside (readable = run hy_loop_run_once) */
int			hy_loop_fd(const hy_loop *loop);

/* Replace the monotonic clock (tests); NULL restores CLOCK_MONOTONIC */
void		hy_loop_set_clock(hy_loop *loop, hy_clock_fn fn, void *arg);

/* Current loop time in ms (cached per iteration, refreshed by this call) */
uint64_t	hy_loop_now(hy_loop *loop);

/* Watch fd for events (HY_EV_READ|HY_EV_WRITE); 0 or a negative hy_err */
int			hy_loop_add_fd(hy_loop *loop, int fd, unsigned events,
						   hy_io_cb cb, void *arg);

/* Change the event mask of a watched fd */
int			hy_loop_mod_fd(hy_loop *loop, int fd, unsigned events);

/* Stop watching fd (call before close(fd)); pending events are dropped */
void		hy_loop_del_fd(hy_loop *loop, int fd);

/* Prepare a timer (not armed) */
void		hy_timer_init(hy_timer *t, hy_timer_cb cb, void *arg);

/* Arm or re-arm a timer to fire delay_ms from now */
int			hy_timer_start(hy_loop *loop, hy_timer *t, uint64_t delay_ms);

/* Disarm a timer (no-op if not armed) */
void		hy_timer_stop(hy_loop *loop, hy_timer *t);

/* Whether a timer is armed */
static inline int
hy_timer_armed(const hy_timer *t)
{
	return t->heap_idx >= 0;
}

/* Prepare a deferred call */
void		hy_defer_init(hy_defer *d, hy_defer_cb cb, void *arg);

/* Queue a deferred call for the end of this iteration (idempotent) */
void		hy_defer_post(hy_loop *loop, hy_defer *d);

/* Remove a queued deferred call */
void		hy_defer_cancel(hy_loop *loop, hy_defer *d);

/* Milliseconds until the next timer (0 if work is pending, -1 if none) */
int			hy_loop_next_timeout(hy_loop *loop);

/*
 * Wait up to timeout_ms (0 = poll, -1 = until an event or timer) and run
 * ready fd callbacks, expired timers and deferred calls.  Returns the
 * number of callbacks run or a negative hy_err.
 */
int			hy_loop_run_once(hy_loop *loop, int timeout_ms);

/* Run until hy_loop_stop() is called */
int			hy_loop_run(hy_loop *loop);

/* Make hy_loop_run return after the current iteration */
void		hy_loop_stop(hy_loop *loop);

#endif
