/*
 * pb_arena.h — a bump allocator for protobuf-c unpacking.
 *
 * Every decoder of network input unpacks into a fixed arena instead of
 * malloc: hostile input can cost at most the arena, and the decoded message
 * is released all at once with it.  A message whose decoded form needs more
 * fails to unpack (the caller treats that as malformed).
 */
#ifndef HY_CORE_PB_ARENA_H
#define HY_CORE_PB_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

typedef struct hy_pb_arena
{
	uint8_t    *buf;			/* 16-byte aligned */
	size_t		cap;
	size_t		used;
} hy_pb_arena;

/* Point an arena at memory (16-byte aligned) and empty it */
void		hy_pb_arena_init(hy_pb_arena *a, void *mem, size_t cap);

/* A protobuf-c allocator drawing from the arena */
ProtobufCAllocator hy_pb_arena_allocator(hy_pb_arena *a);

#endif
