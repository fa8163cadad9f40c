/*
 * multistream.c — multistream-select 1.0 negotiation state machine.
 *
 * Messages are read one byte range at a time into a fixed buffer so the
 * caller may feed any chunking.  A message is only completed (and its last
 * byte consumed) when the output buffer can take the longest answer, so
 * output never has to be dropped.
 */
#include "net/multistream.h"

#include <string.h>

#include "core/err.h"
#include "core/varint.h"

/* Longest answer we queue for one inbound message: a proposal or echo */
#define MSS_ANSWER_MAX (HY_MSS_MSG_MAX + 2)

static const char mss_na[] = "na";

/* Check a protocol name we were given: non-empty, printable, short enough */
static int
mss_check_name(const char *name)
{
	size_t		len;

	if (name == NULL)
		return HY_ERR_INVALID;
	len = strlen(name);
	if (len == 0)
		return HY_ERR_INVALID;
	if (len + 1 > HY_MSS_MSG_MAX)
		return HY_ERR_TOO_LONG;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if (c < 0x20 || c == 0x7f)
			return HY_ERR_INVALID;
	}
	return HY_OK;
}

/* Encode one message: uvarint(len + 1) || text || '\n' */
int
hy_mss_encode(const char *text, uint8_t *out, size_t cap)
{
	size_t		len = strlen(text);
	uint8_t		hdr[HY_UVARINT_MAX];
	int			hl;

	if (len + 1 > HY_MSS_MSG_MAX)
		return HY_ERR_TOO_LONG;
	hl = hy_uvarint_put(len + 1, hdr);
	if (hl < 0)
		return hl;
	if ((size_t) hl + len + 1 > cap)
		return HY_ERR_NOSPACE;
	memcpy(out, hdr, hl);
	memcpy(out + hl, text, len);
	out[hl + len] = '\n';
	return hl + (int) len + 1;
}

/* Append one message to the output buffer */
static int
mss_queue(hy_mss *m, const char *text)
{
	int			n = hy_mss_encode(text, m->out + m->out_len,
								  sizeof(m->out) - m->out_len);

	if (n < 0)
		return n;
	m->out_len += n;
	return HY_OK;
}

/* Common part of both init functions */
static int
mss_init(hy_mss *m, const char *const *protos, int n, hy_mss_role role)
{
	int			rc;

	memset(m, 0, sizeof(*m));
	m->selected = -1;
	m->role = role;
	if (protos == NULL || n < 1 || n > HY_MSS_MAX_PROTOCOLS)
		rc = HY_ERR_INVALID;
	else
	{
		rc = HY_OK;
		for (int i = 0; i < n && rc == HY_OK; i++)
			rc = mss_check_name(protos[i]);
	}
	if (rc == HY_OK)
	{
		m->protos = protos;
		m->nprotos = n;
		rc = mss_queue(m, HY_MSS_PROTOCOL);
	}
	if (rc < 0)
		m->failed = (uint8_t) -rc;
	return rc;
}

/* Start a listener; our header is queued at once */
int
hy_mss_init_listener(hy_mss *m, const char *const *protocols, int n)
{
	return mss_init(m, protocols, n, HY_MSS_LISTENER);
}

/* Start a dialer; header and first proposal are queued together */
int
hy_mss_init_dialer(hy_mss *m, const char *const *proposals, int n)
{
	int			rc = mss_init(m, proposals, n, HY_MSS_DIALER);

	if (rc < 0)
		return rc;
	rc = mss_queue(m, proposals[0]);
	if (rc < 0)
		m->failed = (uint8_t) -rc;
	return rc;
}

/* Compare a received token with a NUL-terminated name */
static int
mss_token_is(const uint8_t *tok, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(tok, name, len) == 0;
}

