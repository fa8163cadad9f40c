/*
 * bench_noise.c — libp2p Noise XX on one core: full handshakes per second
 * (initiator and responder in-process, each side's share timed apart) and
 * transport encrypt+decrypt throughput for 64-byte and 16 KiB frames.
 * All times are CPU time of the benchmark thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/err.h"
#include "core/keys.h"
#include "net/noise.h"

/*
 * CPU time of this thread in seconds: the figures are per core, and the
 * machine may be shared, so wall-clock time would measure the neighbours
 */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Abort the benchmark on an unexpected error */
static void
must(int cond, const char *what)
{
	if (!cond)
	{
		fprintf(stderr, "bench_noise: %s failed\n", what);
		exit(1);
	}
}

/* Time n handshakes, accumulating each side's own time */
static void
bench_handshakes(const hy_noise_identity *ii, const hy_noise_identity *ir, int n)
{
	static uint8_t m[HY_NOISE_HS_MSG_MAX];
	hy_noise	a,
				b;
	double		t_init = 0,
				t_resp = 0,
				t0,
				t1,
				start = now();
	int			len;

	for (int i = 0; i < n; i++)
	{
		t0 = now();
		hy_noise_init(&a, ii, 1);
		len = hy_noise_write_handshake(&a, m, sizeof(m));
		t1 = now();
		t_init += t1 - t0;
		hy_noise_init(&b, ir, 0);
		must(hy_noise_read_handshake(&b, m, len) == HY_OK, "read 1");
		len = hy_noise_write_handshake(&b, m, sizeof(m));
		t0 = now();
		t_resp += t0 - t1;
		must(hy_noise_read_handshake(&a, m, len) == HY_OK, "read 2");
		len = hy_noise_write_handshake(&a, m, sizeof(m));
		t1 = now();
		t_init += t1 - t0;
		must(hy_noise_read_handshake(&b, m, len) == HY_OK, "read 3");
		t_resp += now() - t1;
		must(hy_noise_next(&b) == HY_NOISE_DONE, "done");
		hy_noise_wipe(&a);
		hy_noise_wipe(&b);
	}
	printf("noise handshakes: %d pairs in %.2f s CPU = %.0f pairs/s on one core\n",
		   n, now() - start, n / (now() - start));
	printf("  responder side: %.1f us each = %.0f handshakes/s/core\n",
		   t_resp / n * 1e6, n / t_resp);
	printf("  initiator side: %.1f us each = %.0f handshakes/s/core\n",
		   t_init / n * 1e6, n / t_init);
}

/* Time encrypt + decrypt of frames of a given plaintext size */
static void
bench_transport(hy_noise_transport *tx, hy_noise_transport *rx, size_t size, double secs)
{
	static uint8_t pt[HY_NOISE_PLAINTEXT_MAX],
				frame[HY_NOISE_FRAME_MAX];
	long		frames = 0;
	double		start = now(),
				el;

	memset(pt, 0x5a, size);
	do
	{
		for (int i = 0; i < 256; i++)
		{
			int			n = hy_noise_encrypt_frame(tx, pt, size, frame, sizeof(frame));

			must(n == (int) size + 18, "encrypt");
			must(hy_noise_decrypt_frame(rx, frame + 2, n - 2, frame + 2, n - 2) == (int) size,
				 "decrypt");
		}
		frames += 256;
		el = now() - start;
	} while (el < secs);
	printf("transport %6zu B frames: %.0f frames/s, %.1f MB/s plaintext (encrypt+decrypt)\n",
		   size, frames / el, frames * (double) size / el / 1e6);
}

int
main(int argc, char **argv)
{
	static hy_noise_identity ii,
				ir;
	static uint8_t m[HY_NOISE_HS_MSG_MAX];
	hy_keypair	ki,
				kr;
	uint8_t		seed[32];
	hy_noise	a,
				b;
	int			n = argc > 1 ? atoi(argv[1]) : 4000;
	int			len;

	must(sodium_init() >= 0, "sodium_init");
	memset(seed, 1, 32);
	hy_keypair_from_seed(&ki, seed);
	memset(seed, 2, 32);
	hy_keypair_from_seed(&kr, seed);
	must(hy_noise_identity_init(&ii, &ki, NULL) == HY_OK, "identity");
	must(hy_noise_identity_init(&ir, &kr, NULL) == HY_OK, "identity");

	bench_handshakes(&ii, &ir, n);

	hy_noise_init(&a, &ii, 1);
	hy_noise_init(&b, &ir, 0);
	len = hy_noise_write_handshake(&a, m, sizeof(m));
	hy_noise_read_handshake(&b, m, len);
	len = hy_noise_write_handshake(&b, m, sizeof(m));
	hy_noise_read_handshake(&a, m, len);
	len = hy_noise_write_handshake(&a, m, sizeof(m));
	must(hy_noise_read_handshake(&b, m, len) == HY_OK, "handshake");
	bench_transport(&a.transport, &b.transport, 64, 1.0);
	bench_transport(&a.transport, &b.transport, 16384, 1.0);
	bench_transport(&a.transport, &b.transport, HY_NOISE_PLAINTEXT_MAX, 1.0);
	hy_noise_wipe(&a);
	hy_noise_wipe(&b);
	return 0;
}
