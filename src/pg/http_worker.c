/*
 * http_worker.c — the /metrics worker: Prometheus scrapes GET /metrics on
 * hydra.metrics_address (loopback by default; '' = no worker).
 *
 * libmicrohttpd runs in its "external" mode, single-threaded: it owns an
 * epoll descriptor that we wait on in the worker's WaitEventSet beside the
 * latch, and MHD_run() calls our handler from this, the main, thread — the
 * only thread that may touch PostgreSQL APIs.  The page is built from
 * shared memory (no database, no SPI), so a slow database
 * never slows a scrape.  Connections are bounded in number and time.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"

#include "pg/hydra_pg.h"
#include "pg/metrics.h"

PGDLLEXPORT void hydra_http_worker_main(Datum arg);
extern void hydra_register_http_worker(void);

#define HTTP_MAX_CONNECTIONS 16
#define HTTP_MAX_PER_IP 4
#define HTTP_TIMEOUT_S 10
#define HTTP_RETRY_MS 30000		/* retry a failed bind */

static MemoryContext request_cxt = NULL;

/* Register the /metrics worker (only when hydra.metrics_address is set) */
void
hydra_register_http_worker(void)
{
	/* a connection to no database: visible in pg_stat_activity, no catalogs */
	hydra_register_worker("hydra metrics http", "hydra_http_worker_main", 0, 10);
}

/* Parse "host:port" or "[v6]:port" into a socket address */
static bool
parse_address(const char *text, struct sockaddr_storage *ss, socklen_t *len, bool *v6)
{
	char		host[128];
	const char *colon;
	const char *h = text;
	size_t		hlen;
	char	   *end;
	long		port;

	memset(ss, 0, sizeof(*ss));
	if (*text == '[')
	{
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return false;
		h = text + 1;
		hlen = close - h;
		colon = close + 1;
	}
	else
	{
		colon = strrchr(text, ':');
		if (colon == NULL)
			return false;
		hlen = colon - text;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		return false;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *) ss)->sin_addr) == 1)
	{
		((struct sockaddr_in *) ss)->sin_family = AF_INET;
		((struct sockaddr_in *) ss)->sin_port = htons((uint16) port);
		*len = sizeof(struct sockaddr_in);
		*v6 = false;
		return true;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *) ss)->sin6_addr) == 1)
	{
		((struct sockaddr_in6 *) ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *) ss)->sin6_port = htons((uint16) port);
		*len = sizeof(struct sockaddr_in6);
		*v6 = true;
		return true;
	}
	return false;
}

/* Queue a short plain-text answer */
static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned int status, const char *body, size_t len,
	   const char *content_type)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, (void *) body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	(void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/*
 * Answer one request.  Runs inside MHD_run() on the worker's own thread;
 * an ERROR must not unwind through libmicrohttpd, so it is caught here.
 */
static enum MHD_Result
handle_request(void *cls, struct MHD_Connection *conn, const char *url,
			   const char *method, const char *version, const char *upload_data,
			   size_t *upload_data_size, void **con_cls)
{
	static const char text_type[] = "text/plain; charset=utf-8";
	volatile enum MHD_Result rc = MHD_NO;
	MemoryContext old;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", 19, text_type);
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n", 24, text_type);

	old = MemoryContextSwitchTo(request_cxt);
	PG_TRY();
	{
		StringInfoData out;

		initStringInfo(&out);
		hydra_metrics_text(&out);
		rc = answer(conn, MHD_HTTP_OK, out.data, out.len, "text/plain; version=0.0.4; charset=utf-8");
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(request_cxt);
		EmitErrorReport();
		FlushErrorState();
		rc = answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n", 15, text_type);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextReset(request_cxt);
	return rc;
}

/* Start libmicrohttpd on an address, without threads of its own; NULL on failure */
static struct MHD_Daemon *
start_daemon(struct sockaddr *sa, bool v6)
{
	/* no MHD_USE_INTERNAL_POLLING_THREAD: MHD_run() in our loop drives it */
	return MHD_start_daemon(MHD_USE_EPOLL | (v6 ? MHD_USE_IPv6 : 0),
							0, NULL, NULL, handle_request, NULL,
							MHD_OPTION_SOCK_ADDR, sa,
							MHD_OPTION_CONNECTION_LIMIT, (unsigned int) HTTP_MAX_CONNECTIONS,
							MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) HTTP_MAX_PER_IP,
							MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) HTTP_TIMEOUT_S,
							MHD_OPTION_END);
}

/* Stop the daemon when the worker exits (closes the listening socket) */
static void
http_cleanup(int code, Datum arg)
{
	struct MHD_Daemon *d = (struct MHD_Daemon *) DatumGetPointer(arg);

	if (hydra_metrics != NULL)
		hydra_metrics->http_pid = 0;
	MHD_stop_daemon(d);
}

/* Entry point of the /metrics worker */
void
hydra_http_worker_main(Datum arg)
{
	struct sockaddr_storage ss;
	socklen_t	sslen;
	bool		v6;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	WaitEventSet *set;
	int			port;
	bool		warned = false;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGPIPE, SIG_IGN);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	if (!parse_address(hydra_metrics_address, &ss, &sslen, &v6))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"hydra.metrics_address\": \"%s\"",
						hydra_metrics_address),
				 errhint("Use host:port with a numeric address, e.g. 127.0.0.1:9758 or [::1]:9758; '' disables the endpoint.")));
	request_cxt = AllocSetContextCreate(TopMemoryContext, "hydra metrics request",
										ALLOCSET_DEFAULT_SIZES);

	/*
	 * A taken port (another cluster on this machine) is not fatal: warn
	 * once and retry, rather than exit and be restarted into the same error.
	 */
	while ((d = start_daemon((struct sockaddr *) &ss, v6)) == NULL)
	{
		int			save_errno = errno;

		if (!warned)
		{
			errno = save_errno;
			ereport(WARNING,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("hydra: could not serve /metrics on %s: %m; retrying every %d s",
							hydra_metrics_address, HTTP_RETRY_MS / 1000),
					 errhint("Another process may hold the port; change hydra.metrics_address or set it to '' to disable the endpoint.")));
		}
		warned = true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 HTTP_RETRY_MS, PG_WAIT_EXTENSION);
		hydra_worker_woke();
	}
	before_shmem_exit(http_cleanup, PointerGetDatum(d));
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : 0;
	hydra_metrics->http_port = port;
	hydra_metrics->http_pid = MyProcPid;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("hydra: libmicrohttpd has no epoll descriptor")));
	ereport(LOG, (errmsg("hydra metrics: serving /metrics on %s (port %d)",
						 hydra_metrics_address, port)));

	set = hydra_worker_wait_set(info->epoll_fd);

	for (;;)
	{
		WaitEvent	ev;
		MHD_UNSIGNED_LONG_LONG mhd_timeout;
		long		timeout = -1;

		if (MHD_get_timeout(d, &mhd_timeout) == MHD_YES)
			timeout = (long) Min(mhd_timeout, (MHD_UNSIGNED_LONG_LONG) 60000);
		(void) WaitEventSetWait(set, timeout, &ev, 1, PG_WAIT_EXTENSION);
		hydra_worker_woke();
		(void) MHD_run(d);
	}
}
