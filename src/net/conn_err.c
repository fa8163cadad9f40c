/*
 * conn_err.c — text for the network layer's error codes (limits.h).
 */
#include "core/err.h"
#include "net/limits.h"

/* Describe a core or network error code */
const char *
hy_net_strerror(int err)
{
	switch (err)
	{
		case HY_NET_ERR_IO:
			return "connection i/o error";
		case HY_NET_ERR_TIMEOUT:
			return "timeout";
		case HY_NET_ERR_CLOSED:
			return "closed";
		case HY_NET_ERR_LIMIT:
			return "limit reached";
		case HY_NET_ERR_PROTOCOL:
			return "protocol violation";
		case HY_NET_ERR_PEER_ID:
			return "unexpected peer id";
		case HY_NET_ERR_REFUSED:
			return "protocol refused";
	}
	return hy_strerror(err);
}
