/*
 * yamux_frame.h — the 12-byte yamux frame header (yamux spec, hashicorp).
 *
 *	version u8 (0) | type u8 | flags u16 | stream id u32 | length u32
 *
 * all big-endian.  Only the header is coded here; what length means
 * depends on the type (payload bytes, window delta, ping value, GoAway
 * code).
 */
#ifndef HY_NET_YAMUX_FRAME_H
#define HY_NET_YAMUX_FRAME_H

#include <stdint.h>

#define HY_YMX_HDR_LEN 12
#define HY_YMX_VERSION 0

#define HY_YMX_DATA 0
#define HY_YMX_WINDOW_UPDATE 1
#define HY_YMX_PING 2
#define HY_YMX_GO_AWAY 3

#define HY_YMX_SYN 1
#define HY_YMX_ACK 2
#define HY_YMX_FIN 4
#define HY_YMX_RST 8

#define HY_YMX_GOAWAY_NORMAL 0
#define HY_YMX_GOAWAY_PROTOCOL 1
#define HY_YMX_GOAWAY_INTERNAL 2

typedef struct hy_ymx_hdr
{
	uint8_t		version;
	uint8_t		type;
	uint16_t	flags;
	uint32_t	stream_id;
	uint32_t	length;
} hy_ymx_hdr;

/* Write a header into out[12] */
void		hy_ymx_hdr_put(const hy_ymx_hdr *h, uint8_t out[HY_YMX_HDR_LEN]);

/*
 * Read a header from in[12]; HY_OK, or HY_ERR_UNSUPPORTED for a version
 * other than 0 or an unknown type (the header is still filled in).
 */
int			hy_ymx_hdr_get(const uint8_t in[HY_YMX_HDR_LEN], hy_ymx_hdr *h);

#endif
