/*
 * delegated.c — Delegated Routing V1 HTTP client and parser (see
 * delegated.h).
 */
#include "net/delegated.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/multiaddr.h"

#define DELEG_URL_MAX 2048
#define DELEG_KEY_MAX 16		/* longest key name compared; longer ones are skipped */
#define DELEG_BODY_INITIAL 4096

/* The parser's cursor over one body */
typedef struct jp
{
	const char *p;
	const char *end;
	int			depth;
} jp;

/* Where accepted records go */
typedef struct jout
{
	hy_deleg_provider *out;
	int			max;
	int			n;
} jout;

/* One record being read */
typedef struct jrec
{
	bool		schema_peer;
	bool		id_ok;
	hy_deleg_provider p;
} jrec;

/* Skip JSON whitespace */
static void
jws(jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Value of one hex digit, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read a string at the cursor.  Into out (NUL-terminated, when given) as
 * long as it is plain ASCII that fits: *fits says whether it did, since
 * what we keep (names, peer IDs, multiaddrs) is never longer nor wider.
 * Returns the length copied, or -1 when the JSON is malformed.
 */
static int
jstring(jp *j, char *out, size_t cap, bool *fits)
{
	size_t		n = 0;
	bool		ok = out != NULL && cap > 0;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end)
	{
		unsigned char c = (unsigned char) *j->p++;
		int			ch = c;

		if (c == '"')
		{
			if (ok)
				out[n] = '\0';
			if (fits)
				*fits = ok;
			return (int) n;
		}
		if (c < 0x20)
			return -1;			/* raw control characters are not JSON */
		if (c == '\\')
		{
			if (j->p >= j->end)
				return -1;
			c = (unsigned char) *j->p++;
			switch (c)
			{
				case '"':
				case '\\':
				case '/':
					ch = c;
					break;
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					ch = -1;	/* valid, but never in what we keep */
					break;
				case 'u':
					{
						int			v = 0;

						if (j->end - j->p < 4)
							return -1;
						for (int i = 0; i < 4; i++)
						{
							int			h = hexval(j->p[i]);

							if (h < 0)
								return -1;
							v = v * 16 + h;
						}
						j->p += 4;
						ch = (v >= 0x20 && v < 0x7f) ? v : -1;
						break;
					}
				default:
					return -1;
			}
		}
		else if (c >= 0x7f)
			ch = -1;
		if (ch < 0 || n + 1 >= cap)
			ok = false;
		if (ok)
			out[n++] = (char) ch;
	}
	return -1;					/* unterminated */
}

/*
 * Enter the container whose opening bracket is at j->p: 0 when elements
 * follow, 1 when it is empty (closed at once, eaten), -1 when nested
 * deeper than HY_DELEG_DEPTH_MAX
 */
static int
jenter(jp *j, char close)
{
	if (++j->depth > HY_DELEG_DEPTH_MAX)
		return -1;
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == close)
	{
		j->p++;
		j->depth--;
		return 1;
	}
	return 0;
}

/*
 * After a member or element: 1 when a comma follows (eaten: read the next
 * one), 0 when the container ends with close (eaten, left), -1 otherwise
 */
static int
jnext(jp *j, char close)
{
	jws(j);
	if (j->p >= j->end)
		return -1;
	if (*j->p == ',')
	{
		j->p++;
		return 1;
	}
	if (*j->p != close)
		return -1;
	j->p++;
	j->depth--;
	return 0;
}

/* Skip one value of any kind, nested at most HY_DELEG_DEPTH_MAX deep */
static int
jskip(jp *j)
{
	char		c;

	jws(j);
	if (j->p >= j->end)
		return -1;
	c = *j->p;
	if (c == '"')
		return jstring(j, NULL, 0, NULL) < 0 ? -1 : 0;
	if (c == '{' || c == '[')
	{
		char		close = c == '{' ? '}' : ']';
		int			empty = jenter(j, close);

		if (empty != 0)
			return empty < 0 ? -1 : 0;
		for (;;)
		{
			int			more;

			if (c == '{')
			{
				jws(j);
				if (jstring(j, NULL, 0, NULL) < 0)
					return -1;
				jws(j);
				if (j->p >= j->end || *j->p != ':')
					return -1;
				j->p++;
			}
			if (jskip(j) < 0)
				return -1;
			if ((more = jnext(j, close)) < 0)
				return -1;
			if (more > 0)
				continue;
			return 0;
		}
	}
	if (c == 't' && j->end - j->p >= 4 && memcmp(j->p, "true", 4) == 0)
		j->p += 4;
	else if (c == 'f' && j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0)
		j->p += 5;
	else if (c == 'n' && j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0)
		j->p += 4;
	else if (c == '-' || (c >= '0' && c <= '9'))
	{
		/* loose but bounded: numbers are only ever skipped */
		while (j->p < j->end && (strchr("+-.eE", *j->p) != NULL || (*j->p >= '0' && *j->p <= '9')))
			j->p++;
	}
	else
		return -1;
	return 0;
}

