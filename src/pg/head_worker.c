/*
 * head_worker.c — a head worker: one event loop hosting a share of the
 * heads (libp2p hosts, one identity each), waited on beside the latch.
 *
 * The loop's epoll descriptor is registered once in a WaitEventSet; every
 * wake-up runs the loop without blocking.  Nothing a peer sends reaches
 * PostgreSQL APIs except through the store interface, and the network code
 * never raises signals or aborts.  See src/pg/README.md.
 */
#include "postgres.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "net/conn.h"
#include "net/loop.h"

#include "pg/head_worker.h"
#include "pg/hydra_pg.h"
#include "pg/shmem.h"

PGDLLEXPORT void hydra_head_worker_main(Datum arg);

/* How often a head worker checks whether the launcher has published the heads */
#define HEAD_WAIT_POLL_MS 1000

static int	my_worker = -1;
static HydraHead *my_heads = NULL;
static int	my_nheads = 0;

/* Add one swarm entry for a new connection; its index + 1, or 0 when full */
static int
swarm_add(HydraHead *hh, hy_conn *c)
{
	HydraWorkerSlot *ws = hydra_worker_slot(my_worker);
	size_t		len;
	const uint8_t *p;
	int			found = -1;

	LWLockAcquire(&ws->lock, LW_EXCLUSIVE);
	for (int i = 0; i < HYDRA_SWARM_PER_WORKER; i++)
		if (ws->swarm[i].head < 0)
		{
			found = i;
			break;
		}
	if (found >= 0)
	{
		HydraSwarmEntry *e = &ws->swarm[found];

		e->head = hh->head;
		e->inbound = !hy_conn_is_dialer(c);
		e->peer_id[0] = '\0';
		e->addr[0] = '\0';
		if ((p = hy_conn_peer_id(c, &len)) != NULL)
			(void) hy_peerid_format(p, len, e->peer_id, sizeof(e->peer_id));
		if ((p = hy_conn_remote_addr(c, &len)) != NULL)
			(void) hy_multiaddr_format(p, len, e->addr, sizeof(e->addr));
		if (found + 1 > ws->swarm_used)
			ws->swarm_used = found + 1;
	}
	LWLockRelease(&ws->lock);
	return found + 1;
}

/* Free a swarm entry */
static void
swarm_remove(int entry)
{
	HydraWorkerSlot *ws = hydra_worker_slot(my_worker);

	if (entry <= 0 || entry > HYDRA_SWARM_PER_WORKER)
		return;
	LWLockAcquire(&ws->lock, LW_EXCLUSIVE);
	ws->swarm[entry - 1].head = -1;
	LWLockRelease(&ws->lock);
}

/* Connection upgraded: count it and list it in the swarm table */
static void
on_conn_ready(hy_conn *c, void *arg)
{
	HydraHead  *hh = arg;

	pg_atomic_fetch_add_u32(&hh->slot->connections, 1);
	hy_conn_set_user(c, (void *) (intptr_t) swarm_add(hh, c));
	hydra_head_conn_ready(hh, c);
}

/* Connection gone: undo what on_conn_ready did (if it ran) */
static void
on_conn_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	HydraHead  *hh = arg;

	if (hy_conn_is_ready(c) || hy_conn_user(c) != NULL)
	{
		if (hy_conn_user(c) != NULL)
			swarm_remove((int) (intptr_t) hy_conn_user(c));
		pg_atomic_fetch_sub_u32(&hh->slot->connections, 1);
	}
	hydra_head_conn_closed(hh, c);
}

/* Identify finished: hand the peer to the routing layer */
static void
on_conn_identified(hy_conn *c, int ok, void *arg)
{
	hydra_head_conn_identified((HydraHead *) arg, c, ok);
}

static const hy_host_cbs head_cbs = {
	.conn_ready = on_conn_ready,
	.conn_identified = on_conn_identified,
	.conn_closed = on_conn_closed,
};

/* Record one announced address of a head (text, with /p2p/<id>) in its slot */
static void
slot_add_addr(HydraHead *hh, const uint8_t *ma, size_t len)
{
	char		text[HY_MULTIADDR_TEXT_MAX + 1];
	HydraHeadSlot *slot = hh->slot;

	if (slot->naddrs >= HYDRA_HEAD_ADDRS ||
		hy_multiaddr_format(ma, len, text, sizeof(text)) < 0)
		return;
	snprintf(slot->addrs[slot->naddrs], HYDRA_ADDR_TEXT, "%s/p2p/%s", text, slot->peer_id);
	slot->naddrs++;
}

