/*
 * server.h — the Kademlia DHT server (/ipfs/kad/1.0.0) for many heads.
 *
 * One hy_dht_server answers for every head (one hy_host each) attached to
 * it, from one shared store (store.h) and one routing table (rtable.h).
 * Each head keeps its own peer ID: it is left out of the closer peers it
 * sends, and FIND_NODE for it answers with itself.
 *
 * Per stream: requests are read one after the other (several per stream),
 * the input buffer is capped at one maximal message, and while an answer
 * cannot be sent (the remote does not read) no further request is
 * processed.  Malformed input, an oversized message, an empty or too long
 * key, or an invalid request resets the stream without an answer.
 * ADD_PROVIDER is never answered.  Everything is counted in
 * hy_dht_stats.  Single-threaded, on the hosts' loop.
 */
#ifndef HY_DHT_SERVER_H
#define HY_DHT_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "dht/kad_msg.h"
#include "dht/ratelimit.h"
#include "dht/rtable.h"
#include "dht/store.h"
#include "net/conn.h"

#define HY_DHT_PROTO_MAX 128	/* longest protocol id (prefix + /kad/1.0.0) */
#define HY_DHT_MAX_PROVIDERS 64 /* hard cap of max_providers */

typedef struct hy_dht_server hy_dht_server;

/* Something worth logging happened (the standalone node prints these) */
typedef enum hy_dht_event_type
{
	HY_DHT_EV_PROVIDER_STORED,	/* ADD_PROVIDER queued in the store */
	HY_DHT_EV_PROVIDER_IGNORED, /* ADD_PROVIDER for someone else / no address */
	HY_DHT_EV_PROVIDERS_SERVED, /* GET_PROVIDERS answered; count = providers,
								 * result = hy_dht_served */
	HY_DHT_EV_VALUE_STORED,		/* PUT_VALUE accepted */
	HY_DHT_EV_VALUE_REJECTED,	/* PUT_VALUE refused; result = why */
	HY_DHT_EV_REQUEST_DONE		/* a request was handled (answered, or
								 * ADD_PROVIDER taken); result = its kad
								 * type, duration_ns = decode to encoded
								 * answer */
} hy_dht_event_type;

/* How a GET_PROVIDERS answer was made (result of HY_DHT_EV_PROVIDERS_SERVED) */
typedef enum hy_dht_served
{
	HY_DHT_SERVED_STORE = 0,	/* the store was asked: a hit or a real miss */
	HY_DHT_SERVED_DECLINED,		/* over store_reads_per_s: closer peers only */
	HY_DHT_SERVED_STORE_ERROR	/* the store failed: closer peers only */
} hy_dht_served;

typedef struct hy_dht_event
{
	hy_dht_event_type type;
	int			head;			/* index returned by hy_dht_server_add_head */
	const uint8_t *key;
	size_t		key_len;
	const uint8_t *peer;		/* the provider, or the remote */
	size_t		peer_len;
	int			count;
	int			result;
	uint64_t	duration_ns;	/* HY_DHT_EV_REQUEST_DONE only */
} hy_dht_event;

typedef struct hy_dht_server_config
{
	hy_store	store;			/* required */
	hy_rtable  *rt;				/* required; shared by all heads */
	/* locking of rt (shared memory); both NULL in a single process */
	void		(*rt_lock) (void *arg, int exclusive);
	void		(*rt_unlock) (void *arg);
	void	   *lock_arg;
	const char *protocol_prefix;	/* hydra.protocol_prefix, default "/ipfs" */
	int			k;				/* closer peers per answer (default 20) */
	int			max_providers;	/* hydra.max_providers_per_response (20) */
	int			allow_private;	/* keep private/loopback provider addresses */
	/* wall clock in Unix ms (default: CLOCK_REALTIME) */
	uint64_t	(*now_ms) (void *arg);
	void	   *clock_arg;
	void		(*on_event) (void *arg, const hy_dht_event *ev);	/* optional */
	void	   *event_arg;

	/*
	 * Graceful decline: store reads (GET_PROVIDERS, GET_VALUE) and writes
	 * of PUT_VALUE per second, over all heads of this server; beyond it
	 * GET_PROVIDERS and GET_VALUE are answered with closer peers only and
	 * PUT_VALUE is refused, so the database never sees more than this.
	 * Full decline: kad requests per second beyond which requests other
	 * than PING are refused (stream reset, the cheapest answer).  0 =
	 * unlimited (both).
	 */
	uint32_t	store_ops_per_s;
	uint32_t	requests_per_s;

	/*
	 * With a store that has get_providers_many: GET_PROVIDERS on real
	 * streams wait (up to HY_DHT_BATCH_MAX of them) until the caller runs
	 * hy_dht_server_flush_pending, once per pass of its event loop, and
	 * are looked up together.  The stream reads nothing more meanwhile.
	 */
	int			batch_get_providers;
} hy_dht_server_config;

