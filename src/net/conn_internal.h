/*
 * conn_internal.h — structures shared by the conn_*.c files (not API).
 */
#ifndef HY_NET_CONN_INTERNAL_H
#define HY_NET_CONN_INTERNAL_H

#include <sys/socket.h>

#include "net/conn.h"
#include "net/conn_buf.h"
#include "net/multistream.h"
#include "net/noise.h"
#include "net/tcp.h"

#define HY_HOST_MAX_HANDLERS HY_MSS_MAX_PROTOCOLS
#define HY_HOST_MAX_LISTENERS 8
#define HY_HOST_MAX_ANNOUNCE_ADDRS 16
#define HY_CONN_TICK_MS 5000		/* periodic check once established */
#define HY_CONN_MAX_NEGOTIATING 16	/* streams in multistream per connection */
#define HY_YAMUX_PROTOCOL "/yamux/1.0.0"

typedef enum conn_state
{
	CS_CONNECTING = 0,			/* dialer: TCP connect in progress */
	CS_MSS_SECURITY,			/* multistream for /noise on raw TCP */
	CS_NOISE,					/* Noise XX handshake */
	CS_MSS_MUXER,				/* multistream for /yamux/1.0.0 inside Noise */
	CS_READY,					/* yamux session up */
	CS_CLOSING					/* teardown queued */
} conn_state;

typedef struct hy_listener
{
	hy_host    *host;
	int			fd;
	uint16_t	port;
} hy_listener;

struct hy_stream
{
	hy_conn    *conn;
	hy_ymx_stream *ys;
	const hy_proto_handler *ph; /* NULL while negotiating an inbound stream */
	void	   *user;
	hy_mss	   *mss;			/* during negotiation only */
	uint64_t	started;		/* ms, for the negotiation deadline */
	uint8_t		inbound;
	uint8_t		opened;			/* on_open ran: on_close is owed */
	uint8_t		is_ping;		/* counts against the ping stream limit */
	uint8_t		ping_partial;	/* bytes of the current ping payload echoed */
	uint8_t		dead;			/* yamux stream closed; free when !busy */
	uint8_t		on_neg_list;
	int			busy;			/* handler calls for it on the stack */
	hy_stream  *neg_prev;		/* list of negotiating inbound streams */
	hy_stream  *neg_next;
};

struct hy_conn
{
	hy_host    *host;
	hy_conn    *prev;
	hy_conn    *next;
	int			fd;
	conn_state	state;
	uint8_t		dialer;
	uint8_t		ready_reported;
	uint8_t		read_paused;
	uint8_t		want_write;
	uint8_t		ip_counted;
	uint8_t		identified;
	hy_conn_reason close_reason;
	struct sockaddr_storage remote;
	socklen_t	remote_len;
	uint8_t		ipkey[16];
	uint8_t		remote_ma[32];
	uint8_t		remote_ma_len;
	uint8_t		peer_id[HY_PEER_ID_MAX];
	uint8_t		peer_id_len;
	uint8_t		expect_len;		/* dialer: required peer ID, 0 = any */
	uint8_t		expect[HY_PEER_ID_MAX];
	hy_timer	timer;
	hy_defer	defer;			/* flush output, or tear down when closing */
	hy_buf		rbuf;			/* partial frame from the socket */
	hy_buf		wbuf;			/* bytes for the socket */
	hy_buf		pbuf;			/* plaintext waiting to be sealed */
	hy_mss	   *mss;			/* upgrade negotiation */
	hy_noise   *noise;			/* handshake only */
	hy_noise_transport *tx;		/* after the handshake */
	hy_ymx	   *ymx;
	hy_id_info *idinfo;
	uint64_t	last_active;	/* ms: last byte in or out or live stream */
	uint64_t	last_keepalive;
	int			negotiating;	/* inbound streams in multistream */
	hy_stream  *neg_list;
	int			ping_streams;	/* inbound ping streams live */
	void	   *user;
};

struct hy_host
{
	hy_loop    *loop;
	hy_host_config cfg;
	hy_host_cbs cbs;
	void	   *cb_arg;
	hy_noise_identity *nid;
	hy_net_stats stats;
	hy_conn    *conns;
	int			nconns;
	hy_ipcount	ipcount;
	hy_listener listeners[HY_HOST_MAX_LISTENERS];
	int			nlisteners;
	const hy_proto_handler *handlers[HY_HOST_MAX_HANDLERS];
	const char *handler_names[HY_HOST_MAX_HANDLERS];
	int			nhandlers;
	uint8_t		addrs[HY_HOST_MAX_ANNOUNCE_ADDRS][32];
	size_t		addr_lens[HY_HOST_MAX_ANNOUNCE_ADDRS];
	int			naddrs;
	uint8_t		scratch[HY_NET_READ_CHUNK];
};

/* conn_io.c */
hy_conn    *hy_conn_new(hy_host *h, int fd, int dialer,
						const struct sockaddr *sa, socklen_t salen);
void		hy_conn_fail(hy_conn *c, hy_conn_reason reason);
void		hy_conn_teardown(hy_conn *c);
int			hy_conn_send_raw(hy_conn *c, const uint8_t *p, size_t n);
int			hy_conn_send_plain(void *arg, const uint8_t *p, size_t n);
void		hy_conn_flush(hy_conn *c);
void		hy_conn_schedule_flush(hy_conn *c);
void		hy_conn_io_cb(hy_loop *loop, int fd, unsigned events, void *arg);

/* conn_upgrade.c */
int			hy_conn_upgrade_start(hy_conn *c);
int			hy_conn_upgrade_input(hy_conn *c, uint8_t *p, size_t n, size_t *used);
void		hy_conn_timer_cb(hy_loop *loop, void *arg);

/* conn_stream.c */
extern const hy_ymx_cbs hy_conn_ymx_cbs;
void		hy_conn_streams_tick(hy_conn *c, uint64_t now);

/* identify_handler.c / ping.c */
extern const hy_proto_handler hy_identify_handler;
extern const hy_proto_handler hy_identify_push_handler;
extern const hy_proto_handler hy_ping_handler;
int			hy_identify_request(hy_conn *c);
void		hy_conn_report_identified(hy_conn *c, int ok);

#endif
