/*
 * test_idgen.c — balanced idgen: the derivation against independently
 * computed fixtures, determinism across calls and thread counts, perfect
 * balance for powers of two, the trie-depth report, and the two-choice
 * generator used for comparison.
 *
 * The fixtures were computed from the spec in idgen.h with Python's
 * "cryptography" package (HKDF-SHA256, Ed25519) and hashlib, not with this
 * code: seed = bytes 00..1f, salt = b"hydra idgen v1" + pack("<QI", i >> D,
 * D), HKDF(SHA256, 32, salt, info = pack("<I", position)).derive(seed).  Depths stay at 9 or below so that the test runs in seconds.
 */
#include <stdlib.h>

#include <sodium.h>

#include "core/err.h"
#include "core/idgen.h"
#include "tap.h"

/* Decode a hex string of known length into bytes */
static void
unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t k = 0; k < n; k++)
	{
		unsigned int v;

		sscanf(s + 2 * k, "%2x", &v);
		out[k] = (uint8_t) v;
	}
}

/* Compare two results field by field */
static int
same_result(const hy_idgen_result *a, const hy_idgen_result *b)
{
	return a->index == b->index && a->attempts == b->attempts &&
		memcmp(a->seed, b->seed, 32) == 0 && memcmp(a->pk, b->pk, 32) == 0 &&
		memcmp(a->peer_id, b->peer_id, HY_IDGEN_PEER_ID_LEN) == 0 &&
		memcmp(a->kad_id, b->kad_id, 32) == 0;
}

/* Count positions where two result arrays differ */
static int
count_diff(const hy_idgen_result *a, const hy_idgen_result *b, size_t n)
{
	int			d = 0;

	for (size_t k = 0; k < n; k++)
		d += !same_result(&a[k], &b[k]);
	return d;
}

/* Collect the Kademlia ids of the first n results */
static uint8_t (*
kad_ids_of(const hy_idgen_result *r, size_t n))[32]
{
	uint8_t		(*ids)[32] = malloc(n * 32 + 1);

	for (size_t k = 0; k < n; k++)
		memcpy(ids[k], r[k].kad_id, 32);
	return ids;
}

/* Return floor(log2 n) and ceil(log2 n) for n >= 1 */
static void
log2_bounds(size_t n, int *lo, int *hi)
{
	*lo = 0;
	while (((size_t) 2 << *lo) <= n)
		(*lo)++;
	*hi = ((size_t) 1 << *lo) == n ? *lo : *lo + 1;
}

/* Check the van der Corput target prefixes and depth validation */
static void
test_target_prefix(void)
{
	static const uint32_t want4[8] = {0, 8, 4, 12, 2, 10, 6, 14};
	int			bad = 0;

	for (int i = 0; i < 8; i++)
		bad += hy_idgen_target_prefix(i, 4) != want4[i];
	ok(bad == 0, "target prefixes 0..7 at D=4 are 0 8 4 12 2 10 6 14");
	is_int(hy_idgen_target_prefix(1, 1), 1, "D=1: id 1 targets prefix 1");
	is_int(hy_idgen_target_prefix(2, 1), 0, "D=1: id 2 wraps to prefix 0");
	is_int(hy_idgen_target_prefix(1, 16), 0x8000, "D=16: id 1 targets 0x8000");
	is_int(hy_idgen_target_prefix(0xffff, 16), 0xffff, "D=16: id 0xffff targets 0xffff");
	is_int(hy_idgen_target_prefix(17, 4), 8, "D=4: id 17 repeats the prefix of id 1");
	is_int(hy_idgen_target_prefix((UINT64_C(1) << 40) + 3, 6), 0x30,
		   "D=6: id 2^40+3 targets 110000");
	is_int(hy_idgen_target_prefix(1, 0), 0, "depth 0 gives 0");
	is_int(hy_idgen_target_prefix(1, 17), 0, "depth 17 gives 0");
}

