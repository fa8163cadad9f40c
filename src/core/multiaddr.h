/*
 * multiaddr.h — self-describing network addresses, text and binary.
 *
 * Binary: (uvarint code || value)*.  Text: "/name/value/name/...".
 * Supported: ip4, ip6, tcp, udp, dns, dns4, dns6, dnsaddr, p2p (text input
 * also takes the legacy name "ipfs"; output always says "p2p"), tls, ws,
 * wss, quic, quic-v1, webtransport, webrtc-direct, http, https, noise,
 * p2p-circuit.  Anything else is HY_ERR_UNSUPPORTED, so callers can skip
 * addresses they could not dial anyway.
 *
 * Ports are decimal 0..65535.  DNS names are 1..255 bytes of UTF-8 without
 * '/' or control characters.  A p2p value is uvarint(len) || peer ID and
 * must be a valid peer ID (see peerid.h); its text is base58btc, while any
 * peer ID text form is accepted on input.  One trailing '/' is accepted on
 * input, never written.  An empty address is invalid.
 */
#ifndef HY_CORE_MULTIADDR_H
#define HY_CORE_MULTIADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HY_MULTIADDR_MAX 1024	/* longest binary address */
/* Longest text (with NUL): "/p2p-circuit" is 12 chars for 2 binary bytes */
#define HY_MULTIADDR_TEXT_MAX (HY_MULTIADDR_MAX * 6 + 1)

#define HY_MA_IP4 4
#define HY_MA_TCP 6
#define HY_MA_IP6 0x29
#define HY_MA_DNS 53
#define HY_MA_DNS4 54
#define HY_MA_DNS6 55
#define HY_MA_DNSADDR 56
#define HY_MA_UDP 273
#define HY_MA_WEBRTC_DIRECT 280
#define HY_MA_P2P_CIRCUIT 290
#define HY_MA_HTTPS 443
#define HY_MA_TLS 448
#define HY_MA_NOISE 454
#define HY_MA_QUIC 460
#define HY_MA_QUIC_V1 461
#define HY_MA_WEBTRANSPORT 465
#define HY_MA_WS 477
#define HY_MA_WSS 478
#define HY_MA_HTTP 480
#define HY_MA_P2P 0x01a5

/* Text to binary; bytes written or a negative hy_err */
int			hy_multiaddr_parse(const char *text, size_t len, uint8_t *out, size_t outcap);

/* Binary to text, NUL-terminated; text length or a negative hy_err */
int			hy_multiaddr_format(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Check a whole binary address; HY_OK or a negative hy_err */
int			hy_multiaddr_validate(const uint8_t *in, size_t len);

/* Iterator over the components of a binary address */
typedef struct hy_ma_iter
{
	const uint8_t *buf;
	size_t		len;
	size_t		off;
} hy_ma_iter;

/*
 * One component.  value is the payload without any length prefix (the
 * 4/16 address bytes, the 2 port bytes, the DNS name, the peer ID bytes);
 * offset and size locate the whole component, code included, in the buffer.
 */
typedef struct hy_ma_component
{
	uint64_t	code;
	const uint8_t *value;
	size_t		value_len;
	size_t		offset;
	size_t		size;
} hy_ma_component;

/* Start iterating over buf */
void		hy_ma_iter_init(hy_ma_iter *it, const uint8_t *buf, size_t len);

/* Step to the next component: 1 if c was filled, 0 at the end, or hy_err */
int			hy_ma_iter_next(hy_ma_iter *it, hy_ma_component *c);

/* A TCP endpoint to dial */
typedef struct hy_ma_endpoint
{
	int			family;			/* 4 or 6 */
	uint8_t		ip[16];			/* 4 bytes used for IPv4 */
	uint16_t	port;
} hy_ma_endpoint;

/*
 * Extract the endpoint of /ip4|ip6/<addr>/tcp/<port>, optionally followed by
 * /p2p/<id>; any other shape is HY_ERR_UNSUPPORTED.  HY_OK on success.
 */
int			hy_multiaddr_tcp_endpoint(const uint8_t *in, size_t len, hy_ma_endpoint *ep);

/*
 * Return the length of the address without a trailing /p2p/<id> (the whole
 * length if there is none).  If id is not NULL it receives the peer ID bytes,
 * or NULL and 0 when absent.  Negative hy_err if the address is invalid.
 */
int			hy_multiaddr_strip_p2p(const uint8_t *in, size_t len,
								   const uint8_t **id, size_t *id_len);

/* Append /p2p/<id> to a binary address in out; new length or hy_err */
int			hy_multiaddr_append_p2p(const uint8_t *in, size_t len,
									const uint8_t *id, size_t id_len,
									uint8_t *out, size_t outcap);

/* Reachability class of an address, for the private-address switch */
typedef enum hy_ma_scope
{
	HY_MA_SCOPE_PUBLIC = 0,
	HY_MA_SCOPE_LOOPBACK,
	HY_MA_SCOPE_PRIVATE,		/* RFC 1918, CGNAT, IPv6 ULA and site-local */
	HY_MA_SCOPE_LINK_LOCAL,
	HY_MA_SCOPE_UNSPECIFIED,	/* 0.0.0.0/8, :: */
	HY_MA_SCOPE_RESERVED		/* documentation, multicast, benchmark, ... */
} hy_ma_scope;

/* Classify a raw IP address (family 4 or 6) */
hy_ma_scope hy_ip_scope(int family, const uint8_t *ip);

/*
 * Classify a binary address by its first component: IP addresses by range,
 * DNS names as public unless "localhost" or "*.localhost".  Returns a
 * hy_ma_scope, or HY_ERR_UNSUPPORTED when the address starts otherwise.
 */
int			hy_multiaddr_scope(const uint8_t *in, size_t len);

/* Tell whether an address is valid and publicly routable */
bool		hy_multiaddr_is_public(const uint8_t *in, size_t len);

#endif