/*
 * Read an array whose elements elem reads (elem skips what it does not
 * want); a value that is not an array is skipped whole.
 */
static int
jarray(jp *j, int (*elem) (jp *j, void *arg), void *arg)
{
	int			empty;

	jws(j);
	if (j->p >= j->end)
		return -1;
	if (*j->p != '[')
		return jskip(j);
	if ((empty = jenter(j, ']')) != 0)
		return empty < 0 ? -1 : 0;
	for (;;)
	{
		int			more;

		jws(j);
		if (elem(j, arg) < 0 || (more = jnext(j, ']')) < 0)
			return -1;
		if (more == 0)
			return 0;
	}
}

/* One element of "Addrs": an address string kept when it parses */
static int
jaddr(jp *j, void *arg)
{
	jrec	   *r = arg;
	char		text[HY_DELEG_STRING_MAX];
	uint8_t		bin[HY_DELEG_ADDR_MAX];
	bool		fits;
	int			n,
				b;

	if (j->p >= j->end || *j->p != '"')
		return jskip(j);
	if ((n = jstring(j, text, sizeof(text), &fits)) < 0)
		return -1;
	if (fits && r->p.naddrs < HY_DELEG_ADDRS_MAX &&
		(b = hy_multiaddr_parse(text, (size_t) n, bin, sizeof(bin))) > 0)
	{
		memcpy(r->p.addr[r->p.naddrs], bin, (size_t) b);
		r->p.addr_len[r->p.naddrs++] = (uint8_t) b;
	}
	return 0;
}

/* Keep a record if it is usable and its peer is not kept already */
static void
jpush(jout *o, const jrec *r)
{
	if (!r->schema_peer || !r->id_ok || r->p.naddrs == 0 || o->n >= o->max)
		return;
	for (int i = 0; i < o->n; i++)
		if (o->out[i].peer_id_len == r->p.peer_id_len &&
			memcmp(o->out[i].peer_id, r->p.peer_id, r->p.peer_id_len) == 0)
			return;
	o->out[o->n++] = r->p;
}

static int	jobject(jp *j, jout *o, bool top);

/* One element of "Providers": an object is read as a record */
static int
jprovider(jp *j, void *arg)
{
	if (j->p < j->end && *j->p == '{')
		return jobject(j, arg, false);
	return jskip(j);
}

/*
 * Read an object that may be a record (Schema, ID, Addrs) and, at the top
 * level, a JSON answer (Providers); pushes the record when it is usable.
 */
static int
jobject(jp *j, jout *o, bool top)
{
	jrec		r;
	int			empty;

	memset(&r, 0, sizeof(r));
	jws(j);
	if (j->p >= j->end || *j->p != '{')
		return -1;
	if ((empty = jenter(j, '}')) != 0)
		return empty < 0 ? -1 : 0;
	for (;;)
	{
		int			more;
		char		key[DELEG_KEY_MAX];
		bool		kfits;

		jws(j);
		if (jstring(j, key, sizeof(key), &kfits) < 0)
			return -1;
		if (!kfits)
			key[0] = '\0';
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		jws(j);
		if (strcmp(key, "Schema") == 0 || strcmp(key, "ID") == 0)
		{
			char		text[HY_DELEG_STRING_MAX];
			bool		fits = false;
			int			n = -1;

			if (j->p < j->end && *j->p == '"')
			{
				if ((n = jstring(j, text, sizeof(text), &fits)) < 0)
					return -1;
			}
			else if (jskip(j) < 0)
				return -1;
			if (key[0] == 'S')
				r.schema_peer = fits && strcmp(text, "peer") == 0;
			else
			{
				int			b = fits ? hy_peerid_parse(text, (size_t) n, r.p.peer_id,
													 sizeof(r.p.peer_id)) : -1;

				r.id_ok = b > 0;
				r.p.peer_id_len = b > 0 ? (uint8_t) b : 0;
			}
		}
		else if (strcmp(key, "Addrs") == 0)
		{
			if (jarray(j, jaddr, &r) < 0)
				return -1;
		}
		else if (top && strcmp(key, "Providers") == 0)
		{
			if (jarray(j, jprovider, o) < 0)
				return -1;
		}
		else if (jskip(j) < 0)
			return -1;
		if ((more = jnext(j, '}')) < 0)
			return -1;
		if (more > 0)
			continue;
		jpush(o, &r);
		return 0;
	}
}

