/*
 * hydra_pg.h — declarations shared by the PostgreSQL-facing files (src/pg).
 */
#ifndef HYDRA_PG_H
#define HYDRA_PG_H

/* GUC variables (guc.c) */
extern char *hydra_database;

/* Register every hydra.* GUC; called once from _PG_init */
extern void hydra_define_gucs(void);

#endif
