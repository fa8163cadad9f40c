/*
 * limits.h — fixed limits, timeouts and extra error codes of the network
 * layer (src/net).  Every buffer, queue and count in src/net is bounded by
 * one of these; hitting a limit closes the stream or connection and is
 * counted in hy_net_stats, never an abort.
 */
#ifndef HY_NET_LIMITS_H
#define HY_NET_LIMITS_H

/* Connections */
#define HY_NET_MAX_CONNS 4096	/* total live connections per host */
#define HY_NET_MAX_CONNS_PER_IP 64	/* live inbound connections per remote IP */
#define HY_NET_LISTEN_BACKLOG 1024
#define HY_NET_ACCEPT_BATCH 64	/* accepts per readiness event (fairness) */

/* Timeouts (milliseconds) */
#define HY_NET_CONNECT_TIMEOUT_MS 10000
#define HY_NET_HANDSHAKE_TIMEOUT_MS 10000	/* TCP accept/connect -> yamux up */
#define HY_NET_IDLE_TIMEOUT_MS 120000	/* no stream and no traffic */
#define HY_NET_KEEPALIVE_MS 30000	/* yamux ping interval */
#define HY_NET_STREAM_NEGOTIATE_MS 10000	/* multistream on a stream */

/* Buffers (bytes) */
#define HY_NET_WBUF_SOFT 262144		/* above: stop reading the socket */
#define HY_NET_WBUF_HARD 1048576	/* above: close the connection */
#define HY_NET_READ_CHUNK 65536		/* bytes read per read(2) call */
#define HY_NET_READS_PER_EVENT 16	/* read calls per readiness event */

/* yamux */
#define HY_YMX_WINDOW 262144		/* initial per-stream window, both ways */
#define HY_YMX_MAX_STREAMS 256		/* live streams per session */
#define HY_YMX_MAX_FRAME_OUT 65507	/* data payload we send: 12 + 65507 fits one Noise frame */
#define HY_YMX_MAX_FRAME_IN HY_YMX_WINDOW	/* larger Data frames are a session error */

/* identify / ping */
#define HY_ID_MSG_MAX 4096			/* our Identify, varint prefix excluded */
#define HY_ID_IN_MAX 8192			/* largest remote Identify we read */
#define HY_ID_MAX_PROTOCOLS 64		/* protocols we record from a remote */
#define HY_ID_MAX_ADDRS 32			/* listen addresses we record */
#define HY_PING_SIZE 32
#define HY_PING_MAX_STREAMS 2		/* inbound ping streams per connection */

/*
 * Error codes of the network layer, below those of core/err.h (which stop
 * at -7).  hy_net_strerror describes both ranges.
 */
#define HY_NET_ERR_IO (-100)		/* socket error or EOF */
#define HY_NET_ERR_TIMEOUT (-101)	/* a deadline passed */
#define HY_NET_ERR_CLOSED (-102)	/* object already closed */
#define HY_NET_ERR_LIMIT (-103)		/* a fixed limit was hit */
#define HY_NET_ERR_PROTOCOL (-104)	/* the peer broke a protocol rule */
#define HY_NET_ERR_PEER_ID (-105)	/* remote peer ID is not the expected one */
#define HY_NET_ERR_REFUSED (-106)	/* protocol refused (na / RST) */

/* Describe a core or network error code in a short lower-case phrase */
const char *hy_net_strerror(int err);

#endif
