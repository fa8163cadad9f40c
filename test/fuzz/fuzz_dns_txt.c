/*
 * fuzz_dns_txt.c — the DNS TXT answer parser on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/dnsaddr.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse; every string returned must be NUL-terminated within bounds */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		txt[HY_DNSADDR_MAX_TXT][HY_DNSADDR_TXT_LEN];
	int			n = hy_dns_parse_txt(data, size, txt, HY_DNSADDR_MAX_TXT);

	for (int i = 0; i < n; i++)
		if (memchr(txt[i], '\0', HY_DNSADDR_TXT_LEN) == NULL)
			__builtin_trap();
	return 0;
}