/* Check that bad arguments are refused */
static void
test_rejects(void)
{
	uint8_t		seed[32] = {0};
	uint8_t		es[32];
	hy_idgen_result r[2];

	is_int(hy_idgen_one(seed, 0, 0, r), HY_ERR_INVALID, "one: depth 0 rejected");
	is_int(hy_idgen_one(seed, 0, 17, r), HY_ERR_INVALID, "one: depth 17 rejected");
	is_int(hy_idgen_one(seed, 0, -1, r), HY_ERR_INVALID, "one: depth -1 rejected");
	is_int(hy_idgen_one(NULL, 0, 4, r), HY_ERR_INVALID, "one: NULL seed rejected");
	is_int(hy_idgen_range(seed, 0, 2, 0, 1, r), HY_ERR_INVALID, "range: depth 0 rejected");
	is_int(hy_idgen_range(seed, 0, 2, 4, 0, r), HY_ERR_INVALID, "range: 0 threads rejected");
	is_int(hy_idgen_range(seed, 0, 2, 4, HY_IDGEN_MAX_THREADS + 1, r), HY_ERR_INVALID,
		   "range: too many threads rejected");
	is_int(hy_idgen_range(seed, UINT64_MAX, 2, 4, 1, r), HY_ERR_TOO_LONG,
		   "range: index overflow rejected");
	is_int(hy_idgen_range(seed, UINT64_MAX, 1, 4, 1, r), HY_OK,
		   "range: the last index is allowed");
	is_int(r[0].index, UINT64_MAX, "range: last index reported");
	is_int(hy_idgen_range(seed, 0, 0, 4, 2, NULL), HY_OK, "range: empty range is fine");
	is_int(hy_idgen_candidate(seed, 0, 20, 0, es), HY_ERR_INVALID,
		   "candidate: depth 20 rejected");
}

/* Check the derivation against the independent Python fixtures */
static void
test_fixtures(void)
{
	uint8_t		seed[32];
	uint8_t		es[32];
	uint8_t		want[32];
	hy_idgen_result r;
	static const struct
	{
		uint64_t	index;
		int			depth;
		const char *seed;
		const char *pk;
		const char *kad;
		uint32_t	attempts;
	}			fx[] = {
		{0, 4,
			"f9046a52cac6d7d06c9eef7500bebed6d0fa6ca72c6b3079fe0936537587353a",
			"c6e0119ebe5ef148f97e8327d5ed4bb8629b828b87fb912cde204c679dca22f2",
			"06f156899bc766984ebff345788bb3bcc63283a1bd6b7e6603d937ec53643c5d", 8},
		{5, 4,
			"24c677a3b07b143a145e243bbf8518bd3c276d5e3ee63605d5301f4d57afad92",
			"f2a8c7b18fd7e4eaf83c7d83e568c644e5bb9e62748d142effe7f001c15274da",
			"a39e9876b05dc2853b8c9cbb4957b12db55681979d0847214e9108cbf06fc961", 3},
		{(UINT64_C(1) << 40) + 3, 6,
			"064305a70ffe087a4de093ec35e40312d6c0acaea1329e555bc57f92babccce5",
			"8442555def35d741ab5a3f4cac7b1dfabdd501c112c3aa0a58cdf0cb1d1b1473",
			"c2fba9b6f9fdd7964615269d7341042f7ec794081165668cb784f3c93e7e27c2", 25},
	};
	static const uint8_t pid_prefix[6] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20};

	for (int k = 0; k < 32; k++)
		seed[k] = (uint8_t) k;

	/* ids 0..15 share round 0's stream at D=4: position 7 is id 0's key */
	is_int(hy_idgen_candidate(seed, 5, 4, 7, es), HY_OK, "candidate (5, D=4, position 7)");
	unhex("f9046a52cac6d7d06c9eef7500bebed6d0fa6ca72c6b3079fe0936537587353a", want, 32);
	is_mem(es, 32, want, 32, "candidate seed matches the HKDF fixture");
	is_int(hy_idgen_candidate(seed, (UINT64_C(1) << 40) + 3, 6, 24, es), HY_OK,
		   "candidate (2^40+3, D=6, position 24)");
	unhex("064305a70ffe087a4de093ec35e40312d6c0acaea1329e555bc57f92babccce5", want, 32);
	is_mem(es, 32, want, 32, "candidate seed of round 2^34 matches the HKDF fixture");

	for (size_t f = 0; f < sizeof(fx) / sizeof(fx[0]); f++)
	{
		char		name[96];

		snprintf(name, sizeof(name), "fixture id %llu at D=%d",
				 (unsigned long long) fx[f].index, fx[f].depth);
		is_int(hy_idgen_one(seed, fx[f].index, fx[f].depth, &r), HY_OK, name);
		unhex(fx[f].seed, want, 32);
		is_mem(r.seed, 32, want, 32, "  Ed25519 seed");
		unhex(fx[f].pk, want, 32);
		is_mem(r.pk, 32, want, 32, "  public key");
		unhex(fx[f].kad, want, 32);
		is_mem(r.kad_id, 32, want, 32, "  Kademlia id");
		is_int(r.attempts, fx[f].attempts, "  attempts");
		is_int(r.index, fx[f].index, "  index");
		ok(memcmp(r.peer_id, pid_prefix, 6) == 0 && memcmp(r.peer_id + 6, r.pk, 32) == 0,
		   "  peer id is 00 24 08 01 12 20 || pk");
	}
}

