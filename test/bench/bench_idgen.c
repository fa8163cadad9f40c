/*
 * bench_idgen.c — speed of balanced idgen and its balance against the Go
 * original's two-choice method.
 *
 *   build/bench/bench_idgen [max_n]
 *
 * Prints the Ed25519 key-generation cost of the two libsodium routes; ids/s
 * at D = 8, 10, 12 with 1 and 2 threads, both for ids computed one call at a
 * time and for a range sharing the scan; and min/max/mean trie depth of the
 * first N ids (N = 100, 256, 1000, 2000, 4096, capped at max_n) for the
 * balanced method at D = 12 and for two-choice (averaged over 20 seeds).
 * About a minute on two idle cores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/err.h"
#include "core/idgen.h"

#define TC_SEEDS	20			/* two-choice is random per seed: average several */
#define NROWS		5			/* rows of the balance table */

/* Read a monotonic clock in seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Read this process's CPU time in seconds (all threads) */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Read the calling thread's CPU time in seconds */
static double
thread_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Time the two ways libsodium can turn a seed into an Ed25519 public key */
static void
bench_keygen(void)
{
	uint8_t		seed[32] = {7},
				pk[32],
				sk[64],
				h[64];
	const int	n = 20000;
	double		t0,
				t1,
				t2;

	/* CPU time, not wall time: the figure must not depend on other load */
	t0 = thread_cpu_now();
	for (int k = 0; k < n; k++)
	{
		seed[0] = (uint8_t) k;
		seed[1] = (uint8_t) (k >> 8);
		crypto_sign_seed_keypair(pk, sk, seed);
	}
	t1 = thread_cpu_now();
	for (int k = 0; k < n; k++)
	{
		seed[0] = (uint8_t) k;
		seed[1] = (uint8_t) (k >> 8);
		crypto_hash_sha512(h, seed, 32);
		h[0] &= 248;
		h[31] &= 127;
		h[31] |= 64;
		crypto_scalarmult_ed25519_base_noclamp(pk, h);
	}
	t2 = thread_cpu_now();
	printf("keygen (CPU time): crypto_sign_seed_keypair %.1f us/key, "
		   "sha512 + scalarmult_ed25519_base_noclamp %.1f us/key\n\n",
		   (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6);
}

/*
 * Time count ids either one call per id (each scans its round's stream
 * alone: the cost of one independent id) or as one range call (the ids share
 * the scan), and print the rate.
 */
static void
bench_rate(const uint8_t seed[32], int depth, int nthreads, uint32_t count,
		   int single)
{
	hy_idgen_result *r = calloc(count, sizeof(*r));
	uint64_t	attempts = 0;
	uint32_t	max_attempts = 0;
	double		t0,
				c0,
				dt,
				dc;
	int			rc = HY_OK;

	t0 = now();
	c0 = cpu_now();
	if (single)
	{
		/* ids spread over the round so that no two share a prefix */
		for (uint32_t k = 0; k < count && rc == HY_OK; k++)
			rc = hy_idgen_range(seed, (uint64_t) k * 7919, 1, depth, nthreads, &r[k]);
	}
	else
		rc = hy_idgen_range(seed, 0, count, depth, nthreads, r);
	dt = now() - t0;
	dc = cpu_now() - c0;
	if (rc != HY_OK)
	{
		printf("D=%d: error %s\n", depth, hy_strerror(rc));
		exit(1);
	}
	for (uint32_t k = 0; k < count; k++)
	{
		attempts += r[k].attempts;
		if (r[k].attempts > max_attempts)
			max_attempts = r[k].attempts;
	}
	/* keys: every id's own scan, or one shared scan up to the last find */
	if (!single)
		attempts = max_attempts;
	printf("%3d %-6s %7d %6u %8.2f %8.2f %10.2f %10.0f %12.2f\n", depth,
		   single ? "single" : "range", nthreads, count, dt, dc, count / dt,
		   attempts / dt, count / dc);
	free(r);
}

/* Fill ids with the Kademlia ids of the first n results */
static void
kad_ids(const hy_idgen_result *r, size_t n, uint8_t (*ids)[32])
{
	for (size_t k = 0; k < n; k++)
		memcpy(ids[k], r[k].kad_id, 32);
}

/* Measure the balance of the first n results */
static hy_trie_balance
balance_of(const hy_idgen_result *r, size_t n, uint8_t (*scratch)[32])
{
	hy_trie_balance b;

	kad_ids(r, n, scratch);
	if (hy_trie_balance_of((const uint8_t (*)[32]) scratch, n, &b) != HY_OK)
	{
		printf("balance failed\n");
		exit(1);
	}
	return b;
}

/* Print speed figures and the balance table */
int
main(int argc, char **argv)
{
	static const uint32_t table_n[] = {100, 256, 1000, 2000, 4096};
	uint32_t	max_n = argc > 1 ? (uint32_t) strtoul(argv[1], NULL, 10) : 4096;
	uint8_t		seed[32];
	hy_idgen_result *bal,
			   *tc;
	uint8_t		(*scratch)[32];
	double		t0,
				dt;
	int			rc;

	if (sodium_init() < 0)
		return 1;
	if (max_n < 1)
		max_n = 1;
	for (int k = 0; k < 32; k++)
		seed[k] = (uint8_t) (k * 37 + 11);

	bench_keygen();

	printf("balanced idgen speed.  single: one call per id (the cost of one id\n"
		   "computed alone; ~2^D keys each, geometric, so noisy); range: one call\n"
		   "for ids 0..count-1 sharing each round's scan.  keys/s counts candidate\n"
		   "positions scanned; cpu-s is CPU time of all threads (the machine may\n"
		   "be shared, so ids/cpu-s is the per-core figure).\n");
	printf("%3s %-6s %7s %6s %8s %8s %10s %10s %12s\n",
		   "D", "mode", "threads", "count", "wall-s", "cpu-s", "ids/s", "keys/s", "ids/cpu-s");
	for (int t = 1; t <= 2; t++)
	{
		bench_rate(seed, 8, t, 200, 1);
		bench_rate(seed, 10, t, 48, 1);
		bench_rate(seed, 12, t, 16, 1);
	}
	for (int t = 1; t <= 2; t++)
	{
		bench_rate(seed, 8, t, 256, 0);
		bench_rate(seed, 10, t, 1024, 0);
		bench_rate(seed, 12, t, 4096, 0);
	}

	/* the balance table: one balanced run of max_n ids at D = 12 */
	bal = calloc(max_n, sizeof(*bal));
	tc = calloc(max_n, sizeof(*tc));
	scratch = malloc((size_t) max_n * 32);
	t0 = now();
	rc = hy_idgen_range(seed, 0, max_n, 12, 2, bal);
	dt = now() - t0;
	if (rc != HY_OK)
	{
		printf("balanced run failed: %s\n", hy_strerror(rc));
		return 1;
	}
	printf("\nbalance run: range(0, %u, D=12), 2 threads: %.2f s, %.1f ids/s\n",
		   max_n, dt, max_n / dt);

	printf("\ntrie depth of the first N ids (min / max / mean); "
		   "two-choice averaged over %d seeds, [range of max]\n", TC_SEEDS);
	printf("%6s %9s | %-22s | %-22s | %-30s\n", "N", "ideal",
		   "balanced D=12", "two-choice (one seed)", "two-choice (mean of seeds)");
	{
		double		tc_min[NROWS] = {0},
					tc_max[NROWS] = {0},
					tc_mean[NROWS] = {0};
		int			tc_maxmax[NROWS] = {0},
					tc_minmax[NROWS] = {0};
		hy_trie_balance first[NROWS];

		for (int s = 0; s < TC_SEEDS; s++)
		{
			uint8_t		tseed[32];

			memcpy(tseed, seed, 32);
			tseed[31] ^= (uint8_t) s;
			if ((rc = hy_idgen_twochoice(tseed, max_n, tc)) != HY_OK)
			{
				printf("two-choice failed: %s\n", hy_strerror(rc));
				return 1;
			}
			for (int k = 0; k < NROWS; k++)
			{
				hy_trie_balance b;

				if (table_n[k] > max_n)
					continue;
				b = balance_of(tc, table_n[k], scratch);
				if (s == 0)
				{
					first[k] = b;
					tc_minmax[k] = b.max_depth;
				}
				tc_min[k] += b.min_depth;
				tc_max[k] += b.max_depth;
				tc_mean[k] += b.mean_depth;
				if (b.max_depth > tc_maxmax[k])
					tc_maxmax[k] = b.max_depth;
				if (b.max_depth < tc_minmax[k])
					tc_minmax[k] = b.max_depth;
			}
		}
		for (int k = 0; k < NROWS; k++)
		{
			uint32_t	n = table_n[k];
			hy_trie_balance b;
			int			lo = 0;
			char		ideal[32],
						c1[48],
						c2[48],
						c3[64];

			if (n > max_n)
				continue;
			while ((2u << lo) <= n)
				lo++;
			if ((1u << lo) == n)
				snprintf(ideal, sizeof(ideal), "%d", lo);
			else
				snprintf(ideal, sizeof(ideal), "%d..%d", lo, lo + 1);
			b = balance_of(bal, n, scratch);
			snprintf(c1, sizeof(c1), "%d / %d / %.2f", b.min_depth, b.max_depth, b.mean_depth);
			snprintf(c2, sizeof(c2), "%d / %d / %.2f", first[k].min_depth,
					 first[k].max_depth, first[k].mean_depth);
			snprintf(c3, sizeof(c3), "%.1f / %.1f / %.2f [%d..%d]",
					 tc_min[k] / TC_SEEDS, tc_max[k] / TC_SEEDS, tc_mean[k] / TC_SEEDS,
					 tc_minmax[k], tc_maxmax[k]);
			printf("%6u %9s | %-22s | %-22s | %-30s\n", n, ideal, c1, c2, c3);
		}
	}
	free(bal);
	free(tc);
	free(scratch);
	return 0;
}
