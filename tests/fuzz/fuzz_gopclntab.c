/*
 * fuzz_gopclntab: the Go line table reader on arbitrary bytes, as prof reads a .gopclntab
 * section of whatever Go-looking file a program maps. The input is copied into a block of its
 * own size (so ASan sees any read past it), opened with the .text address taken from the
 * header's textStart and with a made-up one, and looked up at the first functions' entries,
 * inside them, around the end of the table and at addresses taken from the input's last bytes.
 * Whatever the bytes, gopclntab.h's promises hold: open gives 0, -ENOEXEC or -EINVAL; a lookup
 * gives 1, 0 or -EINVAL, and on 1 a name and file that are strings inside the input, an entry
 * at or below the pc; gopclntab_frame there gives 1 (with the same entry and only known flags),
 * 0 or -EINVAL.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gopclntab.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
fuzz_gopclntab_string(const uint8_t *data, size_t size, const char *s)
{
	size_t n;

	FUZZ_CHECK(fuzz_within(data, size, s, 1));
	n = strnlen(s, size - (size_t)((const uint8_t *)s - data));
	FUZZ_CHECK(fuzz_within(data, size, s, n + 1));
	fuzz_touch(s, n + 1);
}

static void
fuzz_gopclntab_lookup(const struct gopclntab *t, const uint8_t *data, size_t size, uint64_t pc)
{
	struct gopclntab_frame gf;
	struct gopclntab_line gl;
	int n = gopclntab_lookup(t, pc, &gl);

	FUZZ_CHECK(n == 1 || n == 0 || n == -EINVAL);
	if (n != 1)
		return;
	FUZZ_CHECK(gl.func != NULL);
	fuzz_gopclntab_string(data, size, gl.func);
	if (gl.file)
		fuzz_gopclntab_string(data, size, gl.file);
	FUZZ_CHECK(gl.entry <= pc);

	n = gopclntab_frame(t, pc, &gf);
	FUZZ_CHECK(n == 1 || n == 0 || n == -EINVAL);
	if (n == 1) {
		FUZZ_CHECK(gf.entry == gl.entry);
		FUZZ_CHECK((gf.flags & ~(uint32_t)(GOPCLNTAB_TOPFRAME | GOPCLNTAB_SPWRITE)) == 0);
	}
}

static void
fuzz_gopclntab_one(const uint8_t *data, size_t size, uint64_t text)
{
	struct gopclntab t;
	uint64_t i, pc, tail = 0;
	int err = gopclntab_open(&t, data, size, text);

	FUZZ_CHECK(err == 0 || err == -ENOEXEC || err == -EINVAL);
	if (err)
		return;
	FUZZ_CHECK(t.nfunc > 0);
	FUZZ_CHECK(gopclntab_version_name(&t)[0] != '?');
	for (i = 0; i < t.nfunc && i < 64; i++) {
		if (gopclntab_func_entry(&t, i, &pc) != 0)
			continue;
		fuzz_gopclntab_lookup(&t, data, size, pc);
		fuzz_gopclntab_lookup(&t, data, size, pc + 1);
		fuzz_gopclntab_lookup(&t, data, size, pc + 17);
		fuzz_gopclntab_lookup(&t, data, size, pc - 1);
	}
	FUZZ_CHECK(gopclntab_func_entry(&t, t.nfunc, &pc) == -EINVAL);
	memcpy(&tail, data + size - 8, 8); /* size >= 16: open checked */
	fuzz_gopclntab_lookup(&t, data, size, tail);
	fuzz_gopclntab_lookup(&t, data, size, t.text_start + (tail & 0xffff));
	fuzz_gopclntab_lookup(&t, data, size, 0);
	fuzz_gopclntab_lookup(&t, data, size, UINT64_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	FUZZ_CHECK(copy != NULL);
	if (size)
		memcpy(copy, data, size);
	fuzz_gopclntab_one(copy, size, 0);
	fuzz_gopclntab_one(copy, size, 0x401000);
	free(copy);
	return 0;
}