/* Check determinism, thread independence, sub-ranges and balance at D=8 and 9 */
static void
test_ranges(void)
{
	uint8_t		seed[32];
	hy_idgen_result *a9 = calloc(256, sizeof(hy_idgen_result));
	hy_idgen_result *a8 = calloc(256, sizeof(hy_idgen_result));
	hy_idgen_result *b = calloc(256, sizeof(hy_idgen_result));
	hy_idgen_result one;
	uint8_t		(*ids)[32];
	hy_trie_balance bal;
	int			bad;
	int			idx[] = {0, 1, 37, 100, 255};

	for (int k = 0; k < 32; k++)
		seed[k] = (uint8_t) (0xa5 ^ (k * 7));

	is_int(hy_idgen_range(seed, 0, 256, 9, 2, a9), HY_OK, "range(0, 256, D=9), 2 threads");
	is_int(hy_idgen_range(seed, 100, 20, 9, 1, b), HY_OK, "range(100, 20, D=9), 1 thread");
	is_int(count_diff(b, a9 + 100, 20), 0, "range(100, 20) == items 100..119 of range(0, 256)");
	bad = 0;
	for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++)
	{
		bad += hy_idgen_one(seed, idx[k], 9, &one) != HY_OK;
		bad += !same_result(&one, &a9[idx[k]]);
	}
	is_int(bad, 0, "range items equal individual hy_idgen_one calls");

	/* the same ids whatever the thread count, including uneven splits */
	is_int(hy_idgen_range(seed, 0, 64, 8, 1, b), HY_OK, "range(0, 64, D=8), 1 thread");
	{
		hy_idgen_result *c = calloc(64, sizeof(hy_idgen_result));

		for (int t = 2; t <= 5; t += 3)
		{
			char		name[64];

			snprintf(name, sizeof(name), "range(0, 64, D=8), %d threads: same ids", t);
			hy_idgen_range(seed, 0, 64, 8, t, c);
			is_int(count_diff(b, c, 64), 0, name);
		}
		free(c);
	}
	is_int(hy_idgen_range(seed, 0, 256, 8, 2, a8), HY_OK, "range(0, 256, D=8), 2 threads");
	is_int(count_diff(b, a8, 64), 0, "first 64 of range(0, 256) == range(0, 64)");

	bad = 0;
	for (int k = 0; k < 256; k++)
		bad += hy_idgen_target_prefix(k, 9) !=
			((uint32_t) ((a9[k].kad_id[0] << 8) | a9[k].kad_id[1]) >> 7);
	is_int(bad, 0, "every D=9 id starts with its target prefix");

	/* perfect balance: the first 2^d ids all sit at depth exactly d */
	for (int which = 0; which < 2; which++)
	{
		hy_idgen_result *a = which ? a8 : a9;
		int			depth = which ? 8 : 9;

		for (int d = 0; d <= 8; d++)
		{
			char		name[80];
			size_t		n = (size_t) 1 << d;

			ids = kad_ids_of(a, n);
			hy_trie_balance_of((const uint8_t (*)[32]) ids, n, &bal);
			snprintf(name, sizeof(name), "D=%d, N=%zu: every depth is %d", depth, n, d);
			ok(bal.min_depth == d && bal.max_depth == d, name);
			if (bal.min_depth != d || bal.max_depth != d)
				printf("#   min %d max %d\n", bal.min_depth, bal.max_depth);
			free(ids);
		}
	}

	/* near-perfect balance for every other N: depths floor/ceil of log2 N */
	for (int which = 0; which < 2; which++)
	{
		hy_idgen_result *a = which ? a8 : a9;
		char		name[80];

		bad = 0;
		for (size_t n = 1; n <= 256; n++)
		{
			int			lo,
						hi;

			log2_bounds(n, &lo, &hi);
			ids = kad_ids_of(a, n);
			hy_trie_balance_of((const uint8_t (*)[32]) ids, n, &bal);
			bad += bal.min_depth != lo || bal.max_depth != hi;
			free(ids);
		}
		snprintf(name, sizeof(name),
				 "D=%d: every N in 1..256 has depths floor..ceil(log2 N)", which ? 8 : 9);
		is_int(bad, 0, name);
	}
	ids = kad_ids_of(a9, 100);
	hy_trie_balance_of((const uint8_t (*)[32]) ids, 100, &bal);
	ok(bal.min_depth == 6 && bal.max_depth == 7, "N=100: depths 6..7 (max - min <= 1)");
	free(ids);

	/* determinism: a second run gives the same ids */
	is_int(hy_idgen_range(seed, 0, 16, 9, 1, b), HY_OK, "range(0, 16, D=9) again");
	is_int(count_diff(b, a9, 16), 0, "same inputs, same ids");

	/* another seed or depth gives other ids */
	seed[0] ^= 1;
	hy_idgen_range(seed, 0, 4, 9, 1, b);
	ok(memcmp(b[0].seed, a9[0].seed, 32) != 0 && memcmp(b[3].seed, a9[3].seed, 32) != 0,
	   "another seed gives other ids");
	seed[0] ^= 1;
	hy_idgen_range(seed, 0, 4, 8, 1, b);
	ok(memcmp(b[1].seed, a9[1].seed, 32) != 0, "another depth gives other ids");

	free(a9);
	free(a8);
	free(b);
}

