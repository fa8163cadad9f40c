/*
 * client.h — one Kademlia request on a new stream of an established
 * connection, with a timeout: the dialer side used by bootstrap,
 * self-lookups, liveness checks and lookups (lookup.h).
 */
#ifndef HY_DHT_CLIENT_H
#define HY_DHT_CLIENT_H

#include "dht/kad_msg.h"
#include "net/conn.h"

#define HY_KAD_REQUEST_TIMEOUT_MS 10000

typedef struct hy_kad_client hy_kad_client;

/*
 * The answer (valid only during the call), or resp = NULL with err < 0
 * (timeout, refused, reset, malformed).  For requests that get no answer
 * (ADD_PROVIDER) resp is NULL and err is HY_OK once the request is sent.
 */
typedef void (*hy_kad_reply_cb) (void *arg, hy_conn *c, int err,
								 const hy_kad_message *resp);

/* A client speaking protocol (e.g. "/ipfs/kad/1.0.0"); NULL on failure */
hy_kad_client *hy_kad_client_new(hy_loop *loop, const char *protocol, int timeout_ms);

/* Free the client (only when no request is in flight) */
void		hy_kad_client_free(hy_kad_client *kc);

/* Requests in flight */
int			hy_kad_client_inflight(const hy_kad_client *kc);

/*
 * Send req on a new stream of c; cb follows exactly once, unless a
 * negative hy_err is returned here (nothing was started).
 */
int			hy_kad_request(hy_kad_client *kc, hy_conn *c, const hy_kad_message *req,
						   hy_kad_reply_cb cb, void *arg);

#endif