/* Parse a JSON or ndjson body (see delegated.h) */
int
hy_deleg_parse(const char *body, size_t len, hy_deleg_provider *out, int max)
{
	jp			j;
	jout		o;
	bool		bad = false;

	if (body == NULL || out == NULL || max < 0)
		return HY_ERR_INVALID;
	if (len > HY_DELEG_BODY_MAX)
		len = HY_DELEG_BODY_MAX;
	j.p = body;
	j.end = body + len;
	o.out = out;
	o.max = max;
	o.n = 0;
	for (;;)
	{
		const char *nl;

		j.depth = 0;
		jws(&j);
		if (j.p >= j.end)
			break;
		if (jobject(&j, &o, true) == 0)
			continue;
		/* a broken ndjson line spoils only itself: go on after it */
		bad = true;
		nl = memchr(j.p, '\n', (size_t) (j.end - j.p));
		if (nl == NULL)
			break;
		j.p = nl + 1;
	}
	if (bad && o.n == 0)
		return HY_ERR_INVALID;
	return o.n;
}

/* One transfer slot */
typedef struct deleg_xfer
{
	CURL	   *easy;
	bool		busy;
	bool		truncated;
	uint64_t	tag;
	size_t		len;
	size_t		cap;
	char	   *body;
	char		url[DELEG_URL_MAX];
} deleg_xfer;

struct hy_deleg
{
	CURLM	   *multi;
	struct curl_slist *headers;
	int			nx;
	int			active;
	deleg_xfer *x;
};

/* curl's write callback: keep at most HY_DELEG_BODY_MAX bytes */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	deleg_xfer *x = arg;
	size_t		n = size * nmemb;

	if (x->len + n > HY_DELEG_BODY_MAX)
	{
		x->truncated = true;
		return 0;				/* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	if (x->len + n > x->cap)
	{
		size_t		cap = x->cap ? x->cap : DELEG_BODY_INITIAL;
		char	   *b;

		while (cap < x->len + n)
			cap *= 2;
		if (cap > HY_DELEG_BODY_MAX)
			cap = HY_DELEG_BODY_MAX;
		if ((b = realloc(x->body, cap)) == NULL)
			return 0;
		x->body = b;
		x->cap = cap;
	}
	memcpy(x->body + x->len, data, n);
	x->len += n;
	return n;
}

/* Create a client (see delegated.h) */
hy_deleg *
hy_deleg_new(int max_requests)
{
	static bool curl_ready = false;
	hy_deleg   *d;

	if (max_requests < 1 || max_requests > HY_DELEG_MAX_REQUESTS)
		return NULL;
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = true;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->x = calloc((size_t) max_requests, sizeof(deleg_xfer));
	d->multi = curl_multi_init();
	d->headers = curl_slist_append(NULL, "Accept: application/x-ndjson, application/json");
	if (d->x == NULL || d->multi == NULL || d->headers == NULL)
	{
		hy_deleg_free(d);
		return NULL;
	}
	d->nx = max_requests;
	/* one endpoint: a few kept-alive connections are all that is reused */
	curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long) (max_requests < 8 ? max_requests : 8));
	return d;
}

/* Free a slot's transfer (off the multi handle), keeping its easy handle */
static void
xfer_end(hy_deleg *d, deleg_xfer *x)
{
	if (!x->busy)
		return;
	curl_multi_remove_handle(d->multi, x->easy);
	x->busy = false;
	x->len = 0;
	d->active--;
}

