/*
 * tcp.h — non-blocking TCP sockets for IPv4 and IPv6, address conversion
 * to and from multiaddrs, and the per-IP connection counter.
 */
#ifndef HY_NET_TCP_H
#define HY_NET_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/multiaddr.h"

#define HY_TCP_AGAIN 1			/* hy_tcp_accept: nothing to accept now */

/*
 * Listen on host (numeric IPv4 or IPv6, "" or NULL = 0.0.0.0) and port
 * (0 = ephemeral) with SO_REUSEADDR; *bound_port receives the real port.
 * Returns the non-blocking listening fd or a negative hy_err.
 */
int			hy_tcp_listen(const char *host, uint16_t port, int backlog,
						  uint16_t *bound_port);

/*
 * Accept one connection: fd >= 0 with the peer address (fd made
 * non-blocking, close-on-exec, TCP_NODELAY), -HY_TCP_AGAIN when none is
 * pending, or another negative hy_err.
 */
int			hy_tcp_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len);

/* Start a non-blocking connect; fd (connection may still be in progress) */
int			hy_tcp_connect(const struct sockaddr *sa, socklen_t len);

/* After writability: HY_OK if the connect succeeded, else HY_NET_ERR_IO */
int			hy_tcp_connect_result(int fd);

/* Fill a sockaddr from a multiaddr endpoint */
int			hy_tcp_sockaddr_from_endpoint(const hy_ma_endpoint *ep,
										  struct sockaddr_storage *ss,
										  socklen_t *len);

/* Parse a numeric host and port into a sockaddr */
int			hy_tcp_sockaddr_from_text(const char *host, uint16_t port,
									  struct sockaddr_storage *ss, socklen_t *len);

/* Binary multiaddr /ip4|ip6/<addr>/tcp/<port> of a sockaddr; length or hy_err */
int			hy_tcp_sockaddr_to_multiaddr(const struct sockaddr *sa, uint8_t *out,
										 size_t cap);

/* The 16-byte IP key (IPv4 as ::ffff:a.b.c.d) used for per-IP limits */
void		hy_tcp_ip_key(const struct sockaddr *sa, uint8_t key[16]);

/* Open-addressing count of live connections per remote IP */
typedef struct hy_ipcount_slot
{
	uint8_t		ip[16];
	uint32_t	count;			/* 0 = empty slot */
} hy_ipcount_slot;

typedef struct hy_ipcount
{
	hy_ipcount_slot *slots;
	uint32_t	cap;			/* power of two, > 2 x max distinct IPs */
} hy_ipcount;

/* Allocate a table able to hold max_ips distinct addresses */
int			hy_ipcount_init(hy_ipcount *t, uint32_t max_ips);
void		hy_ipcount_free(hy_ipcount *t);

/* Current count for ip */
uint32_t	hy_ipcount_get(const hy_ipcount *t, const uint8_t ip[16]);

/* Increment (HY_NET_ERR_LIMIT when the table is full) */
int			hy_ipcount_inc(hy_ipcount *t, const uint8_t ip[16]);

/* Decrement, removing the entry at zero */
void		hy_ipcount_dec(hy_ipcount *t, const uint8_t ip[16]);

#endif
