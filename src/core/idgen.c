/*
 * idgen.c — balanced deterministic peer-ID generation (see idgen.h for the
 * derivation, README-idgen.md for the reasoning).
 *
 * The cost is all in Ed25519 key generation, so the HKDF extract step (the
 * keyed HMAC state) is computed once per round and only the one-block expand
 * runs per candidate, and a range scans each round's candidate stream once
 * for all of its ids instead of once per id.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "core/err.h"
#include "core/idgen.h"
#include "core/idgen_internal.h"

#define IDGEN_SALT_TAG		"hydra idgen v1"
#define IDGEN_SALT_TAG_LEN	14
#define IDGEN_SALT_LEN		(IDGEN_SALT_TAG_LEN + 8 + 4)

/* Store v little-endian in 4 bytes */
static void
idgen_put_u32le(uint8_t *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		p[k] = (uint8_t) (v >> (8 * k));
}

/* Store v little-endian in 8 bytes */
static void
idgen_put_u64le(uint8_t *p, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		p[k] = (uint8_t) (v >> (8 * k));
}

/* Make libsodium ready; HY_OK or HY_ERR_CRYPTO */
int
hy_idgen_sodium_ready(void)
{
	/* sodium_init is idempotent and thread-safe; 1 means "already done" */
	return sodium_init() < 0 ? HY_ERR_CRYPTO : HY_OK;
}

