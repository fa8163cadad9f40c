/*
 * tcp.c — non-blocking TCP helpers and the per-IP counter (see tcp.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* accept4 */
#endif
#include "net/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "net/limits.h"

/* Parse a numeric host and port */
int
hy_tcp_sockaddr_from_text(const char *host, uint16_t port,
						  struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (!host || !*host)
		host = "0.0.0.0";
	if (strchr(host, ':'))
	{
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return HY_ERR_INVALID;
		*len = sizeof(*s6);
	}
	else
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *) ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return HY_ERR_INVALID;
		*len = sizeof(*s4);
	}
	return HY_OK;
}

/* Fill a sockaddr from a multiaddr endpoint */
int
hy_tcp_sockaddr_from_endpoint(const hy_ma_endpoint *ep,
							  struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == 4)
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *) ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ep->port);
		memcpy(&s4->sin_addr, ep->ip, 4);
		*len = sizeof(*s4);
		return HY_OK;
	}
	if (ep->family == 6)
	{
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		memcpy(&s6->sin6_addr, ep->ip, 16);
		*len = sizeof(*s6);
		return HY_OK;
	}
	return HY_ERR_UNSUPPORTED;
}

/* Binary multiaddr of a sockaddr */
int
hy_tcp_sockaddr_to_multiaddr(const struct sockaddr *sa, uint8_t *out, size_t cap)
{
	size_t		n = 0;
	uint16_t	port;

	if (sa->sa_family == AF_INET)
	{
		const struct sockaddr_in *s4 = (const struct sockaddr_in *) sa;

		if (cap < 1 + 4 + 1 + 2)
			return HY_ERR_NOSPACE;
		out[n++] = HY_MA_IP4;
		memcpy(out + n, &s4->sin_addr, 4);
		n += 4;
		port = ntohs(s4->sin_port);
	}
	else if (sa->sa_family == AF_INET6)
	{
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) sa;

		if (cap < 1 + 16 + 1 + 2)
			return HY_ERR_NOSPACE;
		out[n++] = HY_MA_IP6;
		memcpy(out + n, &s6->sin6_addr, 16);
		n += 16;
		port = ntohs(s6->sin6_port);
	}
	else
		return HY_ERR_UNSUPPORTED;
	out[n++] = HY_MA_TCP;
	out[n++] = (uint8_t) (port >> 8);
	out[n++] = (uint8_t) port;
	return (int) n;
}

/* 16-byte IP key */
void
hy_tcp_ip_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET)
	{
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *) sa)->sin_addr, 4);
	}
	else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
}

/* Make an fd non-blocking and close-on-exec */
static int
set_nonblock(int fd)
{
	int			fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return HY_NET_ERR_IO;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return HY_OK;
}

/* Listen on host:port */
int
hy_tcp_listen(const char *host, uint16_t port, int backlog, uint16_t *bound_port)
{
	struct sockaddr_storage ss;
	socklen_t	len;
	int			fd,
				one = 1;

	if (hy_tcp_sockaddr_from_text(host, port, &ss, &len) < 0)
		return HY_ERR_INVALID;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return HY_NET_ERR_IO;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *) &ss, len) < 0 ||
		listen(fd, backlog > 0 ? backlog : HY_NET_LISTEN_BACKLOG) < 0)
	{
		close(fd);
		return HY_NET_ERR_IO;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
	{
		close(fd);
		return HY_NET_ERR_IO;
	}
	if (bound_port)
		*bound_port = ss.ss_family == AF_INET6 ?
			ntohs(((struct sockaddr_in6 *) &ss)->sin6_port) :
			ntohs(((struct sockaddr_in *) &ss)->sin_port);
	return fd;
}

/* Accept one connection */
int
hy_tcp_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len)
{
	int			fd,
				one = 1;

	*len = sizeof(*peer);
	fd = accept4(lfd, (struct sockaddr *) peer, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
	{
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			errno == ECONNABORTED || errno == EPROTO)
			return -HY_TCP_AGAIN;
		return HY_NET_ERR_IO;	/* EMFILE and friends: caller backs off */
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Start a non-blocking connect */
int
hy_tcp_connect(const struct sockaddr *sa, socklen_t len)
{
	int			fd,
				one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return HY_NET_ERR_IO;
	if (set_nonblock(fd) < 0)
	{
		close(fd);
		return HY_NET_ERR_IO;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
	{
		close(fd);
		return HY_NET_ERR_IO;
	}
	return fd;
}

/* Check the outcome of a non-blocking connect */
int
hy_tcp_connect_result(int fd)
{
	int			err = 0;
	socklen_t	len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
		return HY_NET_ERR_IO;
	return HY_OK;
}

/* FNV-1a over the 16 IP bytes */
static uint32_t
ip_hash(const uint8_t ip[16])
{
	uint32_t	h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h;
}

/* Allocate the table */
int
hy_ipcount_init(hy_ipcount *t, uint32_t max_ips)
{
	uint32_t	cap = 16;

	while (cap < max_ips * 2 && cap < (1u << 30))
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->cap = t->slots ? cap : 0;
	return t->slots ? HY_OK : HY_ERR_NOMEM;
}

/* Free the table */
void
hy_ipcount_free(hy_ipcount *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
}

/* Find ip's slot or the empty slot where it would go; -1 if full */
static int64_t
ipcount_find(const hy_ipcount *t, const uint8_t ip[16])
{
	uint32_t	mask = t->cap - 1,
				i;

	if (!t->cap)
		return -1;
	i = ip_hash(ip) & mask;
	for (uint32_t n = 0; n < t->cap; n++, i = (i + 1) & mask)
	{
		if (t->slots[i].count == 0 || memcmp(t->slots[i].ip, ip, 16) == 0)
			return i;
	}
	return -1;
}

/* Current count */
uint32_t
hy_ipcount_get(const hy_ipcount *t, const uint8_t ip[16])
{
	int64_t		i = ipcount_find(t, ip);

	return i < 0 ? 0 : t->slots[i].count;
}

/* Increment */
int
hy_ipcount_inc(hy_ipcount *t, const uint8_t ip[16])
{
	int64_t		i = ipcount_find(t, ip);

	if (i < 0)
		return HY_NET_ERR_LIMIT;
	if (t->slots[i].count == 0)
		memcpy(t->slots[i].ip, ip, 16);
	t->slots[i].count++;
	return HY_OK;
}

/* Decrement; backward-shift deletion keeps probe chains intact */
void
hy_ipcount_dec(hy_ipcount *t, const uint8_t ip[16])
{
	int64_t		found = ipcount_find(t, ip);
	uint32_t	mask = t->cap - 1,
				i,
				j;

	if (found < 0 || t->slots[found].count == 0)
		return;
	if (--t->slots[found].count > 0)
		return;
	i = (uint32_t) found;
	j = i;
	for (;;)
	{
		uint32_t	k;

		j = (j + 1) & mask;
		if (t->slots[j].count == 0)
			break;
		k = ip_hash(t->slots[j].ip) & mask;
		/* move j into the hole at i unless its home k lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j)))
		{
			t->slots[i] = t->slots[j];
			t->slots[j].count = 0;
			i = j;
		}
	}
	t->slots[i].count = 0;
}
