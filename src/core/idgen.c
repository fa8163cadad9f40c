/*
 * idgen.c — balanced deterministic peer-ID generation (see idgen.h for the
 * derivation, README-idgen.md for the reasoning).
 *
 * The cost is all in Ed25519 key generation (about 2^D per id), so the HKDF
 * extract step and the keyed HMAC state are computed once per id and only
 * the one-block expand runs per candidate.  Ids are independent of each
 * other, which is what lets hy_idgen_range hand them to threads in any order.
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

/* Build the per-id HKDF salt: tag || u64 LE index || u32 LE depth */
static void
idgen_salt(uint8_t salt[IDGEN_SALT_LEN], uint64_t index, int depth)
{
	memcpy(salt, IDGEN_SALT_TAG, IDGEN_SALT_TAG_LEN);
	idgen_put_u64le(salt + IDGEN_SALT_TAG_LEN, index);
	idgen_put_u32le(salt + IDGEN_SALT_TAG_LEN + 8, (uint32_t) depth);
}

/* Derive the Ed25519 seed of candidate attempt for id index (the spec above) */
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
	idgen_salt(salt, index, depth);
	hy_idgen_hkdf_extract(salt, sizeof(salt), seed, HY_IDGEN_SEED_LEN, &prk);
	idgen_put_u32le(info, attempt);
	hy_idgen_hkdf_expand32(&prk, info, sizeof(info), ed_seed);
	sodium_memzero(&prk, sizeof(prk));
	return HY_OK;
}

/* Compute id number index of the sequence given by (seed, depth) */
int
hy_idgen_one(const uint8_t seed[32], uint64_t index, int depth,
			 hy_idgen_result *out)
{
	crypto_auth_hmacsha256_state prk;
	uint8_t		salt[IDGEN_SALT_LEN];
	uint8_t		info[4];
	uint32_t	target;
	uint32_t	max_attempts;
	int			rc;

	if (seed == NULL || out == NULL ||
		depth < HY_IDGEN_MIN_DEPTH || depth > HY_IDGEN_MAX_DEPTH)
		return HY_ERR_INVALID;
	if ((rc = hy_idgen_sodium_ready()) != HY_OK)
		return rc;

	target = hy_idgen_target_prefix(index, depth);
	max_attempts = HY_IDGEN_MAX_ATTEMPTS(depth);
	idgen_salt(salt, index, depth);
	hy_idgen_hkdf_extract(salt, sizeof(salt), seed, HY_IDGEN_SEED_LEN, &prk);

	memset(out, 0, sizeof(*out));
	out->index = index;
	rc = HY_ERR_TOO_LONG;
	for (uint32_t attempt = 0; attempt < max_attempts; attempt++)
	{
		idgen_put_u32le(info, attempt);
		hy_idgen_hkdf_expand32(&prk, info, sizeof(info), out->seed);
		if ((rc = hy_idgen_identity(out)) != HY_OK)
			break;
		if (hy_idgen_prefix_of(out->kad_id, depth) == target)
		{
			out->attempts = attempt + 1;
			rc = HY_OK;
			break;
		}
		rc = HY_ERR_TOO_LONG;
	}
	sodium_memzero(&prk, sizeof(prk));
	if (rc != HY_OK)
	{
		/* never hand back a half-made identity */
		sodium_memzero(out, sizeof(*out));
		out->index = index;
	}
	return rc;
}

/* Work shared by the threads of one hy_idgen_range call */
typedef struct idgen_job
{
	const uint8_t *seed;
	uint64_t	first;
	uint32_t	count;
	int			depth;
	hy_idgen_result *out;
	atomic_uint_fast32_t next;	/* next offset to claim */
	atomic_int	err;			/* first error seen, HY_OK if none */
} idgen_job;

/* Claim ids one at a time until the job is done or has failed */
static void *
idgen_worker(void *arg)
{
	idgen_job  *job = arg;

	/*
	 * Claiming one id at a time balances the load: the number of attempts per
	 * id is geometric, so fixed slices would finish at very different times.
	 * Where an id lands in out[] depends only on its index, never on which
	 * thread computed it.
	 */
	while (atomic_load(&job->err) == HY_OK)
	{
		uint32_t	k = (uint32_t) atomic_fetch_add(&job->next, 1);
		int			rc;

		if (k >= job->count)
			break;
		rc = hy_idgen_one(job->seed, job->first + k, job->depth, &job->out[k]);
		if (rc != HY_OK)
		{
			int			expected = HY_OK;

			atomic_compare_exchange_strong(&job->err, &expected, rc);
		}
	}
	return NULL;
}

/* Compute ids first .. first+count-1 into out[0 .. count-1] using nthreads threads */
int
hy_idgen_range(const uint8_t seed[32], uint64_t first, uint32_t count,
			   int depth, int nthreads, hy_idgen_result *out)
{
	pthread_t	tids[HY_IDGEN_MAX_THREADS];
	int			started = 0;
	idgen_job	job;
	sigset_t	all,
				old;
	int			rc;

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

	job.seed = seed;
	job.first = first;
	job.count = count;
	job.depth = depth;
	job.out = out;
	atomic_init(&job.next, 0);
	atomic_init(&job.err, HY_OK);

	if ((uint32_t) nthreads > count)
		nthreads = (int) count;

	if (nthreads > 1)
	{
		/*
		 * Threads inherit the creator's signal mask: block everything while
		 * creating them so that signals keep going to the calling thread
		 * (a PostgreSQL backend's handlers must not run elsewhere).
		 */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (int t = 1; t < nthreads; t++)
		{
			/* too few threads only slows the job down; the caller still works */
			if (pthread_create(&tids[started], NULL, idgen_worker, &job) != 0)
				break;
			started++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}

	idgen_worker(&job);
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);

	rc = atomic_load(&job.err);
	if (rc != HY_OK)
		sodium_memzero(out, sizeof(*out) * count);
	return rc;
}
