/*
 * dnsaddr.h — resolution of /dnsaddr/ multiaddrs (the public bootstrap
 * list uses them): TXT records "dnsaddr=<multiaddr>" at _dnsaddr.<host>,
 * followed recursively, filtered by the /p2p/ id of the original address.
 *
 * The DNS lookup is a callback so that tests inject answers; the default
 * one uses the system resolver (libresolv, blocking, with a short timeout:
 * call it from a process that may block, never from a head's event loop).
 */
#ifndef HY_NET_DNSADDR_H
#define HY_NET_DNSADDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/multiaddr.h"

#define HY_DNSADDR_MAX_DEPTH 3		/* /dnsaddr/ chains followed at most */
#define HY_DNSADDR_MAX_TXT 32		/* TXT strings read per name */
#define HY_DNSADDR_TXT_LEN 512		/* longest TXT string kept */

/*
 * Look up the TXT strings of a DNS name: fill at most max strings
 * (NUL-terminated, < HY_DNSADDR_TXT_LEN) and return how many, or a
 * negative hy_err when the name cannot be resolved.
 */
typedef int (*hy_txt_lookup_fn) (void *arg, const char *name,
								 char txt[][HY_DNSADDR_TXT_LEN], int max);

/* The system resolver as a hy_txt_lookup_fn (timeout 2 s, one attempt) */
int			hy_txt_lookup_system(void *arg, const char *name,
								 char txt[][HY_DNSADDR_TXT_LEN], int max);

/*
 * Parse a raw DNS answer (as res_query returns it) into the strings of its
 * TXT records; count or a negative hy_err.  Bounds-checked: answers come
 * from the network.
 */
int			hy_dns_parse_txt(const uint8_t *answer, size_t len,
							 char txt[][HY_DNSADDR_TXT_LEN], int max);

/*
 * Resolve a binary /dnsaddr/<host>[/p2p/<id>] address into at most max
 * binary addresses that are not /dnsaddr/ (out[i] of out_len[i] bytes).
 * Returns the count (0 when nothing matched) or a negative hy_err.
 */
int			hy_dnsaddr_resolve(const uint8_t *ma, size_t len,
							   hy_txt_lookup_fn lookup, void *arg,
							   uint8_t out[][HY_MULTIADDR_MAX], size_t *out_len, int max);

#endif
