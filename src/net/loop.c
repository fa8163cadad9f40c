/*
 * loop.c — epoll event loop, timer heap and deferred calls (see loop.h).
 *
 * Watched fds live in a table indexed by fd number rather than behind
 * epoll_event.data.ptr: an fd removed while its event is still in the
 * current epoll batch then finds an empty slot (or, if the number was
 * reused, a spurious wakeup that non-blocking code tolerates) instead of
 * freed memory.
 */
#include "net/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

#define LOOP_MAX_EVENTS 256
#define LOOP_MAX_DEFER_ROUNDS 64	/* defers posting defers: bounded passes */

typedef struct loop_io
{
	hy_io_cb	cb;
	void	   *arg;
	unsigned	events;
} loop_io;

struct hy_loop
{
	int			epfd;
	int			stop;
	uint64_t	now;
	hy_clock_fn clock;
	void	   *clock_arg;
	loop_io    *ios;			/* indexed by fd */
	int			nios;
	hy_timer  **heap;
	int			nheap;
	int			capheap;
	hy_defer   *defer_head;
	hy_defer   *defer_tail;
};

/* Read CLOCK_MONOTONIC in milliseconds */
static uint64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void) arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Create a loop */
hy_loop *
hy_loop_new(void)
{
	hy_loop    *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
	{
		free(loop);
		return NULL;
	}
	loop->clock = mono_ms;
	loop->now = mono_ms(NULL);
	return loop;
}

/* Free the loop */
void
hy_loop_free(hy_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->ios);
	free(loop->heap);
	free(loop);
}

/* Return the epoll fd */
int
hy_loop_fd(const hy_loop *loop)
{
	return loop->epfd;
}

/* Install a clock */
void
hy_loop_set_clock(hy_loop *loop, hy_clock_fn fn, void *arg)
{
	loop->clock = fn ? fn : mono_ms;
	loop->clock_arg = fn ? arg : NULL;
	loop->now = loop->clock(loop->clock_arg);
}

/* Refresh and return the loop time */
uint64_t
hy_loop_now(hy_loop *loop)
{
	uint64_t	t = loop->clock(loop->clock_arg);

	/* never let time run backwards, even with a test clock */
	if (t > loop->now)
		loop->now = t;
	return loop->now;
}

/* Translate HY_EV_* into epoll flags */
static uint32_t
ep_flags(unsigned events)
{
	uint32_t	f = 0;

	if (events & HY_EV_READ)
		f |= EPOLLIN | EPOLLRDHUP;
	if (events & HY_EV_WRITE)
		f |= EPOLLOUT;
	return f;
}

/* Make sure the fd table has a slot for fd */
static int
ios_reserve(hy_loop *loop, int fd)
{
	int			n;
	loop_io    *p;

	if (fd < loop->nios)
		return HY_OK;
	n = loop->nios ? loop->nios : 64;
	while (n <= fd)
		n *= 2;
	p = realloc(loop->ios, (size_t) n * sizeof(*p));
	if (!p)
		return HY_ERR_NOMEM;
	memset(p + loop->nios, 0, (size_t) (n - loop->nios) * sizeof(*p));
	loop->ios = p;
	loop->nios = n;
	return HY_OK;
}

/* Watch an fd */
int
hy_loop_add_fd(hy_loop *loop, int fd, unsigned events, hy_io_cb cb, void *arg)
{
	struct epoll_event ev;

	if (fd < 0 || !cb)
		return HY_ERR_INVALID;
	if (ios_reserve(loop, fd) < 0)
		return HY_ERR_NOMEM;
	memset(&ev, 0, sizeof(ev));
	ev.events = ep_flags(events);
	ev.data.fd = fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return HY_ERR_INVALID;
	loop->ios[fd].cb = cb;
	loop->ios[fd].arg = arg;
	loop->ios[fd].events = events;
	return HY_OK;
}

/* Change the event mask of fd */
int
hy_loop_mod_fd(hy_loop *loop, int fd, unsigned events)
{
	struct epoll_event ev;

	if (fd < 0 || fd >= loop->nios || !loop->ios[fd].cb)
		return HY_ERR_INVALID;
	if (loop->ios[fd].events == events)
		return HY_OK;
	memset(&ev, 0, sizeof(ev));
	ev.events = ep_flags(events);
	ev.data.fd = fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return HY_ERR_INVALID;
	loop->ios[fd].events = events;
	return HY_OK;
}

/* Stop watching fd */
void
hy_loop_del_fd(hy_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nios || !loop->ios[fd].cb)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->ios[fd].cb = NULL;
	loop->ios[fd].arg = NULL;
	loop->ios[fd].events = 0;
}

/* Swap two heap slots and fix their indexes */
static void
heap_swap(hy_loop *loop, int a, int b)
{
	hy_timer   *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_idx = a;
	loop->heap[b]->heap_idx = b;
}

/* Move slot i up while it is earlier than its parent */
static void
heap_up(hy_loop *loop, int i)
{
	while (i > 0)
	{
		int			p = (i - 1) / 2;

		if (loop->heap[p]->deadline <= loop->heap[i]->deadline)
			break;
		heap_swap(loop, i, p);
		i = p;
	}
}

/* Move slot i down while a child is earlier */
static void
heap_down(hy_loop *loop, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < loop->nheap && loop->heap[l]->deadline < loop->heap[m]->deadline)
			m = l;
		if (r < loop->nheap && loop->heap[r]->deadline < loop->heap[m]->deadline)
			m = r;
		if (m == i)
			break;
		heap_swap(loop, i, m);
		i = m;
	}
}