typedef struct hy_dht_stats
{
	uint64_t	received[HY_KAD_NTYPES];
	uint64_t	answered[HY_KAD_NTYPES];
	uint64_t	errors[HY_KAD_NTYPES];	/* invalid request: stream reset */
	uint64_t	streams;		/* inbound kad streams opened */
	uint64_t	streams_reset;	/* by us */
	uint64_t	msg_too_large;	/* prefix over HY_KAD_MSG_IN_MAX */
	uint64_t	msg_malformed;	/* bad prefix or protobuf, arena exceeded */
	uint64_t	msg_unknown_type;
	uint64_t	bad_key;		/* empty or longer than 80 bytes */
	uint64_t	input_overflow; /* remote kept sending while not reading */
	uint64_t	providers_stored;
	uint64_t	providers_wrong_peer;	/* provider is not the sender: ignored */
	uint64_t	providers_no_addrs; /* no usable address, identify had none */
	uint64_t	providers_shed; /* store queue full */
	uint64_t	providers_served;	/* provider peers sent */
	uint64_t	store_errors;
	uint64_t	values_stored;
	uint64_t	values_rejected;	/* invalid, wrong namespace, mismatch */
	uint64_t	values_older;	/* older than the stored record */
	uint64_t	values_served;
	uint64_t	peers_trimmed;	/* dropped from answers to stay < 16 KiB */
	uint64_t	rt_updates;		/* hy_dht_server_peer_identified calls that added or refreshed */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	store_declined; /* answered without the store (graceful decline) */
	uint64_t	requests_refused;	/* refused above requests_per_s (full decline) */
} hy_dht_stats;

/* Create a server; NULL on bad config or allocation failure */
hy_dht_server *hy_dht_server_new(const hy_dht_server_config *cfg);

/* Free the server (detach its hosts first by freeing them) */
void		hy_dht_server_free(hy_dht_server *srv);

/*
 * Serve kad on a host (one head).  own_addrs are the head's announced
 * addresses (for FIND_NODE of its own id); may be NULL.  Returns the head
 * index (>= 0) or a negative hy_err.
 */
int			hy_dht_server_add_head(hy_dht_server *srv, hy_host *host,
								   const hy_addrset *own_addrs);

/*
 * A head without a host (tests and fuzzing: requests arrive through
 * hy_dht_server_feed).  Returns the head index or a negative hy_err.
 */
int			hy_dht_server_add_virtual_head(hy_dht_server *srv, const uint8_t *peer_id,
										   size_t len, const hy_addrset *own_addrs);

/* The protocol id served ("/ipfs/kad/1.0.0") */
const char *hy_dht_server_protocol(const hy_dht_server *srv);

/*
 * Feed the routing table from a connection's identify: the peer is added
 * or refreshed if it lists our kad protocol and has a dialable address.
 * Returns the hy_rtable_update result, 0 if the peer does not serve kad,
 * or a negative hy_err.
 */
int			hy_dht_server_peer_identified(hy_dht_server *srv, hy_conn *c);

/* GET_PROVIDERS waiting for hy_dht_server_flush_pending */
int			hy_dht_server_pending(const hy_dht_server *srv);

/*
 * Look up every waiting GET_PROVIDERS in one store call and answer them;
 * streams that then defer again wait for the next call.  Returns how many
 * waiting requests were handled (answered, or reset when their connection
 * had lost its peer id).
 */
int			hy_dht_server_flush_pending(hy_dht_server *srv);

/* Change the decline limits (config reload); 0 = unlimited */
void		hy_dht_server_set_limits(hy_dht_server *srv, uint32_t store_ops_per_s,
									 uint32_t requests_per_s);

/* Counters */
const hy_dht_stats *hy_dht_server_stats(const hy_dht_server *srv);

/*
 * Run bytes through the request path of a head as if they came from a
 * stream of peer remote (fuzzing and tests without sockets).  Responses
 * are passed to sink; returns 0 while the stream would stay open, 1 if it
 * would be closed, or a negative code if it would be reset.
 */
typedef void (*hy_dht_sink) (void *arg, const uint8_t *p, size_t n);
int			hy_dht_server_feed(hy_dht_server *srv, int head,
							   const uint8_t *remote, size_t remote_len,
							   const uint8_t *remote_addrs, size_t remote_addrs_len,
							   const uint8_t *p, size_t n, int eof,
							   hy_dht_sink sink, void *sink_arg);

#endif
