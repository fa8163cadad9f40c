/*
 * yamux.h — a yamux session (/yamux/1.0.0) as a pure state machine.
 *
 * No sockets here: the owner feeds received plaintext with hy_ymx_input()
 * and gets every frame to send through cbs->output.  Streams are created by
 * the remote (SYN, reported through cbs->accept) or by us (hy_ymx_open).
 *
 * Rules enforced (hostile input ends in a session error, never a crash):
 * version 0 and the four frame types only; the dialer opens odd ids and
 * the listener even ones, a remote SYN with our parity, id 0 or an id at or
 * below the highest it used before is a protocol error (GoAway 1); Data
 * beyond the receive window or longer than HY_YMX_MAX_FRAME_IN is a
 * protocol error; window updates may not overflow 2^32-1.  Over
 * HY_YMX_MAX_STREAMS live streams, or after GoAway, a new remote stream is
 * refused with RST and counted.
 *
 * Flow control: 256 KiB each way per stream.  Received data is handed to
 * cbs->data at once and credited back with a WindowUpdate once half the
 * window has been consumed, so the owner must consume or bound what it
 * buffers.  hy_ymx_write() never sends beyond the remote's window: it
 * returns how many bytes it took, and cbs->writable fires when the window
 * grows again.
 *
 * Callbacks may call any stream function and hy_ymx_open, but must not free
 * the session.  Closed streams stay allocated (and ignore further calls)
 * until hy_ymx_reap(), which hy_ymx_input() also runs before returning.
 */
#ifndef HY_NET_YAMUX_H
#define HY_NET_YAMUX_H

#include <stddef.h>
#include <stdint.h>

#include "net/yamux_frame.h"

typedef struct hy_ymx hy_ymx;
typedef struct hy_ymx_stream hy_ymx_stream;

/* Counters; may be shared by every session of a host */
typedef struct hy_ymx_stats
{
	uint64_t	streams_in;		/* remote streams accepted */
	uint64_t	streams_out;	/* streams we opened */
	uint64_t	streams_refused;	/* remote streams answered with RST */
	uint64_t	streams_reset;	/* streams the remote reset */
	uint64_t	protocol_errors;	/* sessions ended by a protocol error */
	uint64_t	pings_answered;
	uint64_t	keepalive_timeouts;
	uint64_t	goaways_received;
} hy_ymx_stats;

typedef struct hy_ymx_cbs
{
	/* Frame bytes to send; <0 ends the session (output limit hit) */
	int			(*output) (void *arg, const uint8_t *p, size_t n);
	/* A remote stream opened; return <0 to refuse it (RST) */
	int			(*accept) (void *arg, hy_ymx_stream *st);
	/* Data received on a stream */
	void		(*data) (void *arg, hy_ymx_stream *st, const uint8_t *p, size_t n);
	/* The remote half-closed the stream (FIN) */
	void		(*eof) (void *arg, hy_ymx_stream *st);
	/* The send window grew (optional) */
	void		(*writable) (void *arg, hy_ymx_stream *st);
	/* The stream is gone (both FINs, or RST when reset != 0); last call */
	void		(*closed) (void *arg, hy_ymx_stream *st, int reset);
	/* An answer to our ping arrived (optional) */
	void		(*pong) (void *arg, uint32_t value);
	/* The remote sent GoAway (optional) */
	void		(*goaway) (void *arg, uint32_t code);
} hy_ymx_cbs;

/* Create a session; is_dialer selects odd (dialer) or even stream ids */
hy_ymx	   *hy_ymx_new(int is_dialer, const hy_ymx_cbs *cbs, void *arg,
					   hy_ymx_stats *stats);

/* Free the session; live streams get closed(reset = 1) first */
void		hy_ymx_free(hy_ymx *s);

/*
 * Feed received bytes (any split).  HY_OK, or a negative hy_err after which
 * the session is dead (a GoAway has been sent when the peer was at fault).
 */
int			hy_ymx_input(hy_ymx *s, const uint8_t *p, size_t n);

/* Open a stream (SYN); NULL at the stream limit, after GoAway or on error */
hy_ymx_stream *hy_ymx_open(hy_ymx *s);

/* Send up to n bytes within the remote's window; bytes taken or hy_err */
int			hy_ymx_write(hy_ymx_stream *st, const uint8_t *p, size_t n);

/* Half-close our side (FIN) */
int			hy_ymx_close(hy_ymx_stream *st);

/* Abort the stream (RST); closed(reset = 1) follows at once */
int			hy_ymx_reset(hy_ymx_stream *st);

/* Send a Ping(SYN) with this value */
int			hy_ymx_ping(hy_ymx *s, uint32_t value);

/*
 * Keepalive tick: HY_NET_ERR_TIMEOUT if the previous keepalive ping is
 * still unanswered (the owner should close), else send a new one.
 */
int			hy_ymx_keepalive(hy_ymx *s);

/* Send GoAway(code) and refuse new streams from then on */
int			hy_ymx_goaway(hy_ymx *s, uint32_t code);

/* Free streams that have closed */
void		hy_ymx_reap(hy_ymx *s);

/* Live (not closed) streams */
int			hy_ymx_nstreams(const hy_ymx *s);

/* Whether the session has failed or the remote sent GoAway */
int			hy_ymx_failed(const hy_ymx *s);
int			hy_ymx_remote_goaway(const hy_ymx *s);

uint32_t	hy_ymx_stream_id(const hy_ymx_stream *st);
uint32_t	hy_ymx_send_window(const hy_ymx_stream *st);
int			hy_ymx_stream_is_open(const hy_ymx_stream *st);	/* not closed */
int			hy_ymx_stream_can_write(const hy_ymx_stream *st);	/* no FIN sent */
void	   *hy_ymx_stream_user(const hy_ymx_stream *st);
void		hy_ymx_stream_set_user(hy_ymx_stream *st, void *user);
hy_ymx	   *hy_ymx_stream_session(const hy_ymx_stream *st);

#endif