/* Run HKDF-SHA256 extract: prk = HMAC(salt, ikm), kept as a keyed HMAC state */
void
hy_idgen_hkdf_extract(const uint8_t *salt, size_t salt_len,
					  const uint8_t *ikm, size_t ikm_len,
					  crypto_auth_hmacsha256_state *prk)
{
	crypto_auth_hmacsha256_state st;
	uint8_t		key[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, key);
	crypto_auth_hmacsha256_init(prk, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
}

/* Run HKDF-SHA256 expand for 32 bytes (one block) from a keyed PRK state */
void
hy_idgen_hkdf_expand32(const crypto_auth_hmacsha256_state *prk,
					   const uint8_t *info, size_t info_len, uint8_t out[32])
{
	/* T(1) = HMAC(PRK, info || 0x01); copying the keyed state skips re-keying */
	crypto_auth_hmacsha256_state st = *prk;
	const uint8_t one = 1;

	crypto_auth_hmacsha256_update(&st, info, info_len);
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* Fill pk, peer_id and kad_id of r from the Ed25519 seed already in r->seed */
int
hy_idgen_identity(hy_idgen_result *r)
{
	/* libp2p PublicKey protobuf: field 1 KeyType = 1 (Ed25519), field 2 = 32 bytes */
	static const uint8_t prefix[6] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];

	if (crypto_sign_seed_keypair(r->pk, sk, r->seed) != 0)
		return HY_ERR_CRYPTO;
	sodium_memzero(sk, sizeof(sk));
	memcpy(r->peer_id, prefix, sizeof(prefix));
	memcpy(r->peer_id + sizeof(prefix), r->pk, 32);
	crypto_hash_sha256(r->kad_id, r->peer_id, HY_IDGEN_PEER_ID_LEN);
	return HY_OK;
}

/* Return the D-bit Kademlia prefix that id number index targets (or 0 for a bad depth) */
uint32_t
hy_idgen_target_prefix(uint64_t index, int depth)
{
	uint32_t	v;
	uint32_t	r = 0;

	if (depth < HY_IDGEN_MIN_DEPTH || depth > HY_IDGEN_MAX_DEPTH)
		return 0;
	v = (uint32_t) (index & ((UINT64_C(1) << depth) - 1));
	for (int k = 0; k < depth; k++)
	{
		r = (r << 1) | (v & 1);
		v >>= 1;
	}
	return r;
}

/* Build the per-round HKDF salt: tag || u64 LE round || u32 LE depth */
static void
idgen_salt(uint8_t salt[IDGEN_SALT_LEN], uint64_t round, int depth)
{
	memcpy(salt, IDGEN_SALT_TAG, IDGEN_SALT_TAG_LEN);
	idgen_put_u64le(salt + IDGEN_SALT_TAG_LEN, round);
	idgen_put_u32le(salt + IDGEN_SALT_TAG_LEN + 8, (uint32_t) depth);
}

/* Compute candidate attempt of a round from the round's keyed PRK state */
static int
idgen_make(const crypto_auth_hmacsha256_state *prk, uint32_t attempt,
		   hy_idgen_result *r)
{
	uint8_t		info[4];

	idgen_put_u32le(info, attempt);
	hy_idgen_hkdf_expand32(prk, info, sizeof(info), r->seed);
	return hy_idgen_identity(r);
}

/* Derive the Ed25519 seed at position attempt of id index's round stream */
int
hy_idgen_candidate(const uint8_t seed[32], uint64_t index, int depth,
				   uint32_t attempt, uint8_t ed_seed[32])
{
	crypto_auth_hmacsha256_state prk;
	uint8_t		salt[IDGEN_SALT_LEN];
	uint8_t		info[4];
	int			rc;

	if (seed == NULL || ed_seed == NULL ||
		depth < HY_IDGEN_MIN_DEPTH || depth > HY_IDGEN_MAX_DEPTH)
		return HY_ERR_INVALID;
	if ((rc = hy_idgen_sodium_ready()) != HY_OK)
		return rc;
	idgen_salt(salt, index >> depth, depth);
	hy_idgen_hkdf_extract(salt, sizeof(salt), seed, HY_IDGEN_SEED_LEN, &prk);
	idgen_put_u32le(info, attempt);
	hy_idgen_hkdf_expand32(&prk, info, sizeof(info), ed_seed);
	sodium_memzero(&prk, sizeof(prk));
	return HY_OK;
}

/*
 * One round's search, shared by the threads of a hy_idgen_range call.
 *
 * The candidate stream of a round is scanned in blocks claimed in increasing
 * order.  For every wanted prefix the smallest matching position wins (an
 * atomic minimum), so the answer is the same whichever thread sees what.
 * Once every wanted prefix has a match, no unclaimed block can hold a smaller
 * position, so claiming stops; blocks under way still finish.
 */
typedef struct idgen_round
{
	crypto_auth_hmacsha256_state prk;	/* keyed by the round's PRK */
	int			depth;
	uint32_t	max_attempts;
	const int32_t *slot_of;		/* prefix -> offset in out[], or -1 */
	_Atomic uint32_t *best;		/* prefix -> smallest matching position */
	uint32_t	wanted;			/* number of prefixes with a slot */
	atomic_uint found;			/* prefixes with a match so far */
	atomic_uint next_block;		/* next block of positions to claim */
	atomic_int	err;			/* first error seen, HY_OK if none */
} idgen_round;

#define IDGEN_BLOCK		32		/* positions per claim: about 1 ms of work */
#define IDGEN_NONE		UINT32_MAX

/* Scan claimed blocks of the round's stream until every wanted prefix is found */
static void *
idgen_scan(void *arg)
{
	idgen_round *job = arg;
	hy_idgen_result cand;

	while (atomic_load(&job->err) == HY_OK &&
		   atomic_load(&job->found) < job->wanted)
	{
		uint32_t	b = atomic_fetch_add(&job->next_block, 1);
		uint64_t	start = (uint64_t) b * IDGEN_BLOCK;

		if (start >= job->max_attempts)
			break;
		for (uint32_t a = (uint32_t) start;
			 a < start + IDGEN_BLOCK && a < job->max_attempts; a++)
		{
			uint32_t	p;
			uint32_t	cur;
			int			rc;

			if ((rc = idgen_make(&job->prk, a, &cand)) != HY_OK)
			{
				int			expected = HY_OK;

				atomic_compare_exchange_strong(&job->err, &expected, rc);
				break;
			}
			p = hy_idgen_prefix_of(cand.kad_id, job->depth);
			if (job->slot_of[p] < 0)
				continue;
			cur = atomic_load(&job->best[p]);
			while (a < cur &&
				   !atomic_compare_exchange_weak(&job->best[p], &cur, a))
				;
			if (cur == IDGEN_NONE)
				atomic_fetch_add(&job->found, 1);
		}
	}
	sodium_memzero(&cand, sizeof(cand));
	return NULL;
}

/* Run one round's search on nthreads threads (the caller being one of them) */
static int
idgen_run_round(idgen_round *job, int nthreads)
{
	pthread_t	tids[HY_IDGEN_MAX_THREADS];
	int			started = 0;

	if (nthreads > 1)
	{
		sigset_t	all,
					old;

		/*
		 * Threads inherit the creator's signal mask: block everything while
		 * creating them so that signals keep going to the calling thread
		 * (a PostgreSQL backend's handlers must not run elsewhere).
		 */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (int t = 1; t < nthreads; t++)
		{
			/* fewer threads only slow the search; the caller still works */
			if (pthread_create(&tids[started], NULL, idgen_scan, job) != 0)
				break;
			started++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	idgen_scan(job);
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	return atomic_load(&job->err);
}

/*
 * Compute the ids lo..hi (inclusive), all in one round, into out[lo - first
 * ..].  slot_of and best are scratch arrays of 2^depth entries.
 */
static int
idgen_round_range(const uint8_t seed[32], uint64_t first, uint64_t lo,
				  uint64_t hi, int depth, int nthreads, int32_t *slot_of,
				  _Atomic uint32_t *best, hy_idgen_result *out)
{
	idgen_round *job;
	uint8_t		salt[IDGEN_SALT_LEN];
	uint32_t	nprefix = UINT32_C(1) << depth;
	uint32_t	wanted = (uint32_t) (hi - lo + 1);
	int			rc;

	/* heap, not stack: the HMAC state is large and threads share it */
	job = malloc(sizeof(*job));
	if (job == NULL)
		return HY_ERR_NOMEM;
	for (uint32_t p = 0; p < nprefix; p++)
	{
		slot_of[p] = -1;
		atomic_init(&best[p], IDGEN_NONE);
	}
	/* count rather than compare with hi, which may be UINT64_MAX */
	for (uint32_t k = 0; k < wanted; k++)
		slot_of[hy_idgen_target_prefix(lo + k, depth)] = (int32_t) (lo + k - first);

	idgen_salt(salt, lo >> depth, depth);
	hy_idgen_hkdf_extract(salt, sizeof(salt), seed, HY_IDGEN_SEED_LEN, &job->prk);
	job->depth = depth;
	job->max_attempts = HY_IDGEN_MAX_ATTEMPTS(depth);
	job->slot_of = slot_of;
	job->best = best;
	job->wanted = wanted;
	atomic_init(&job->found, 0);
	atomic_init(&job->next_block, 0);
	atomic_init(&job->err, HY_OK);

	if ((uint32_t) nthreads > wanted * 4 && wanted * 4 >= 2)
		nthreads = (int) (wanted * 4);	/* tiny jobs: don't spawn idle threads */
	rc = idgen_run_round(job, nthreads);

	/* rebuild each winner from its position: one key generation per id */
	for (uint32_t p = 0; rc == HY_OK && p < nprefix; p++)
	{
		uint32_t	a;
		hy_idgen_result *r;

		if (slot_of[p] < 0)
			continue;
		a = atomic_load(&best[p]);
		if (a == IDGEN_NONE)
		{
			rc = HY_ERR_TOO_LONG;
			break;
		}
		r = &out[slot_of[p]];
		memset(r, 0, sizeof(*r));
		if ((rc = idgen_make(&job->prk, a, r)) != HY_OK)
			break;
		r->index = first + (uint64_t) slot_of[p];
		r->attempts = a + 1;
	}
	sodium_memzero(job, sizeof(*job));
	free(job);
	return rc;
}

/* Compute ids first .. first+count-1 into out[0 .. count-1] using nthreads threads */
int
hy_idgen_range(const uint8_t seed[32], uint64_t first, uint32_t count,
			   int depth, int nthreads, hy_idgen_result *out)
{
	uint64_t	last;
	uint32_t	nprefix;
	int32_t    *slot_of;
	_Atomic uint32_t *best;
	int			rc = HY_OK;

	if (seed == NULL || (out == NULL && count > 0) ||
		depth < HY_IDGEN_MIN_DEPTH || depth > HY_IDGEN_MAX_DEPTH ||
		nthreads < 1 || nthreads > HY_IDGEN_MAX_THREADS)
		return HY_ERR_INVALID;
	if (count > 0 && first > UINT64_MAX - (count - 1))
		return HY_ERR_TOO_LONG;
	if (count == 0)
		return HY_OK;
	if ((rc = hy_idgen_sodium_ready()) != HY_OK)
		return rc;

	nprefix = UINT32_C(1) << depth;
	slot_of = malloc(sizeof(int32_t) * nprefix);
	best = malloc(sizeof(_Atomic uint32_t) * nprefix);
	if (slot_of == NULL || best == NULL)
	{
		free(slot_of);
		free(best);
		return HY_ERR_NOMEM;
	}

	/* one search per round touched; the rounds' streams are unrelated */
	last = first + (count - 1);
	for (uint64_t lo = first; rc == HY_OK;)
	{
		uint64_t	round_end = lo | (nprefix - 1);
		uint64_t	hi = round_end < last ? round_end : last;

		rc = idgen_round_range(seed, first, lo, hi, depth, nthreads,
							   slot_of, best, out);
		if (hi == last)
			break;
		lo = hi + 1;
	}
	free(slot_of);
	free(best);
	if (rc != HY_OK)
		sodium_memzero(out, sizeof(*out) * count);
	return rc;
}

/* Compute id number index of the sequence given by (seed, depth) */
int
hy_idgen_one(const uint8_t seed[32], uint64_t index, int depth,
			 hy_idgen_result *out)
{
	/* the same search as a range of one, so the two always agree */
	return hy_idgen_range(seed, index, 1, depth, 1, out);
}
