/*
 * idgen.h — perfectly balanced, deterministic, independent head identities.
 *
 * A hydra host runs many DHT "heads"; together they should cover the
 * Kademlia keyspace evenly so that every key is close to some head.  Id
 * number i of a sequence is a pure function of (seed, i, D), computed without
 * generating ids 0..i-1, and the first N ids of a sequence are spread as
 * evenly as the keyspace allows for every N <= 2^D.
 *
 * Balance depth D (1..16, default 12):
 *   id i targets the D-bit prefix p(i) = bitreverse_D(i mod 2^D) of its
 *   Kademlia id (van der Corput order: 0, 2^(D-1), 2^(D-2), 3*2^(D-2), ...).
 *   The first 2^d ids (d <= D) therefore hold every d-bit prefix exactly once,
 *   so each sits alone in its own d-bit prefix: trie depth exactly d.  Ids
 *   from 2^D on repeat the prefix pattern in round r = i >> D, whose
 *   candidates are unrelated to those of other rounds.
 *
 * Candidate stream of round r (positions a = 0, 1, 2, ...):
 *   salt      = "hydra idgen v1" (14 bytes) || u64 LE r || u32 LE D
 *   ed_seed   = HKDF-SHA256(salt, IKM = seed (32 bytes), info = u32 LE a),
 *               32 bytes of output (RFC 5869)
 *   pk        = Ed25519 public key of ed_seed
 *   peer_id   = 00 24 08 01 12 20 || pk (identity multihash of the libp2p
 *               PublicKey protobuf)
 *   kad_id    = SHA-256(peer_id); bits are read MSB-first
 * Id i is the candidate at the smallest position of round i >> D whose
 * kad_id starts with the D bits of p(i).  The ids of one round target
 * distinct prefixes, so they are distinct keys.
 *
 * Cost: one id alone takes 2^D candidates on average (one Ed25519 key
 * generation each).  A range shares one scan of each round's stream among
 * its ids, so c ids of one round take about 2^D * (ln c + 0.58) candidates:
 * a whole round of 2^D ids about 2^D * D * 0.69, some 500 times less than
 * computing them one by one at D = 12.  After HY_IDGEN_MAX_ATTEMPTS(D) =
 * 64 * 2^D positions without a match (probability about e^-64 per id) the
 * call gives up with HY_ERR_TOO_LONG rather than loop forever.
 *
 * All functions are reentrant (no global state); hy_idgen_range splits each
 * round's scan over threads, and its output does not depend on the thread
 * count: the smallest matching position wins, whoever finds it.
 * No PostgreSQL headers here: the SQL layer wraps these.
 */
#ifndef HY_CORE_IDGEN_H
#define HY_CORE_IDGEN_H

#include <stddef.h>
#include <stdint.h>

#define HY_IDGEN_SEED_LEN		32
#define HY_IDGEN_PEER_ID_LEN	38	/* identity multihash of an Ed25519 key */
#define HY_IDGEN_MIN_DEPTH		1
#define HY_IDGEN_MAX_DEPTH		16
#define HY_IDGEN_DEFAULT_DEPTH	12
#define HY_IDGEN_MAX_THREADS	256
/* Attempts allowed per id before giving up: 64 times the expected number */
#define HY_IDGEN_MAX_ATTEMPTS(depth)	(UINT32_C(64) << (depth))

typedef struct hy_idgen_result
{
	uint64_t	index;			/* id number i (two-choice: HKDF counter) */
	uint8_t		seed[32];		/* Ed25519 seed (the head's private key) */
	uint8_t		pk[32];			/* Ed25519 public key */
	uint8_t		peer_id[HY_IDGEN_PEER_ID_LEN];	/* binary peer ID */
	uint8_t		kad_id[32];		/* SHA-256 of peer_id */
	uint32_t	attempts;		/* its stream position + 1: candidates needed
								 * to find it alone */
} hy_idgen_result;

typedef struct hy_trie_balance
{
	int			min_depth;		/* shallowest leaf */
	int			max_depth;		/* deepest leaf */
	double		mean_depth;		/* average leaf depth */
} hy_trie_balance;

/* Return the D-bit Kademlia prefix that id number index targets (or 0 for a bad depth) */
uint32_t	hy_idgen_target_prefix(uint64_t index, int depth);

/* Derive the Ed25519 seed at position attempt of id index's round stream */
int			hy_idgen_candidate(const uint8_t seed[32], uint64_t index, int depth,
							   uint32_t attempt, uint8_t ed_seed[32]);

/* Compute id number index of the sequence given by (seed, depth) */
int			hy_idgen_one(const uint8_t seed[32], uint64_t index, int depth,
						 hy_idgen_result *out);

/*
 * Compute ids first .. first+count-1 into out[0 .. count-1] using nthreads
 * threads (1 = the calling thread only); the output never depends on
 * nthreads.  Spawned threads block all signals so that a host process's
 * handlers only ever run on the calling thread.  Long jobs cannot be
 * interrupted: a caller that must stay responsive asks for a few ids at a
 * time (each call costs about 2^D * (ln count + 0.58) key generations).
 */
int			hy_idgen_range(const uint8_t seed[32], uint64_t first, uint32_t count,
						   int depth, int nthreads, hy_idgen_result *out);

/*
 * The Go original's "power of two choices" generator, for comparison only:
 * candidate c (c = 1, 2, ...) has Ed25519 seed HKDF-SHA256(salt = u32 LE c,
 * IKM = seed, info = "hydra keys"); each addition draws the next two
 * candidates and keeps the one whose leaf in the trie of the ids chosen so far
 * would be shallower (the second one on a tie).  Writes the first count ids.
 */
int			hy_idgen_twochoice(const uint8_t seed[32], uint32_t count,
							   hy_idgen_result *out);

/*
 * Leaf depth of each id in a binary trie over the set: 1 + the longest common
 * prefix (in bits) with any other id of the set; 0 when the set has one id.
 * Duplicate ids are rejected (HY_ERR_INVALID).  O(n log n).
 */
int			hy_trie_depths(const uint8_t (*kad_ids)[32], size_t n, int *depths);

/* Summarise the leaf depths of a set of ids (all zero for an empty set) */
int			hy_trie_balance_of(const uint8_t (*kad_ids)[32], size_t n,
							   hy_trie_balance *out);

#endif
