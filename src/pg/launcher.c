/*
 * launcher.c — the launcher worker and the registration of all workers.
 *
 * Head workers are registered statically at preload (their number is a
 * postmaster setting), so the postmaster itself restarts any that fail and
 * a crash restart never duplicates them.  They wait until the launcher has
 * found the extension in hydra.database and prepared the head identities
 * (generated once, persisted in hydra.head_keys); the launcher then
 * publishes them in shared memory.  See src/pg/README.md.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "core/multiaddr.h"
#include "net/dnsaddr.h"

#include "pg/hydra_pg.h"
#include "pg/metrics.h"
#include "pg/shmem.h"

PGDLLEXPORT void hydra_launcher_main(Datum arg);

/* How often the launcher looks for the extension while it is missing */
#define LAUNCHER_POLL_MS 5000
/* How often /dnsaddr/ bootstrap entries are resolved again */
#define DNSADDR_REFRESH_MS (60 * 60 * 1000)
/* Retry delay after a resolution that found nothing */
#define DNSADDR_RETRY_MS (5 * 60 * 1000)

/* Register the launcher and every head worker */
void
hydra_register_workers(void)
{
	hydra_register_worker("hydra launcher", "hydra_launcher_main", 0, 10);
	for (int w = 0; w < hydra_head_workers; w++)
	{
		char		name[BGW_MAXLEN];

		snprintf(name, sizeof(name), "hydra head worker %d", w);
		hydra_register_worker(name, "hydra_head_worker_main", w, 1);
	}
}

/*
 * Make sure the head identities exist and publish them; false while the
 * extension is not installed.
 */
static bool
prepare_heads(void)
{
	bool		ready = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (OidIsValid(get_extension_oid("hydra", true)))
	{
		Oid			types[2] = {INT4OID, INT8OID};
		Datum		values[2] = {Int32GetDatum(hydra_nheads), Int64GetDatum(hydra_id_offset)};

		pgstat_report_activity(STATE_RUNNING, "hydra: preparing head identities");
		SPI_connect();
		if (SPI_execute_with_args("SELECT head, idx, peer_id FROM hydra.head_identities($1, $2)",
								  2, types, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not prepare head identities");
		LWLockAcquire(&hydra_shared->lock, LW_EXCLUSIVE);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int			head = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
			HydraHeadSlot *slot;

			if (head < 0 || head >= hydra_shared->nheads)
				continue;
			slot = &hydra_shared->heads[head];
			slot->idx = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
			strlcpy(slot->peer_id, SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3),
					sizeof(slot->peer_id));
			slot->worker = head % hydra_shared->nworkers;
		}
		ready = SPI_processed == (uint64) hydra_shared->nheads;
		hydra_shared->heads_ready = ready;
		LWLockRelease(&hydra_shared->lock);
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return ready;
}

/*
 * Resolve the /dnsaddr/ entries of hydra.bootstrap_peers (blocking DNS with
 * short timeouts: the launcher serves no peers) and publish the addresses
 * for the head workers.  Returns how many were found; logs a failure once.
 */
static int
resolve_bootstrap(bool *logged)
{
	char	   *list = pstrdup(hydra_bootstrap_peers);
	char	   *save = NULL;
	char		found[HYDRA_BOOTSTRAP_MAX][HYDRA_BOOTSTRAP_TEXT];
	int			nfound = 0;
	int			ndnsaddr = 0;

	for (char *tok = strtok_r(list, ",", &save); tok && nfound < HYDRA_BOOTSTRAP_MAX;
		 tok = strtok_r(NULL, ",", &save))
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		uint8_t		out[8][HY_MULTIADDR_MAX];
		size_t		out_len[8];
		int			len;
		int			n;

		while (*tok == ' ')
			tok++;
		len = hy_multiaddr_parse(tok, strlen(tok), ma, sizeof(ma));
		if (len <= 0 || ma[0] != HY_MA_DNSADDR)
			continue;
		ndnsaddr++;
		CHECK_FOR_INTERRUPTS();
		n = hy_dnsaddr_resolve(ma, len, NULL, NULL, out, out_len, 8);
		for (int i = 0; i < n && nfound < HYDRA_BOOTSTRAP_MAX; i++)
			if (hy_multiaddr_format(out[i], out_len[i], found[nfound], HYDRA_BOOTSTRAP_TEXT) > 0)
				nfound++;
	}
	pfree(list);
	if (ndnsaddr == 0)
		return 0;
	if (nfound == 0 && !*logged)
		ereport(LOG,
				(errmsg("hydra launcher: none of the %d /dnsaddr/ bootstrap entries resolved; retrying every %d minutes",
						ndnsaddr, DNSADDR_RETRY_MS / 60000)));
	*logged = *logged || nfound == 0;
	if (nfound > 0)
	{
		LWLockAcquire(&hydra_shared->lock, LW_EXCLUSIVE);
		memcpy(hydra_shared->bootstrap, found, sizeof(found[0]) * nfound);
		hydra_shared->nbootstrap = nfound;
		LWLockRelease(&hydra_shared->lock);
		pg_atomic_fetch_add_u32(&hydra_shared->bootstrap_gen, 1);
	}
	return nfound;
}

/* Entry point of the launcher worker */
void
hydra_launcher_main(Datum arg)
{
	bool		logged_missing = false;
	bool		dns_logged = false;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hydra_database, NULL, 0);

	LWLockAcquire(&hydra_shared->lock, LW_EXCLUSIVE);
	hydra_shared->launcher_pid = MyProcPid;
	LWLockRelease(&hydra_shared->lock);

	while (!prepare_heads())
	{
		if (!logged_missing)
			ereport(LOG,
					(errmsg("hydra launcher: waiting for CREATE EXTENSION hydra in database \"%s\"",
							hydra_database)));
		logged_missing = true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 LAUNCHER_POLL_MS, PG_WAIT_EXTENSION);
		hydra_worker_woke();
	}
	ereport(LOG, (errmsg("hydra launcher: %d heads ready for %d head workers",
						 hydra_shared->nheads, hydra_shared->nworkers)));
	/* metrics gauges that need SQL; its own timer wakes the loop below */
	hydra_metrics_launcher_tick();

	/* The head workers run on their own; resolve bootstrap names for them */
	for (;;)
	{
		long		wait = -1L;

		if (strstr(hydra_bootstrap_peers, "/dnsaddr/") != NULL)
			wait = resolve_bootstrap(&dns_logged) > 0 ? DNSADDR_REFRESH_MS : DNSADDR_RETRY_MS;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH |
						 (wait >= 0 ? WL_TIMEOUT : 0), wait, PG_WAIT_EXTENSION);
		hydra_worker_woke();
		/* metrics gauges that need SQL, and the status line */
		hydra_metrics_launcher_tick();
	}
}
