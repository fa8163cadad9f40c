/*
 * fuzz_identify.c — arbitrary bytes as an Identify answer (with and
 * without a peer ID to match) and as two successive pushes.
 */
#include <stdint.h>
#include <string.h>

#include "core/keys.h"
#include "net/identify.h"

/* libFuzzer entry */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hy_keypair kp;
	static int	init;
	hy_id_info	info;

	if (!init)
	{
		uint8_t		seed[32] = {1};

		hy_keypair_from_seed(&kp, seed);
		init = 1;
	}
	memset(&info, 0, sizeof(info));
	hy_identify_decode(data, size, kp.peer_id, kp.peer_id_len, 0, &info);
	hy_id_info_has_protocol(&info, "/ipfs/kad/1.0.0");
	hy_id_info_clear(&info);
	hy_identify_decode(data, size, NULL, 0, 0, &info);
	hy_identify_decode(data, size, kp.peer_id, kp.peer_id_len, 1, &info);
	hy_identify_decode(data, size / 2, kp.peer_id, kp.peer_id_len, 1, &info);
	hy_id_info_clear(&info);
	return 0;
}
