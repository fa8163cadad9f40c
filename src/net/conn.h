/*
 * conn.h — libp2p hosts, connections and streams over TCP.
 *
 * A hy_host owns one identity (Ed25519 keypair), its listeners, its live
 * connections and a table of stream protocol handlers, all driven by one
 * hy_loop.  Each connection runs the upgrade pipeline described in
 * src/net/README.md (multistream /noise -> Noise XX -> multistream
 * /yamux/1.0.0 -> yamux) and then carries streams, each negotiated again
 * with multistream and handed to a registered handler.  identify
 * (/ipfs/id/1.0.0 and push) and ping (/ipfs/ping/1.0.0) are built in; the
 * DHT registers its own handlers with hy_host_add_handler.
 *
 * Everything is bounded (limits.h) and every limit hit or failure is
 * counted in hy_net_stats.  Single-threaded: call everything from the
 * loop's thread.
 */
#ifndef HY_NET_CONN_H
#define HY_NET_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/keys.h"
#include "net/identify.h"
#include "net/limits.h"
#include "net/loop.h"
#include "net/yamux.h"

typedef struct hy_host hy_host;
typedef struct hy_conn hy_conn;
typedef struct hy_stream hy_stream;

/* Why a connection ended or a handshake failed (index into the stats) */
typedef enum hy_conn_reason
{
	HY_REASON_NONE = 0,
	HY_REASON_LOCAL,			/* closed by us (API) */
	HY_REASON_EOF,				/* remote closed TCP */
	HY_REASON_IO,				/* socket error or failed connect */
	HY_REASON_TIMEOUT,			/* handshake or connect deadline */
	HY_REASON_MULTISTREAM,		/* security or muxer negotiation failed */
	HY_REASON_NOISE,			/* handshake or decryption failed */
	HY_REASON_PEER_ID,			/* remote is not the peer we dialed */
	HY_REASON_YAMUX,			/* yamux protocol error */
	HY_REASON_WBUF,				/* write buffer hard limit */
	HY_REASON_IDLE,				/* idle deadline */
	HY_REASON_KEEPALIVE,		/* keepalive ping unanswered */
	HY_REASON_GOAWAY,			/* remote sent GoAway */
	HY_REASON_NOMEM,
	HY_REASON_SHUTDOWN,			/* host freed */
	HY_REASON_COUNT
} hy_conn_reason;

/* Text of a reason ("timeout", "noise", ...) */
const char *hy_conn_reason_name(hy_conn_reason r);

typedef struct hy_net_stats
{
	uint64_t	accepted;		/* inbound TCP connections admitted */
	uint64_t	refused_total;	/* over the total connection limit */
	uint64_t	refused_per_ip; /* over the per-IP limit */
	uint64_t	accept_errors;	/* accept(2) failures (EMFILE, ...) */
	uint64_t	dials;			/* outbound connections started */
	uint64_t	dial_errors;	/* could not even start */
	uint64_t	handshakes_ok;	/* connections that reached yamux */
	uint64_t	handshakes_failed;	/* sum of the next array */
	uint64_t	handshake_failed_by[HY_REASON_COUNT];
	uint64_t	closed_by[HY_REASON_COUNT];	/* established connections */
	uint64_t	streams_negotiated;	/* handler attached */
	uint64_t	streams_na;		/* remote proposed nothing we serve */
	uint64_t	streams_negotiate_failed;	/* bad multistream, timeout, na */
	uint64_t	streams_over_limit;	/* too many negotiating or ping streams */
	uint64_t	identify_ok;
	uint64_t	identify_failed;
	uint64_t	identify_push;
	uint64_t	pings_served;	/* inbound ping streams */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	live_conns;
	hy_ymx_stats ymx;
} hy_net_stats;

/*
 * A stream protocol handler.  Strings and the struct itself must outlive
 * the host (static const in practice).  All callbacks are optional but
 * on_open.  A handler owns its per-stream user pointer and frees it in
 * on_close, which is called exactly once for every stream that reached
 * on_open (or was opened with hy_conn_open_stream).
 */
typedef struct hy_proto_handler
{
	const char *protocol;
	/* negotiated; may set *user; return <0 to reset the stream */
	int			(*on_open) (hy_stream *s, void **user);
	/* bytes from the remote; return <0 to reset the stream */
	int			(*on_data) (hy_stream *s, void *user, const uint8_t *p, size_t n);
	/* the remote half-closed */
	void		(*on_eof) (hy_stream *s, void *user);
	/* the send window grew after a short write */
	void		(*on_writable) (hy_stream *s, void *user);
	/* the stream is gone; reset != 0 if aborted or never negotiated */
	void		(*on_close) (hy_stream *s, void *user, int reset);
	void	   *ctx;			/* handler-wide context, hy_stream_handler_ctx */
} hy_proto_handler;

