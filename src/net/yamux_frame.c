/*
 * yamux_frame.c — yamux header codec (see yamux_frame.h).
 */
#include "net/yamux_frame.h"

#include "core/err.h"

/* Write a header in network byte order */
void
hy_ymx_hdr_put(const hy_ymx_hdr *h, uint8_t out[HY_YMX_HDR_LEN])
{
	out[0] = h->version;
	out[1] = h->type;
	out[2] = (uint8_t) (h->flags >> 8);
	out[3] = (uint8_t) h->flags;
	out[4] = (uint8_t) (h->stream_id >> 24);
	out[5] = (uint8_t) (h->stream_id >> 16);
	out[6] = (uint8_t) (h->stream_id >> 8);
	out[7] = (uint8_t) h->stream_id;
	out[8] = (uint8_t) (h->length >> 24);
	out[9] = (uint8_t) (h->length >> 16);
	out[10] = (uint8_t) (h->length >> 8);
	out[11] = (uint8_t) h->length;
}

/* Read a header and check version and type */
int
hy_ymx_hdr_get(const uint8_t in[HY_YMX_HDR_LEN], hy_ymx_hdr *h)
{
	h->version = in[0];
	h->type = in[1];
	h->flags = (uint16_t) ((in[2] << 8) | in[3]);
	h->stream_id = ((uint32_t) in[4] << 24) | ((uint32_t) in[5] << 16) |
		((uint32_t) in[6] << 8) | in[7];
	h->length = ((uint32_t) in[8] << 24) | ((uint32_t) in[9] << 16) |
		((uint32_t) in[10] << 8) | in[11];
	if (h->version != HY_YMX_VERSION || h->type > HY_YMX_GO_AWAY)
		return HY_ERR_UNSUPPORTED;
	return HY_OK;
}