/* Free the client (see delegated.h) */
void
hy_deleg_free(hy_deleg *d)
{
	if (d == NULL)
		return;
	for (int i = 0; d->x != NULL && i < d->nx; i++)
	{
		xfer_end(d, &d->x[i]);
		if (d->x[i].easy)
			curl_easy_cleanup(d->x[i].easy);
		free(d->x[i].body);
	}
	if (d->multi)
		curl_multi_cleanup(d->multi);
	curl_slist_free_all(d->headers);
	free(d->x);
	free(d);
}

/* Start a request (see delegated.h) */
int
hy_deleg_start(hy_deleg *d, const char *base_url, const char *cid, int timeout_ms, uint64_t tag)
{
	deleg_xfer *x = NULL;
	size_t		blen;
	int			n;

	if (d == NULL || base_url == NULL || cid == NULL || timeout_ms <= 0)
		return HY_ERR_INVALID;
	/* a CID is base-encoded: anything else would change the URL's meaning */
	if (cid[0] == '\0' || strspn(cid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
		!= strlen(cid))
		return HY_ERR_INVALID;
	if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
		return HY_ERR_UNSUPPORTED;
	for (int i = 0; i < d->nx; i++)
		if (!d->x[i].busy)
		{
			x = &d->x[i];
			break;
		}
	if (x == NULL)
		return HY_ERR_NOSPACE;
	blen = strlen(base_url);
	while (blen > 0 && base_url[blen - 1] == '/')
		blen--;
	n = snprintf(x->url, sizeof(x->url), "%.*s/routing/v1/providers/%s", (int) blen, base_url, cid);
	if (n < 0 || (size_t) n >= sizeof(x->url))
		return HY_ERR_TOO_LONG;
	if (x->easy == NULL && (x->easy = curl_easy_init()) == NULL)
		return HY_ERR_NOMEM;
	curl_easy_reset(x->easy);
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, d->headers);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "hydra");
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
	/* a server process has its own signal handlers; curl must not touch them */
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE, (long) HY_DELEG_BODY_MAX);
	x->len = 0;
	x->truncated = false;
	x->tag = tag;
	if (curl_multi_add_handle(d->multi, x->easy) != CURLM_OK)
		return HY_ERR_NOMEM;
	x->busy = true;
	d->active++;
	return HY_OK;
}

/* Abandon a request (see delegated.h) */
void
hy_deleg_cancel(hy_deleg *d, uint64_t tag)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->nx; i++)
		if (d->x[i].busy && d->x[i].tag == tag)
			xfer_end(d, &d->x[i]);
}

/* Drive transfers and hand back a finished one (see delegated.h) */
int
hy_deleg_poll(hy_deleg *d, hy_deleg_result *res)
{
	int			running;
	int			left;
	CURLMsg    *m;

	if (d == NULL || d->active == 0)
		return 0;
	(void) curl_multi_perform(d->multi, &running);
	while ((m = curl_multi_info_read(d->multi, &left)) != NULL)
	{
		deleg_xfer *x = NULL;
		CURLcode	rc = m->data.result;
		long		code = 0;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &x);
		if (x == NULL || !x->busy)
			continue;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		memset(res, 0, offsetof(hy_deleg_result, prov));
		res->tag = x->tag;
		res->http_status = code;
		if (rc == CURLE_OPERATION_TIMEDOUT)
			res->status = HY_DELEG_TIMEOUT;
		else if ((rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->truncated)) && code == 200)
		{
			int			n = hy_deleg_parse(x->body ? x->body : "", x->len, res->prov,
										   HY_DELEG_MAX_PROVIDERS);

			res->nprov = n > 0 ? n : 0;
			if (n > 0)
				res->status = HY_DELEG_FOUND;
			else if (n == 0 && !x->truncated)
				res->status = HY_DELEG_EMPTY;
			else
				res->status = HY_DELEG_ERROR;
		}
		else
			res->status = HY_DELEG_ERROR;
		xfer_end(d, x);
		return 1;
	}
	return 0;
}

/* Transfers in flight (see delegated.h) */
int
hy_deleg_active(const hy_deleg *d)
{
	return d ? d->active : 0;
}