typedef struct hy_host_cbs
{
	/* upgrade finished (peer ID known); inbound or outbound */
	void		(*conn_ready) (hy_conn *c, void *arg);
	/* the remote's Identify has been parsed (or failed: ok = 0) */
	void		(*conn_identified) (hy_conn *c, int ok, void *arg);
	/* an inbound ping stream was served to its end */
	void		(*pinged) (hy_conn *c, void *arg);
	/* the connection is gone (also after a failed upgrade); last call */
	void		(*conn_closed) (hy_conn *c, hy_conn_reason reason, void *arg);
} hy_host_cbs;

typedef struct hy_host_config
{
	const hy_keypair *keypair;	/* required; borrowed */
	const char *agent;			/* agentVersion, default "hydra/0.1.0" */
	const char *const *announce;	/* extra protocols listed by identify */
	int			nannounce;
	int			max_conns;		/* 0 = HY_NET_MAX_CONNS */
	int			max_conns_per_ip;	/* 0 = HY_NET_MAX_CONNS_PER_IP */
	int			handshake_timeout_ms;	/* 0 = default */
	int			idle_timeout_ms;	/* 0 = default; < 0 = never */
	int			keepalive_ms;	/* 0 = default; < 0 = never */
	int			identify_on_connect;	/* open /ipfs/id/1.0.0 to every peer: 1 */
} hy_host_config;

/* Default config for a keypair (identify on connect, default limits) */
void		hy_host_config_init(hy_host_config *cfg, const hy_keypair *kp);

/* Create a host; NULL on error */
hy_host    *hy_host_new(hy_loop *loop, const hy_host_config *cfg,
						const hy_host_cbs *cbs, void *cb_arg);

/* Close every connection and listener and free the host */
void		hy_host_free(hy_host *h);

/*
 * Listen on a numeric IPv4/IPv6 host and port (0 = ephemeral).  The bound
 * address becomes one of identify's listenAddrs unless it is unspecified
 * (0.0.0.0 / ::).  *bound_port gets the real port.  HY_OK or hy_err.
 */
int			hy_host_listen(hy_host *h, const char *ip, uint16_t port,
						   uint16_t *bound_port);

/* Add an address to announce in identify (binary multiaddr, no /p2p) */
int			hy_host_add_announce_addr(hy_host *h, const uint8_t *ma, size_t len);

/*
 * Register a stream protocol handler for inbound streams (and announce it
 * in identify).  At most HY_MSS_MAX_PROTOCOLS handlers per host.
 */
int			hy_host_add_handler(hy_host *h, const hy_proto_handler *ph);

/*
 * Dial a multiaddr /ip4|ip6/.../tcp/<port>[/p2p/<id>]; with /p2p the remote
 * must prove that identity.  Returns the connection (upgrade in progress;
 * conn_ready or conn_closed follows) or NULL with *err set.
 */
hy_conn    *hy_host_dial(hy_host *h, const uint8_t *ma, size_t ma_len,
						 void *user, int *err);

/* Counters */
const hy_net_stats *hy_host_stats(const hy_host *h);
hy_loop    *hy_host_loop(const hy_host *h);
const hy_keypair *hy_host_keypair(const hy_host *h);
int			hy_host_nconns(const hy_host *h);

/* Close a connection (asynchronous: conn_closed follows) */
void		hy_conn_close(hy_conn *c);

/* Connection accessors */
int			hy_conn_is_dialer(const hy_conn *c);
int			hy_conn_is_ready(const hy_conn *c);
const uint8_t *hy_conn_peer_id(const hy_conn *c, size_t *len);	/* NULL before Noise */
const uint8_t *hy_conn_remote_addr(const hy_conn *c, size_t *len);	/* binary multiaddr */
const hy_id_info *hy_conn_identify(const hy_conn *c);	/* NULL until identified */
void	   *hy_conn_user(const hy_conn *c);
void		hy_conn_set_user(hy_conn *c, void *user);
hy_host    *hy_conn_host(const hy_conn *c);

/*
 * Open a stream and negotiate ph->protocol on it.  ph->on_open follows on
 * success (user is passed in *user), ph->on_close(reset = 1) on refusal.
 * NULL when the connection cannot open streams now.
 */
hy_stream  *hy_conn_open_stream(hy_conn *c, const hy_proto_handler *ph, void *user);

/* Send up to n bytes (flow control); bytes taken or a negative hy_err */
int			hy_stream_write(hy_stream *s, const uint8_t *p, size_t n);

/* Send all n bytes or nothing (HY_NET_ERR_LIMIT if the window is short) */
int			hy_stream_write_all(hy_stream *s, const uint8_t *p, size_t n);

/* Half-close (FIN) / abort (RST) */
int			hy_stream_close(hy_stream *s);
int			hy_stream_reset(hy_stream *s);

hy_conn    *hy_stream_conn(const hy_stream *s);
void	   *hy_stream_handler_ctx(const hy_stream *s);
int			hy_stream_is_inbound(const hy_stream *s);
uint32_t	hy_stream_id(const hy_stream *s);

#endif
