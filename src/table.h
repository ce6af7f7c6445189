/*
 * table: an open-addressing hash index from a 64-bit hash to a dense uint32_t id. The caller owns
 * the objects (usually in an array indexed by id) and supplies the equality test; the table only
 * stores ids. Used to intern strings, locations, stacks and label sets without per-lookup
 * allocation.
 */
#ifndef PROF_TABLE_H
#define PROF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_NONE UINT32_MAX

struct table {
	uint32_t *slots;   /* id + 1, 0 = empty */
	uint64_t *hashes;  /* hash of the id in the same slot */
	size_t cap;        /* power of two */
	size_t count;
};

/* Returns true when the object with id `id` equals the key being looked up. */
typedef bool (*table_eq_fn)(uint32_t id, const void *key, void *arg);

void table_init(struct table *t);
void table_free(struct table *t);
/* The id stored for `key`, or TABLE_NONE. */
uint32_t table_find(const struct table *t, uint64_t hash, const void *key, table_eq_fn eq, void *arg);
/* Stores `id` for a key known to be absent. */
void table_insert(struct table *t, uint64_t hash, uint32_t id);

/* 64-bit hashing helpers (FNV-1a seeded mixing; good enough for interning). */
uint64_t table_hash_bytes(const void *data, size_t len, uint64_t seed);
uint64_t table_hash_u64(uint64_t v, uint64_t seed);

#endif
