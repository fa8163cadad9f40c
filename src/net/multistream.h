/*
 * multistream.h — multistream-select 1.0 as a buffer-in/buffer-out state
 * machine (no sockets, no malloc).
 *
 * Wire: every message is uvarint(len) || text || '\n', len counting the
 * newline, len <= HY_MSS_MSG_MAX.  Both sides send "/multistream/1.0.0"
 * first; the dialer then proposes protocols one at a time and the listener
 * echoes the one it accepts or answers "na".
 *
 * Driving it (both roles):
 *
 *	hy_mss m;
 *	hy_mss_init_listener(&m, protos, n);	// queues our header at once
 *	send(hy_mss_pending_output(&m, &len)); hy_mss_consume_output(&m, len);
 *	on every read of buf[0..len):
 *		rc = hy_mss_feed(&m, buf, len, &used);
 *		send the pending output (also when rc < 0 it may hold nothing)
 *		rc == HY_MSS_MORE: if used < len, the output buffer was full: drain
 *			it and feed buf + used again; else wait for more bytes
 *		rc == HY_MSS_DONE: protocol hy_mss_selected(&m) was agreed; the
 *			bytes buf[used..len) already belong to that protocol (pipelined
 *			data) and must be handed to the next layer
 *		rc < 0: hy_err, close the connection or reset the stream
 *
 * The listener accepts a proposal only if it is byte-equal to one of its
 * protocols; "ls" and everything else get "na".  HY_MSS_MAX_REJECTS
 * proposals are answered "na"; the next refused one fails the negotiation
 * (HY_ERR_TOO_LONG) so a peer cannot keep us busy.
 * The dialer queues header + first proposal together (pipelined) and, on
 * "na", the next proposal; when the list is exhausted it fails with
 * HY_ERR_UNSUPPORTED.  A dialer with a single proposal may append its own
 * protocol data right after draining the initial output without waiting
 * for DONE (optimistic), at its own risk.
 *
 * The protocol strings are borrowed, not copied: they must outlive the
 * hy_mss (string literals in practice).
 */
#ifndef HY_NET_MULTISTREAM_H
#define HY_NET_MULTISTREAM_H

#include <stddef.h>
#include <stdint.h>

#define HY_MSS_PROTOCOL "/multistream/1.0.0"
#define HY_MSS_MSG_MAX 1024		/* longest message, '\n' included (as go) */
#define HY_MSS_MAX_PROTOCOLS 16 /* entries in a protocol or proposal list */
#define HY_MSS_MAX_REJECTS 8	/* refused proposals before we give up */
#define HY_MSS_OUT_MAX 2080		/* header + several na + one echo */

/* hy_mss_feed results besides negative hy_err codes */
#define HY_MSS_MORE 0			/* need more input (or output drained) */
#define HY_MSS_DONE 1			/* a protocol was selected */

typedef enum hy_mss_role
{
	HY_MSS_LISTENER = 0,
	HY_MSS_DIALER = 1
} hy_mss_role;

typedef struct hy_mss
{
	const char *const *protos;	/* borrowed list: supported or proposed */
	int			nprotos;
	uint8_t		role;			/* hy_mss_role */
	uint8_t		got_header;		/* remote header seen */
	uint8_t		done;			/* selection finished */
	uint8_t		failed;			/* an error was returned; sticky */
	int			selected;		/* index into protos once done, else -1 */
	int			proposing;		/* dialer: index of the outstanding proposal */
	int			rejects;		/* listener: proposals answered na */
	/* partial inbound message: varint bytes then body */
	uint16_t	in_len;			/* bytes of the current message buffered */
	uint16_t	msg_len;		/* decoded length, 0 while the varint is open */
	uint8_t		hdr_len;		/* varint bytes of the current message */
	uint8_t		len_done;		/* the varint is complete, body follows */
	uint8_t		in[HY_MSS_MSG_MAX + 2];
	/* outbound bytes the caller has not drained yet */
	uint16_t	out_len;
	uint8_t		out[HY_MSS_OUT_MAX];
} hy_mss;

/*
 * Start a listener supporting protocols[0..n); queues our header.  Fails
 * with HY_ERR_INVALID on n outside 1..HY_MSS_MAX_PROTOCOLS or an empty or
 * newline-containing name, HY_ERR_TOO_LONG on a name over 1023 bytes.
 */
int			hy_mss_init_listener(hy_mss *m, const char *const *protocols, int n);

/* Start a dialer proposing proposals[0..n) in order; queues header + first */
int			hy_mss_init_dialer(hy_mss *m, const char *const *proposals, int n);

/*
 * Feed received bytes; *consumed says how many were used.  Returns
 * HY_MSS_MORE, HY_MSS_DONE or a negative hy_err (then the state is dead
 * and every later call returns the same kind of error).
 */
int			hy_mss_feed(hy_mss *m, const uint8_t *in, size_t len, size_t *consumed);

/* Index of the selected protocol in the init list, or -1 before DONE */
int			hy_mss_selected(const hy_mss *m);

/* Name of the selected protocol, or NULL before DONE */
const char *hy_mss_selected_name(const hy_mss *m);

/* Bytes waiting to be sent; *len receives their count (may be 0) */
const uint8_t *hy_mss_pending_output(const hy_mss *m, size_t *len);

/* Drop the first n pending output bytes after the caller sent them */
void		hy_mss_consume_output(hy_mss *m, size_t n);

/*
 * Encode one multistream message (uvarint(len+1) || text || '\n') into
 * out[0..cap); returns bytes written or a negative hy_err.  Useful to
 * callers that pipeline a header and proposal on their own.
 */
int			hy_mss_encode(const char *text, uint8_t *out, size_t cap);

#endif
