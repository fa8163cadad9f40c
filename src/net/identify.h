/*
 * identify.h — libp2p identify (/ipfs/id/1.0.0, /ipfs/id/push/1.0.0):
 * encoding our Identify message and decoding a remote's into a compact,
 * bounded record.  The stream handlers that use these live in
 * identify_handler.c and are registered by the host (conn.h).
 */
#ifndef HY_NET_IDENTIFY_H
#define HY_NET_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "net/limits.h"

#define HY_ID_PROTOCOL "/ipfs/id/1.0.0"
#define HY_ID_PUSH_PROTOCOL "/ipfs/id/push/1.0.0"
#define HY_ID_PROTOCOL_VERSION "ipfs/0.1.0"
#define HY_ID_AGENT_MAX 256			/* longer remote agents are truncated */
#define HY_ID_PROTO_NAME_MAX 256	/* longer remote protocol names are skipped */

/* What we announce */
typedef struct hy_id_local
{
	const uint8_t *pubkey_pb;	/* serialized PublicKey (mandatory) */
	size_t		pubkey_len;
	const char *agent;
	const char *const *protocols;
	int			nprotocols;
	const uint8_t *const *addrs;	/* binary multiaddrs without /p2p */
	const size_t *addr_lens;
	int			naddrs;
} hy_id_local;

/* What we learned about a remote; every field bounded */
typedef struct hy_id_info
{
	char	   *agent;			/* NUL-terminated, may be "" */
	char	   *protocols;		/* comma-separated, NUL-terminated */
	int			nprotocols;
	uint8_t    *addrs;			/* concatenated uvarint(len) || multiaddr */
	size_t		addrs_len;
	int			naddrs;
	uint8_t		observed[64];	/* our address as the remote saw it */
	uint8_t		observed_len;
	uint8_t		has_pubkey;
} hy_id_info;

/*
 * Encode uvarint(len) || Identify into out; total bytes or a negative
 * hy_err (HY_ERR_TOO_LONG when the message would exceed HY_ID_MSG_MAX).
 */
int			hy_identify_encode(const hy_id_local *l, const uint8_t *observed,
							   size_t observed_len, uint8_t *out, size_t cap);

/*
 * Decode one Identify message body (without its length prefix).  If
 * peer_id is given, a publicKey is required (unless push) and must hash to
 * it.  On success *info owns heap memory: release with hy_id_info_clear.
 * For push, fields absent from the message keep their previous values.
 */
int			hy_identify_decode(const uint8_t *msg, size_t len,
							   const uint8_t *peer_id, size_t peer_id_len,
							   int push, hy_id_info *info);

/* Free what a hy_id_info owns and zero it */
void		hy_id_info_clear(hy_id_info *info);

/* Whether the remote announced a protocol */
int			hy_id_info_has_protocol(const hy_id_info *info, const char *proto);

#endif