/* Act on one complete message text (without its '\n') */
static int
mss_handle(hy_mss *m, const uint8_t *tok, size_t len)
{
	if (!m->got_header)
	{
		if (!mss_token_is(tok, len, HY_MSS_PROTOCOL))
			return HY_ERR_UNSUPPORTED;
		m->got_header = 1;
		return HY_MSS_MORE;
	}
	if (m->role == HY_MSS_LISTENER)
	{
		for (int i = 0; i < m->nprotos; i++)
		{
			if (mss_token_is(tok, len, m->protos[i]))
			{
				int			rc = mss_queue(m, m->protos[i]);

				if (rc < 0)
					return rc;
				m->selected = i;
				return HY_MSS_DONE;
			}
		}
		/* unknown protocol or "ls": both get na, within a budget */
		if (++m->rejects > HY_MSS_MAX_REJECTS)
			return HY_ERR_TOO_LONG;
		return mss_queue(m, mss_na);
	}
	/* dialer: an echo of the outstanding proposal, or na */
	if (mss_token_is(tok, len, m->protos[m->proposing]))
	{
		m->selected = m->proposing;
		return HY_MSS_DONE;
	}
	if (!mss_token_is(tok, len, mss_na))
		return HY_ERR_INVALID;
	if (++m->proposing >= m->nprotos)
		return HY_ERR_UNSUPPORTED;
	return mss_queue(m, m->protos[m->proposing]);
}

/* Read one length-prefix byte; HY_MSS_MORE or an error */
static int
mss_length_byte(hy_mss *m, uint8_t b)
{
	if (m->hdr_len == 0)
	{
		m->hdr_len = 1;
		m->msg_len = b & 0x7f;
		if (b & 0x80)
			return HY_MSS_MORE;
	}
	else
	{
		/*
		 * Second byte: 0 would be a non-minimal encoding; a continuation bit
		 * means a value of at least 2^14, far over the limit.
		 */
		if (b == 0)
			return HY_ERR_INVALID;
		if (b & 0x80)
			return HY_ERR_TOO_LONG;
		m->hdr_len = 2;
		m->msg_len |= (uint16_t) ((uint16_t) b << 7);
	}
	if (m->msg_len == 0)
		return HY_ERR_INVALID;
	if (m->msg_len > HY_MSS_MSG_MAX)
		return HY_ERR_TOO_LONG;
	m->len_done = 1;
	return HY_MSS_MORE;
}

/* Validate a complete message body: printable text ending in '\n' */
static int
mss_check_body(const uint8_t *body, size_t len)
{
	if (body[len - 1] != '\n')
		return HY_ERR_INVALID;
	if (len == 1)
		return HY_ERR_INVALID;	/* empty token */
	for (size_t i = 0; i + 1 < len; i++)
		if (body[i] < 0x20 || body[i] == 0x7f)
			return HY_ERR_INVALID;
	return HY_OK;
}

/* Feed received bytes into the negotiation */
int
hy_mss_feed(hy_mss *m, const uint8_t *in, size_t len, size_t *consumed)
{
	size_t		pos = 0;
	int			rc = HY_MSS_MORE;

	*consumed = 0;
	if (m->failed)
		return -(int) m->failed;
	if (m->done)
		return HY_MSS_DONE;
	while (pos < len && rc == HY_MSS_MORE)
	{
		size_t		want,
					take;

		if (!m->len_done)
		{
			rc = mss_length_byte(m, in[pos++]);
			continue;
		}
		want = m->msg_len - m->in_len;
		take = len - pos < want ? len - pos : want;
		if (take == want && sizeof(m->out) - m->out_len < MSS_ANSWER_MAX)
			break;				/* caller must drain output before we answer */
		memcpy(m->in + m->in_len, in + pos, take);
		m->in_len += take;
		pos += take;
		if (m->in_len < m->msg_len)
			continue;
		rc = mss_check_body(m->in, m->msg_len);
		if (rc == HY_OK)
			rc = mss_handle(m, m->in, m->msg_len - 1);
		m->in_len = 0;
		m->msg_len = 0;
		m->hdr_len = 0;
		m->len_done = 0;
	}
	*consumed = pos;
	if (rc < 0)
		m->failed = (uint8_t) -rc;
	else if (rc == HY_MSS_DONE)
		m->done = 1;
	return rc;
}

/* Index of the selected protocol, -1 before DONE */
int
hy_mss_selected(const hy_mss *m)
{
	return m->done ? m->selected : -1;
}

/* Name of the selected protocol, NULL before DONE */
const char *
hy_mss_selected_name(const hy_mss *m)
{
	return m->done ? m->protos[m->selected] : NULL;
}

/* Bytes waiting to be sent */
const uint8_t *
hy_mss_pending_output(const hy_mss *m, size_t *len)
{
	*len = m->out_len;
	return m->out;
}

/* Drop the first n pending output bytes */
void
hy_mss_consume_output(hy_mss *m, size_t n)
{
	if (n >= m->out_len)
	{
		m->out_len = 0;
		return;
	}
	memmove(m->out, m->out + n, m->out_len - n);
	m->out_len -= n;
}
