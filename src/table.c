/*
 * table: open addressing with linear probing over power-of-two slots; the full hash is stored
 * next to each id so probes rarely call the equality callback and growth never rehashes keys.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

void
table_free(struct table *t)
{
	free(t->slots);
	free(t->hashes);
	memset(t, 0, sizeof(*t));
}

uint32_t
table_find(const struct table *t, uint64_t hash, const void *key, table_eq_fn eq, void *arg)
{
	size_t mask, i;

	if (!t->cap)
		return TABLE_NONE;
	mask = t->cap - 1;
	for (i = hash & mask;; i = (i + 1) & mask) {
		uint32_t slot = t->slots[i];
		if (!slot)
			return TABLE_NONE;
		if (t->hashes[i] == hash && eq(slot - 1, key, arg))
			return slot - 1;
	}
}

static void
table_put(uint32_t *slots, uint64_t *hashes, size_t cap, uint64_t hash, uint32_t id)
{
	size_t mask = cap - 1, i;

	for (i = hash & mask; slots[i]; i = (i + 1) & mask)
		;
	slots[i] = id + 1;
	hashes[i] = hash;
}

void
table_insert(struct table *t, uint64_t hash, uint32_t id)
{
	if ((t->count + 1) * 4 > t->cap * 3) { /* keep the load under 3/4 */
		size_t ncap = t->cap ? t->cap * 2 : 64, i;
		uint32_t *slots = xcalloc(ncap, sizeof(*slots));
		uint64_t *hashes = xcalloc(ncap, sizeof(*hashes));

		for (i = 0; i < t->cap; i++)
			if (t->slots[i])
				table_put(slots, hashes, ncap, t->hashes[i], t->slots[i] - 1);
		free(t->slots);
		free(t->hashes);
		t->slots = slots;
		t->hashes = hashes;
		t->cap = ncap;
	}
	table_put(t->slots, t->hashes, t->cap, hash, id);
	t->count++;
}

uint64_t
table_hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return table_hash_u64(h, 0);
}

uint64_t
table_hash_u64(uint64_t v, uint64_t seed)
{
	/* splitmix64 finalizer */
	uint64_t z = v + seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
