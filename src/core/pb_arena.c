/*
 * pb_arena.c — the bump allocator behind every protobuf decoder.
 */
#include "core/pb_arena.h"

/* Point an arena at memory and empty it */
void
hy_pb_arena_init(hy_pb_arena *a, void *mem, size_t cap)
{
	a->buf = mem;
	a->cap = cap;
	a->used = 0;
}

/*
 * Hand out 16-byte aligned memory, NULL when the budget is spent.  An empty
 * request gets a valid zero-sized slot: protobuf-c asks for one for empty
 * repeated fields, and failing it would reject valid input.
 */
static void *
arena_alloc(void *data, size_t size)
{
	hy_pb_arena *a = data;
	size_t		need = (size + 15) & ~(size_t) 15;

	if (need < size || need > a->cap - a->used)
		return NULL;
	a->used += need;
	return a->buf + a->used - need;
}

/* Release nothing: the arena is emptied or dropped as a whole */
static void
arena_free(void *data, void *ptr)
{
	(void) data;
	(void) ptr;
}

/* A protobuf-c allocator drawing from the arena */
ProtobufCAllocator
hy_pb_arena_allocator(hy_pb_arena *a)
{
	ProtobufCAllocator alloc = {arena_alloc, arena_free, a};

	return alloc;
}