/* Check that each id is the first candidate of its round with its prefix */
static void
test_first_match(void)
{
	uint8_t		seed[32] = {9, 8, 7};
	hy_idgen_result r[16];
	int			bad = 0;

	is_int(hy_idgen_range(seed, 0, 16, 4, 1, r), HY_OK, "range(0, 16, D=4)");
	for (int i = 0; i < 16; i++)
	{
		for (uint32_t a = 0; a < r[i].attempts; a++)
		{
			uint8_t		es[32],
						pk[32],
						sk[64],
						pid[38] = {0x00, 0x24, 0x08, 0x01, 0x12, 0x20},
						kad[32];
			int			match;

			hy_idgen_candidate(seed, i, 4, a, es);
			crypto_sign_seed_keypair(pk, sk, es);
			memcpy(pid + 6, pk, 32);
			crypto_hash_sha256(kad, pid, sizeof(pid));
			match = (uint32_t) (kad[0] >> 4) == hy_idgen_target_prefix(i, 4);
			/* no earlier position matches; the last one is the id itself */
			if (a + 1 < r[i].attempts)
				bad += match;
			else
				bad += !match || memcmp(es, r[i].seed, 32) != 0;
		}
	}
	is_int(bad, 0, "D=4: every id is the first match of its prefix in its round");
}