/* Prepare a timer */
void
hy_timer_init(hy_timer *t, hy_timer_cb cb, void *arg)
{
	t->deadline = 0;
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

/* Disarm a timer */
void
hy_timer_stop(hy_loop *loop, hy_timer *t)
{
	int			i = t->heap_idx;

	if (i < 0 || i >= loop->nheap || loop->heap[i] != t)
		return;
	loop->nheap--;
	if (i != loop->nheap)
	{
		loop->heap[i] = loop->heap[loop->nheap];
		loop->heap[i]->heap_idx = i;
		heap_down(loop, i);
		heap_up(loop, i);
	}
	t->heap_idx = -1;
}

/* Arm a timer */
int
hy_timer_start(hy_loop *loop, hy_timer *t, uint64_t delay_ms)
{
	hy_timer_stop(loop, t);
	if (loop->nheap == loop->capheap)
	{
		int			n = loop->capheap ? loop->capheap * 2 : 64;
		hy_timer  **h = realloc(loop->heap, (size_t) n * sizeof(*h));

		if (!h)
			return HY_ERR_NOMEM;
		loop->heap = h;
		loop->capheap = n;
	}
	t->deadline = hy_loop_now(loop) + delay_ms;
	t->heap_idx = loop->nheap;
	loop->heap[loop->nheap++] = t;
	heap_up(loop, t->heap_idx);
	return HY_OK;
}

/* Prepare a deferred call */
void
hy_defer_init(hy_defer *d, hy_defer_cb cb, void *arg)
{
	d->next = NULL;
	d->cb = cb;
	d->arg = arg;
	d->queued = 0;
}

/* Queue a deferred call */
void
hy_defer_post(hy_loop *loop, hy_defer *d)
{
	if (d->queued)
		return;
	d->queued = 1;
	d->next = NULL;
	if (loop->defer_tail)
		loop->defer_tail->next = d;
	else
		loop->defer_head = d;
	loop->defer_tail = d;
}

/* Unlink a queued deferred call */
void
hy_defer_cancel(hy_loop *loop, hy_defer *d)
{
	hy_defer  **pp = &loop->defer_head,
			   *prev = NULL;

	if (!d->queued)
		return;
	while (*pp && *pp != d)
	{
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == d)
	{
		*pp = d->next;
		if (loop->defer_tail == d)
			loop->defer_tail = prev;
	}
	d->queued = 0;
	d->next = NULL;
}

/* Run queued deferred calls, including ones they post, a bounded number of passes */
static int
run_defers(hy_loop *loop)
{
	int			ran = 0;

	for (int round = 0; round < LOOP_MAX_DEFER_ROUNDS && loop->defer_head; round++)
	{
		hy_defer   *list = loop->defer_head;

		loop->defer_head = loop->defer_tail = NULL;
		while (list)
		{
			hy_defer   *d = list;

			list = d->next;
			d->next = NULL;
			d->queued = 0;
			d->cb(loop, d->arg);
			ran++;
		}
	}
	return ran;
}

/* Fire every expired timer */
static int
run_timers(hy_loop *loop)
{
	int			ran = 0;
	uint64_t	now = hy_loop_now(loop);

	/* a timer re-armed with delay 0 waits for the next call, not this one */
	while (loop->nheap > 0 && loop->heap[0]->deadline <= now && ran < 100000)
	{
		hy_timer   *t = loop->heap[0];

		hy_timer_stop(loop, t);
		if (t->deadline > now)
			break;
		t->cb(loop, t->arg);
		ran++;
	}
	return ran;
}

/* Milliseconds until the next timer or 0 if deferred work is queued */
int
hy_loop_next_timeout(hy_loop *loop)
{
	uint64_t	now,
				d;

	if (loop->defer_head)
		return 0;
	if (loop->nheap == 0)
		return -1;
	now = hy_loop_now(loop);
	if (loop->heap[0]->deadline <= now)
		return 0;
	d = loop->heap[0]->deadline - now;
	return d > 3600000 ? 3600000 : (int) d;
}

/* One loop iteration */
int
hy_loop_run_once(hy_loop *loop, int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int			n,
				ran = 0,
				tt;

	ran += run_defers(loop);
	tt = hy_loop_next_timeout(loop);
	if (tt >= 0 && (timeout_ms < 0 || tt < timeout_ms))
		timeout_ms = tt;
	n = epoll_wait(loop->epfd, evs, LOOP_MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		return HY_ERR_INVALID;
	hy_loop_now(loop);
	for (int i = 0; i < n; i++)
	{
		int			fd = evs[i].data.fd;
		unsigned	e = 0;
		loop_io    *io;

		if (fd < 0 || fd >= loop->nios)
			continue;
		io = &loop->ios[fd];
		if (!io->cb)
			continue;			/* removed by an earlier callback */
		if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
			e |= HY_EV_READ;
		if (evs[i].events & EPOLLOUT)
			e |= HY_EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			e |= HY_EV_ERROR | HY_EV_READ;
		io->cb(loop, fd, e, io->arg);
		ran++;
	}
	ran += run_timers(loop);
	ran += run_defers(loop);
	return ran;
}

/* Run until stopped */
int
hy_loop_run(hy_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop)
	{
		int			rc = hy_loop_run_once(loop, -1);

		if (rc < 0)
			return rc;
	}
	return HY_OK;
}

/* Ask hy_loop_run to return */
void
hy_loop_stop(hy_loop *loop)
{
	loop->stop = 1;
}
