/*
 * hydra_pg.h — declarations shared by the PostgreSQL-facing files (src/pg).
 */
#ifndef HYDRA_PG_H
#define HYDRA_PG_H

#include <stdint.h>

/* GUC variables (guc.c) */
extern char *hydra_database;
extern char *hydra_random_seed_text;
extern int	hydra_id_offset;
extern int	hydra_nheads;
extern int	hydra_head_workers;
extern char *hydra_listen_address;
extern int	hydra_port_begin;
extern char *hydra_announce_addresses;
extern bool hydra_allow_private_addresses;
extern int	hydra_provider_ttl;
extern int	hydra_bucket_size;
extern char *hydra_protocol_prefix;
extern int	hydra_max_providers_per_response;
extern int	hydra_store_ops_per_second;
extern int	hydra_requests_per_second;
extern char *hydra_bootstrap_peers;

/* Register every hydra.* GUC; called once from _PG_init */
extern void hydra_define_gucs(void);

/* Decode a base64 seed of exactly 32 bytes (identity_sql.c) */
extern bool hydra_decode_seed(const char *text, uint8_t seed[32]);

/* Register one static hydra background worker (worker_util.c) */
extern void hydra_register_worker(const char *name, const char *function, int arg, int restart_s);

/* Wait set of the latch, postmaster death and fd readable (worker_util.c) */
struct WaitEventSet;
extern struct WaitEventSet *hydra_worker_wait_set(int fd);

/* After a wait: reset the latch, honour interrupts, reload on SIGHUP */
extern void hydra_worker_woke(void);

/* Register the launcher and head workers; called once from _PG_init */
extern void hydra_register_workers(void);

/* Build a bytea from a buffer (util.c) */
extern bytea *hydra_bytes_to_bytea(const uint8_t *p, size_t len);

#endif