/* Check that ids past 2^D repeat the prefixes with new keys */
static void
test_rounds(void)
{
	uint8_t		seed[32] = {1, 2, 3};
	hy_idgen_result r[32];
	int			bad = 0;
	uint8_t		(*ids)[32];
	hy_trie_balance bal;

	is_int(hy_idgen_range(seed, 0, 32, 4, 2, r), HY_OK, "range(0, 32, D=4)");
	for (int k = 0; k < 16; k++)
	{
		bad += (r[k].kad_id[0] >> 4) != (r[k + 16].kad_id[0] >> 4);
		bad += memcmp(r[k].seed, r[k + 16].seed, 32) == 0;
	}
	is_int(bad, 0, "round 1 repeats round 0's prefixes with other keys");
	{
		hy_idgen_result part[12];

		is_int(hy_idgen_range(seed, 10, 12, 4, 2, part), HY_OK,
			   "range(10, 12, D=4) crosses into round 1");
		is_int(count_diff(part, r + 10, 12), 0, "it equals items 10..21 of range(0, 32)");
	}
	ids = kad_ids_of(r, 32);
	is_int(hy_trie_balance_of((const uint8_t (*)[32]) ids, 32, &bal), HY_OK,
		   "balance of two rounds");
	ok(bal.min_depth >= 5, "two rounds: no id shallower than 5 (two per 4-bit prefix)");
	free(ids);
}

/* Check the default depth 12: sub-range equality and perfect balance at N=256 */
static void
test_default_depth(void)
{
	uint8_t		seed[32] = {42};
	hy_idgen_result *a = calloc(256, sizeof(hy_idgen_result));
	hy_idgen_result b[20];
	uint8_t		(*ids)[32];
	hy_trie_balance bal;

	is_int(hy_idgen_range(seed, 0, 256, HY_IDGEN_DEFAULT_DEPTH, 2, a), HY_OK,
		   "range(0, 256, D=12), 2 threads");
	is_int(hy_idgen_range(seed, 100, 20, HY_IDGEN_DEFAULT_DEPTH, 1, b), HY_OK,
		   "range(100, 20, D=12), 1 thread");
	is_int(count_diff(b, a + 100, 20), 0, "D=12: range(100, 20) == items 100..119");
	ids = kad_ids_of(a, 256);
	hy_trie_balance_of((const uint8_t (*)[32]) ids, 256, &bal);
	ok(bal.min_depth == 8 && bal.max_depth == 8, "D=12, N=256: every depth is 8");
	free(ids);
	ids = kad_ids_of(a, 100);
	hy_trie_balance_of((const uint8_t (*)[32]) ids, 100, &bal);
	ok(bal.min_depth == 6 && bal.max_depth == 7, "D=12, N=100: depths 6..7");
	free(ids);
	free(a);
}

