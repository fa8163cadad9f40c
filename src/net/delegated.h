/*
 * delegated.h — a Delegated Routing V1 HTTP client (providers only) on
 * libcurl's multi interface, and the bounded parser of its answers.
 *
 * GET <base>/routing/v1/providers/<cid> with
 * "Accept: application/x-ndjson, application/json"; both the JSON form
 * ({"Providers":[...]}) and the ndjson form (one record per line) are
 * parsed.  Only records with "Schema":"peer", a valid peer ID and at least
 * one parseable multiaddr are kept: indexers also return records of other
 * schemas and transports, which our clients cannot use.
 *
 * The client never blocks: hy_deleg_poll() drives every transfer with
 * curl_multi_perform (which does not wait) and hands back finished ones.
 * One client (one CURLM) per process, so connections to the endpoint are
 * reused across requests.  No PostgreSQL headers here.
 */
#ifndef HY_NET_DELEGATED_H
#define HY_NET_DELEGATED_H

#include <stddef.h>
#include <stdint.h>

#include "core/peerid.h"

#define HY_DELEG_MAX_PROVIDERS 20	/* records kept per answer */
#define HY_DELEG_ADDRS_MAX 8	/* addresses kept per record */
#define HY_DELEG_ADDR_MAX 64	/* longer binary addresses are skipped */
#define HY_DELEG_BODY_MAX (256 * 1024)	/* bytes of a response read, at most */
#define HY_DELEG_MAX_REQUESTS 256	/* transfers in flight per client */
#define HY_DELEG_STRING_MAX 512 /* longer JSON strings are never kept */
#define HY_DELEG_DEPTH_MAX 16	/* deeper JSON nesting is refused */

/* How a request ended */
typedef enum hy_deleg_status
{
	HY_DELEG_FOUND = 0,			/* at least one usable record */
	HY_DELEG_EMPTY,				/* a valid answer without usable records */
	HY_DELEG_ERROR,				/* connection, HTTP status or body refused */
	HY_DELEG_TIMEOUT			/* no full answer within the timeout */
} hy_deleg_status;

/* One usable provider record */
typedef struct hy_deleg_provider
{
	uint8_t		peer_id[HY_PEER_ID_MAX];
	uint8_t		peer_id_len;
	uint8_t		naddrs;
	uint8_t		addr_len[HY_DELEG_ADDRS_MAX];
	uint8_t		addr[HY_DELEG_ADDRS_MAX][HY_DELEG_ADDR_MAX];	/* binary multiaddrs */
} hy_deleg_provider;

/*
 * Parse a response body (JSON or ndjson) into at most max records,
 * deduplicated by peer ID.  Returns the number kept, or HY_ERR_INVALID
 * when the body is malformed before any record was kept (a malformed tail
 * after usable records, as in a body cut at the size limit, keeps them).
 */
int			hy_deleg_parse(const char *body, size_t len, hy_deleg_provider *out, int max);

/* A finished request */
typedef struct hy_deleg_result
{
	uint64_t	tag;
	hy_deleg_status status;
	long		http_status;	/* 0 when no response */
	int			nprov;
	hy_deleg_provider prov[HY_DELEG_MAX_PROVIDERS];
} hy_deleg_result;

typedef struct hy_deleg hy_deleg;

/* A client for up to max_requests transfers at once; NULL on failure */
hy_deleg   *hy_deleg_new(int max_requests);

/* Free the client, abandoning transfers in flight */
void		hy_deleg_free(hy_deleg *d);

/*
 * Start GET base_url/routing/v1/providers/cid, ending after timeout_ms;
 * tag comes back in its result.  HY_OK, or a negative hy_err (bad URL or
 * CID text, no free slot).
 */
int			hy_deleg_start(hy_deleg *d, const char *base_url, const char *cid,
						   int timeout_ms, uint64_t tag);

/* Abandon the transfer of tag, if any (no result will come for it) */
void		hy_deleg_cancel(hy_deleg *d, uint64_t tag);

/*
 * Drive the transfers without waiting; when one has finished, fill *res
 * and return 1, else 0.  Call until it returns 0.
 */
int			hy_deleg_poll(hy_deleg *d, hy_deleg_result *res);

/* Transfers in flight */
int			hy_deleg_active(const hy_deleg *d);

#endif
