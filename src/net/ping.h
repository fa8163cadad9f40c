/*
 * ping.h — libp2p ping (/ipfs/ping/1.0.0): the server echoes every byte
 * until the remote half-closes (at most HY_PING_MAX_STREAMS streams per
 * connection); the client sends 32 random bytes, waits for the same 32
 * back and measures the round trip.
 */
#ifndef HY_NET_PING_H
#define HY_NET_PING_H

#include <stdint.h>

#include "net/conn.h"

#define HY_PING_PROTOCOL "/ipfs/ping/1.0.0"

/*
 * Called once: err == HY_OK with the mean round trip in microseconds, or a
 * negative hy_err (stream refused, reset, wrong echo, connection closed).
 */
typedef void (*hy_ping_cb) (hy_conn *c, int err, uint64_t rtt_us, void *arg);

/* Ping the peer count times (sequentially on one stream); HY_OK or hy_err */
int			hy_ping(hy_conn *c, int count, hy_ping_cb cb, void *arg);

#endif
