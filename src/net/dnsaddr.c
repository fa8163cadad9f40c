/*
 * dnsaddr.c — /dnsaddr/ resolution (see dnsaddr.h).
 */
#include "net/dnsaddr.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

#define DNS_ANSWER_MAX 8192

/* Parse a raw DNS answer into the strings of its TXT records */
int
hy_dns_parse_txt(const uint8_t *answer, size_t len, char txt[][HY_DNSADDR_TXT_LEN], int max)
{
	ns_msg		msg;
	int			n = 0;

	if (answer == NULL || len == 0 || len > DNS_ANSWER_MAX)
		return HY_ERR_INVALID;
	if (ns_initparse(answer, (int) len, &msg) < 0)
		return HY_ERR_INVALID;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++)
	{
		ns_rr		rr;
		const uint8_t *p;
		size_t		left;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return HY_ERR_INVALID;
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
			continue;
		p = ns_rr_rdata(rr);
		left = ns_rr_rdlen(rr);
		/* rdata: one or more <length byte><bytes> strings */
		while (left > 0 && n < max)
		{
			size_t		slen = p[0];

			if (slen + 1 > left)
				return HY_ERR_INVALID;
			if (slen < HY_DNSADDR_TXT_LEN)
			{
				memcpy(txt[n], p + 1, slen);
				txt[n][slen] = '\0';
				if (memchr(txt[n], '\0', slen) == NULL)
					n++;
			}
			p += slen + 1;
			left -= slen + 1;
		}
	}
	return n;
}

/* The system resolver as a hy_txt_lookup_fn */
int
hy_txt_lookup_system(void *arg, const char *name, char txt[][HY_DNSADDR_TXT_LEN], int max)
{
	struct __res_state state;
	uint8_t		answer[DNS_ANSWER_MAX];
	int			len;

	(void) arg;
	memset(&state, 0, sizeof(state));
	if (res_ninit(&state) != 0)
		return HY_ERR_UNSUPPORTED;
	state.retrans = 2;
	state.retry = 1;
	len = res_nquery(&state, name, ns_c_in, ns_t_txt, answer, sizeof(answer));
	res_nclose(&state);
	if (len < 0)
		return HY_ERR_UNSUPPORTED;
	return hy_dns_parse_txt(answer, (size_t) len, txt, max);
}

/* Split /dnsaddr/<host>[/p2p/<id>]: host text and the optional peer id */
static int
split_dnsaddr(const uint8_t *ma, size_t len, char *host, size_t hostcap,
			  const uint8_t **id, size_t *id_len)
{
	hy_ma_iter	it;
	hy_ma_component c;
	int			i = 0;
	int			rc;

	*id = NULL;
	*id_len = 0;
	hy_ma_iter_init(&it, ma, len);
	while ((rc = hy_ma_iter_next(&it, &c)) == 1)
	{
		if (i == 0)
		{
			if (c.code != HY_MA_DNSADDR || c.value_len == 0 || c.value_len >= hostcap)
				return HY_ERR_INVALID;
			memcpy(host, c.value, c.value_len);
			host[c.value_len] = '\0';
		}
		else if (i == 1 && c.code == HY_MA_P2P)
		{
			*id = c.value;
			*id_len = c.value_len;
		}
		else
			return HY_ERR_UNSUPPORTED;
		i++;
	}
	return rc < 0 ? rc : (i > 0 ? HY_OK : HY_ERR_INVALID);
}

/* Resolve recursively into out[*n..max) */
static int
resolve_into(const uint8_t *ma, size_t len, hy_txt_lookup_fn lookup, void *arg, int depth,
			 uint8_t out[][HY_MULTIADDR_MAX], size_t *out_len, int *n, int max)
{
	char		host[256];
	char		name[300];
	char		txt[HY_DNSADDR_MAX_TXT][HY_DNSADDR_TXT_LEN];
	const uint8_t *want;
	size_t		want_len;
	int			ntxt;
	int			rc = split_dnsaddr(ma, len, host, sizeof(host), &want, &want_len);

	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "_dnsaddr.%s", host);
	ntxt = lookup(arg, name, txt, HY_DNSADDR_MAX_TXT);
	if (ntxt < 0)
		return ntxt;
	for (int i = 0; i < ntxt && *n < max; i++)
	{
		uint8_t		sub[HY_MULTIADDR_MAX];
		const uint8_t *id;
		size_t		id_len;
		int			sublen;

		if (strncmp(txt[i], "dnsaddr=", 8) != 0)
			continue;
		sublen = hy_multiaddr_parse(txt[i] + 8, strlen(txt[i] + 8), sub, sizeof(sub));
		if (sublen <= 0 || hy_multiaddr_strip_p2p(sub, sublen, &id, &id_len) < 0)
			continue;
		/* keep only entries for the peer the original address names */
		if (want && (id == NULL || id_len != want_len || memcmp(id, want, want_len) != 0))
			continue;
		if (sub[0] == HY_MA_DNSADDR)
		{
			if (depth + 1 < HY_DNSADDR_MAX_DEPTH)
				(void) resolve_into(sub, sublen, lookup, arg, depth + 1, out, out_len, n, max);
			continue;
		}
		memcpy(out[*n], sub, sublen);
		out_len[*n] = (size_t) sublen;
		(*n)++;
	}
	return HY_OK;
}

/* Resolve a /dnsaddr/ address into at most max other addresses */
int
hy_dnsaddr_resolve(const uint8_t *ma, size_t len, hy_txt_lookup_fn lookup, void *arg,
				   uint8_t out[][HY_MULTIADDR_MAX], size_t *out_len, int max)
{
	int			n = 0;
	int			rc;

	if (lookup == NULL)
		lookup = hy_txt_lookup_system;
	rc = resolve_into(ma, len, lookup, arg, 0, out, out_len, &n, max);
	return rc < 0 && n == 0 ? rc : n;
}