/* Announce one address (binary multiaddr) for a head */
static void
announce(HydraHead *hh, const uint8_t *ma, size_t len)
{
	if (!hydra_allow_private_addresses && !hy_multiaddr_is_public(ma, len))
		return;
	if (hy_host_add_announce_addr(hh->host, ma, len) == HY_OK)
		slot_add_addr(hh, ma, len);
}

/* Announce the addresses of hydra.announce_addresses ("/tcp/0" = our port) */
static void
announce_configured(HydraHead *hh, uint16_t port)
{
	char	   *list = pstrdup(hydra_announce_addresses);
	char	   *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		char	   *text = psprintf("%s", tok);
		char	   *zero;
		uint8_t		ma[HY_MULTIADDR_MAX];
		int			n;

		while (*text == ' ')
			text++;
		if ((zero = strstr(text, "/tcp/0")) != NULL && (zero[6] == '\0' || zero[6] == '/'))
			text = psprintf("%.*s/tcp/%u%s", (int) (zero - text), text, port, zero + 6);
		n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));
		if (n < 0)
		{
			ereport(WARNING,
					(errmsg("hydra.announce_addresses: ignoring invalid multiaddr \"%s\"", text)));
			continue;
		}
		if (hy_host_add_announce_addr(hh->host, ma, n) == HY_OK)
			slot_add_addr(hh, ma, n);
	}
}

/* Announce every interface address (listening on 0.0.0.0 or ::) */
static void
announce_interfaces(HydraHead *hh, uint16_t port, bool ipv6)
{
	struct ifaddrs *ifs,
			   *ifa;

	if (getifaddrs(&ifs) != 0)
		return;
	for (ifa = ifs; ifa; ifa = ifa->ifa_next)
	{
		uint8_t		ma[32];
		size_t		n = 0;

		if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
		{
			ma[n++] = HY_MA_IP4;
			memcpy(ma + n, &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr, 4);
			n += 4;
		}
		else if (ipv6 && ifa->ifa_addr->sa_family == AF_INET6)
		{
			ma[n++] = HY_MA_IP6;
			memcpy(ma + n, &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr, 16);
			n += 16;
		}
		else
			continue;
		ma[n++] = HY_MA_TCP;
		ma[n++] = port >> 8;
		ma[n++] = port & 0xff;
		announce(hh, ma, n);
	}
	freeifaddrs(ifs);
}