/* Check trie depths on hand-made id sets */
static void
test_trie_depths(void)
{
	uint8_t		ids[5][32];
	int			d[5];
	hy_trie_balance bal;

	memset(ids, 0, sizeof(ids));
	is_int(hy_trie_balance_of((const uint8_t (*)[32]) ids, 0, &bal), HY_OK, "empty set");
	ok(bal.min_depth == 0 && bal.max_depth == 0 && bal.mean_depth == 0, "empty set: zeros");
	is_int(hy_trie_depths((const uint8_t (*)[32]) ids, 1, d), HY_OK, "one id");
	is_int(d[0], 0, "one id: depth 0");

	/* 0x80.., 0x00.., 0x40..: given out of order on purpose */
	ids[0][0] = 0x80;
	ids[1][0] = 0x00;
	ids[2][0] = 0x40;
	is_int(hy_trie_depths((const uint8_t (*)[32]) ids, 2, d), HY_OK, "two ids");
	ok(d[0] == 1 && d[1] == 1, "0x80.. and 0x00..: depth 1 each");
	is_int(hy_trie_depths((const uint8_t (*)[32]) ids, 3, d), HY_OK, "three ids");
	ok(d[0] == 1 && d[1] == 2 && d[2] == 2, "0x80.. 1, 0x00.. 2, 0x40.. 2 (input order kept)");
	hy_trie_balance_of((const uint8_t (*)[32]) ids, 3, &bal);
	ok(bal.min_depth == 1 && bal.max_depth == 2 &&
	   bal.mean_depth > 5.0 / 3 - 1e-9 && bal.mean_depth < 5.0 / 3 + 1e-9,
	   "three ids: min 1, max 2, mean 5/3");

	/* ids differing only in the very last bit sit at depth 256 */
	memset(ids[3], 0x11, 32);
	memcpy(ids[4], ids[3], 32);
	ids[4][31] ^= 1;
	is_int(hy_trie_depths((const uint8_t (*)[32]) ids, 5, d), HY_OK, "five ids");
	ok(d[3] == 256 && d[4] == 256 && d[1] == 4 && d[2] == 2 && d[0] == 1,
	   "last-bit siblings at 256; 0x00.. moves to 4 next to 0x11..");

	ids[4][31] ^= 1;
	is_int(hy_trie_depths((const uint8_t (*)[32]) ids, 5, d), HY_ERR_INVALID,
		   "duplicate ids rejected");
	is_int(hy_trie_balance_of((const uint8_t (*)[32]) ids, 5, &bal), HY_ERR_INVALID,
		   "balance: duplicate ids rejected");
}

/* Check the two-choice comparison generator */
static void
test_twochoice(void)
{
	uint8_t		seed[32];
	uint8_t		want[32];
	hy_idgen_result a[64],
				b[64];
	uint8_t		(*ids)[32];
	hy_trie_balance bal;
	int			bad = 0;

	for (int k = 0; k < 32; k++)
		seed[k] = (uint8_t) k;
	is_int(hy_idgen_twochoice(seed, 64, a), HY_OK, "two-choice: 64 ids");
	/* the first addition is a tie at depth 0, which the original gives to the second */
	is_int(a[0].index, 2, "two-choice: first id is candidate 2");
	unhex("6c4952b4c6ed52f0fd4393e59f55229cba1c4c93c6fd72384d044ac673815360", want, 32);
	is_mem(a[0].seed, 32, want, 32, "two-choice: candidate 2 seed matches the HKDF fixture");
	for (int k = 0; k < 64; k++)
		bad += a[k].index != (uint64_t) (2 * k + 1) && a[k].index != (uint64_t) (2 * k + 2);
	is_int(bad, 0, "two-choice: addition k keeps candidate 2k+1 or 2k+2");
	is_int(hy_idgen_twochoice(seed, 64, b), HY_OK, "two-choice again");
	is_int(count_diff(a, b, 64), 0, "two-choice is deterministic");
	ids = kad_ids_of(a, 64);
	hy_trie_balance_of((const uint8_t (*)[32]) ids, 64, &bal);
	printf("# two-choice N=64: min %d max %d mean %.2f (balanced: all 6)\n",
		   bal.min_depth, bal.max_depth, bal.mean_depth);
	ok(bal.max_depth >= 6, "two-choice N=64: max depth at least 6");
	free(ids);
	is_int(hy_idgen_twochoice(NULL, 1, a), HY_ERR_INVALID, "two-choice: NULL seed rejected");
}

/* Run every group */
int
main(void)
{
	test_target_prefix();
	test_rejects();
	test_fixtures();
	test_trie_depths();
	test_first_match();
	test_rounds();
	test_twochoice();
	test_ranges();
	test_default_depth();
	return tap_done();
}
