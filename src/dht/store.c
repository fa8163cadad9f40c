/*
 * store.c — shared helpers of the store interface (see store.h).
 */
#include "dht/store.h"

#include "net/limits.h"

/* Describe a store code, falling back to the core and network texts */
const char *
hy_store_strerror(int err)
{
	switch (err)
	{
		case HY_STORE_SHED:
			return "store queue full (shed)";
		case HY_STORE_OLDER:
			return "older than the stored record";
		case HY_STORE_UNAVAILABLE:
			return "store unavailable";
	}
	return hy_net_strerror(err);
}