/* Read the private keys of this worker's heads from hydra.head_keys */
static void
load_head_keys(void)
{
	Datum	   *idxs = palloc(sizeof(Datum) * hydra_shared->nheads);
	int			n = 0;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];

	for (int h = 0; h < hydra_shared->nheads; h++)
		if (hydra_shared->heads[h].worker == my_worker)
			idxs[n++] = Int64GetDatum(hydra_shared->heads[h].idx);
	my_heads = MemoryContextAllocZero(TopMemoryContext, sizeof(HydraHead) * Max(n, 1));
	values[0] = PointerGetDatum(construct_array(idxs, n, INT8OID, 8, true, TYPALIGN_DOUBLE));

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	if (SPI_execute_with_args("SELECT k.idx, k.private_key FROM hydra.head_keys k "
							  "WHERE k.seed_id = hydra.fleet_id(hydra.host_seed()) "
							  "AND k.depth = 12 AND k.idx = ANY($1)",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read head keys");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		int64		idx = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		bytea	   *pk = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));

		for (int h = 0; h < hydra_shared->nheads; h++)
		{
			HydraHeadSlot *slot = &hydra_shared->heads[h];

			if (slot->worker != my_worker || slot->idx != idx)
				continue;
			my_heads[my_nheads].head = h;
			my_heads[my_nheads].slot = slot;
			if (hy_privkey_decode((const uint8_t *) VARDATA_ANY(pk), VARSIZE_ANY_EXHDR(pk),
								  &my_heads[my_nheads].keypair) < 0)
				elog(ERROR, "head %d: stored private key does not decode", h);
			my_nheads++;
		}
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	if (my_nheads != n)
		elog(ERROR, "hydra head worker %d: found %d of %d head keys", my_worker, my_nheads, n);
}

/* Create, bind and announce every head of this worker */
static void
start_heads(hy_loop *loop)
{
	bool		any_address = strcmp(hydra_listen_address, "0.0.0.0") == 0 ||
		strcmp(hydra_listen_address, "::") == 0;

	for (int i = 0; i < my_nheads; i++)
	{
		HydraHead  *hh = &my_heads[i];
		HydraHeadSlot *slot = hh->slot;
		hy_host_config cfg;
		uint16_t	port;
		uint16_t	want;
		int			rc;

		hy_host_config_init(&cfg, &hh->keypair);
		cfg.agent = "hydra/" HYDRA_VERSION;
		cfg.idle_timeout_ms = -1;
		hydra_head_configure(hh, &cfg);
		hh->host = hy_host_new(loop, &cfg, &head_cbs, hh);
		if (hh->host == NULL)
			elog(ERROR, "head %d: could not create host", hh->head);

		/* a restarted worker takes back the port it had */
		want = slot->port ? slot->port : (hydra_port_begin ? hydra_port_begin + hh->head : 0);
		rc = hy_host_listen(hh->host, hydra_listen_address, want, &port);
		if (rc < 0)
			ereport(ERROR,
					(errmsg("head %d: could not listen on %s port %u: %s", hh->head,
							hydra_listen_address, want, hy_net_strerror(rc))));
		slot->port = port;
		slot->naddrs = 0;
		if (hydra_announce_addresses[0] != '\0')
			announce_configured(hh, port);
		else if (any_address)
			announce_interfaces(hh, port, strcmp(hydra_listen_address, "::") == 0);
		else
		{
			char	   *text = psprintf("/%s/%s/tcp/%u",
										strchr(hydra_listen_address, ':') ? "ip6" : "ip4",
										hydra_listen_address, port);
			uint8_t		ma[HY_MULTIADDR_MAX];
			int			n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));

			if (n > 0)
				slot_add_addr(hh, ma, n);	/* hy_host_listen announces it */
		}
		hydra_head_attach(hh);
		slot->started_at = GetCurrentTimestamp();
	}
}

/* Clear this worker's traces from shared memory when it exits */
static void
head_worker_cleanup(int code, Datum arg)
{
	HydraWorkerSlot *ws;

	if (hydra_shared == NULL || my_worker < 0)
		return;
	ws = hydra_worker_slot(my_worker);
	LWLockAcquire(&ws->lock, LW_EXCLUSIVE);
	for (int i = 0; i < HYDRA_SWARM_PER_WORKER; i++)
		ws->swarm[i].head = -1;
	ws->swarm_used = 0;
	ws->pid = 0;
	LWLockRelease(&ws->lock);
	for (int i = 0; i < my_nheads; i++)
	{
		my_heads[i].slot->started_at = 0;
		pg_atomic_write_u32(&my_heads[i].slot->connections, 0);
	}
}

/* Sleep until the launcher has published the heads */
static void
wait_for_launcher(void)
{
	while (!hydra_shared->heads_ready)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 HEAD_WAIT_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Entry point of a head worker */
void
hydra_head_worker_main(Datum arg)
{
	hy_loop    *loop;
	WaitEventSet *set;
	HydraWorkerSlot *ws;

	my_worker = DatumGetInt32(arg);
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hydra_database, NULL, 0);

	ws = hydra_worker_slot(my_worker);
	ws->pid = MyProcPid;
	ws->started_at = GetCurrentTimestamp();
	before_shmem_exit(head_worker_cleanup, 0);

	wait_for_launcher();
	load_head_keys();

	loop = hy_loop_new();
	if (loop == NULL)
		elog(ERROR, "could not create the event loop");
	hydra_head_worker_init(loop, my_heads, my_nheads);
	start_heads(loop);
	ereport(LOG, (errmsg("hydra head worker %d: serving %d heads", my_worker, my_nheads)));
	pgstat_report_activity(STATE_IDLE, NULL);

	set = hydra_worker_wait_set(hy_loop_fd(loop));

	for (;;)
	{
		WaitEvent	ev;
		int			timeout = hydra_head_worker_timeout(hy_loop_next_timeout(loop));

		(void) WaitEventSetWait(set, timeout, &ev, 1, PG_WAIT_EXTENSION);
		hydra_worker_woke();
		hy_loop_run_once(loop, 0);
		hydra_head_worker_tick(loop);
	}
}
