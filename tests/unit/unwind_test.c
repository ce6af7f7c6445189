/*
 * unwind_test: unwind_callchain on hand-written PERF_SAMPLE_CALLCHAIN arrays: context markers,
 * the exact-PC / return-address (ra - 1) rule, guest and hypervisor frames, the empty-chain
 * fallback to the sample IP, and the UNWIND_MAX_FRAMES cap.
 */
#include <stdint.h>
#include <stdlib.h>

#include <linux/perf_event.h>

#include "tap.h"
#include "unwind.h"

#define KERNEL	     ((uint64_t)PERF_CONTEXT_KERNEL)
#define USER	     ((uint64_t)PERF_CONTEXT_USER)
#define HV	     ((uint64_t)PERF_CONTEXT_HV)
#define GUEST	     ((uint64_t)PERF_CONTEXT_GUEST)
#define GUEST_KERNEL ((uint64_t)PERF_CONTEXT_GUEST_KERNEL)
#define GUEST_USER   ((uint64_t)PERF_CONTEXT_GUEST_USER)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct unwind_stack st;

static int
pcs_equal(const struct unwind_stack *s, const uint64_t *want, uint32_t n)
{
	if (s->n != n) {
		tap_diag("got %u frames, want %u", s->n, n);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (s->pcs[i] != want[i]) {
			tap_diag("frame %u: got 0x%" PRIx64 ", want 0x%" PRIx64, i, s->pcs[i],
				 want[i]);
			return 0;
		}
	}
	return 1;
}

/* The chains read best one context per line. */
/* clang-format off */
static void
test_kernel_user(void)
{
	const uint64_t chain[] = {
		KERNEL, 0xffffffff81001000, 0xffffffff81002000, 0xffffffff81003000,
		USER, 0x401000, 0x402000, 0x403000,
	};
	const uint64_t want[] = {
		0xffffffff81001000, 0xffffffff81001fff, 0xffffffff81002fff,
		0x401000, 0x401fff, 0x402fff,
	};
	struct unwind_stats stats = {0};

	unwind_callchain(chain, NELEM(chain), 0xffffffff81001000, &st, &stats);
	tap_ok(pcs_equal(&st, want, NELEM(want)),
	       "kernel then user; exact PC after each marker, ra - 1 elsewhere");
	TAP_EQ_U64(st.nkernel, 3, "nkernel");
	tap_ok(stats.samples == 1 && stats.empty == 0 && stats.truncated == 0, "stats");
}

static void
test_user_only(void)
{
	const uint64_t chain[] = {USER, 0x401000, 0x402000, 0x403000};
	const uint64_t want[] = {0x401000, 0x401fff, 0x402fff};

	unwind_callchain(chain, NELEM(chain), 0x401000, &st, NULL);
	tap_ok(pcs_equal(&st, want, NELEM(want)), "user-only chain");
	TAP_EQ_U64(st.nkernel, 0, "no kernel frames");
}

static void
test_empty(void)
{
	const uint64_t markers[] = {KERNEL, USER};
	const uint64_t guest_only[] = {GUEST_KERNEL, 0xffffffff81000000, GUEST_USER, 0x400000};
	const uint64_t want[] = {0x401234};
	struct unwind_stats stats = {0};

	unwind_callchain(NULL, 0, 0x401234, &st, &stats);
	tap_ok(pcs_equal(&st, want, 1), "no chain: the sample IP, exact");
	TAP_EQ_U64(st.nkernel, 0, "no kernel frames");
	unwind_callchain(markers, NELEM(markers), 0x401234, &st, &stats);
	tap_ok(pcs_equal(&st, want, 1), "markers only: the sample IP");
	unwind_callchain(guest_only, NELEM(guest_only), 0x401234, &st, &stats);
	tap_ok(pcs_equal(&st, want, 1), "guest frames only: the sample IP");
	TAP_EQ_U64(stats.empty, 3, "three empty chains counted");
	TAP_EQ_U64(stats.samples, 3, "three samples counted");
	unwind_callchain(NULL, 0, 0, &st, &stats);
	TAP_EQ_U64(st.n, 0, "no chain and no IP: no frames");
}

static void
test_guest_hv(void)
{
	const uint64_t chain[] = {
		GUEST, 0x1111,
		GUEST_KERNEL, 0xffffffff80000010, 0xffffffff80000020,
		KERNEL, 0xffffffff81000010, 0xffffffff81000020,
		HV, 0xdead0000, 0xdead1000,
		USER, 0x401000, 0x402000,
		GUEST_USER, 0x7000, 0x8000,
	};
	const uint64_t want[] = {0xffffffff81000010, 0xffffffff8100001f, 0x401000, 0x401fff};

	unwind_callchain(chain, NELEM(chain), 0, &st, NULL);
	tap_ok(pcs_equal(&st, want, NELEM(want)), "guest and hypervisor frames dropped");
	TAP_EQ_U64(st.nkernel, 2, "only host kernel frames count as kernel");
}

static void
test_ip_rules(void)
{
	const uint64_t zero_first[] = {USER, 0, 0x402000, 0x403000};
	const uint64_t zero_first_want[] = {0x401fff, 0x402fff};
	const uint64_t zero_mid[] = {USER, 0x401000, 0, 0x403000};
	const uint64_t zero_mid_want[] = {0x401000, 0x402fff};
	const uint64_t user_first[] = {
		USER, 0x401000, 0x402000,
		KERNEL, 0xffffffff81000010, 0xffffffff81000020,
	};
	const uint64_t user_first_want[] = {0xffffffff81000010, 0xffffffff8100001f, 0x401000,
					    0x401fff};
	const uint64_t no_marker[] = {0x500000, 0x600000, USER, 0x401000};
	const uint64_t no_marker_want[] = {0x401000};
	const uint64_t odd_marker[] = {USER, 0x401000, (uint64_t)PERF_CONTEXT_MAX, 0x402000};
	const uint64_t two_user[] = {USER, 0x401000, 0x402000, USER, 0x501000, 0x502000};
	const uint64_t two_user_want[] = {0x401000, 0x401fff, 0x501000, 0x501fff};

	unwind_callchain(zero_first, NELEM(zero_first), 0, &st, NULL);
	tap_ok(pcs_equal(&st, zero_first_want, NELEM(zero_first_want)),
	       "a 0 in the exact-PC slot is skipped; later entries stay return addresses");
	unwind_callchain(zero_mid, NELEM(zero_mid), 0, &st, NULL);
	tap_ok(pcs_equal(&st, zero_mid_want, NELEM(zero_mid_want)), "a 0 mid-chain is skipped");
	unwind_callchain(user_first, NELEM(user_first), 0, &st, NULL);
	tap_ok(pcs_equal(&st, user_first_want, NELEM(user_first_want)),
	       "kernel frames first whatever the chain's order");
	TAP_EQ_U64(st.nkernel, 2, "nkernel with user part first");
	unwind_callchain(no_marker, NELEM(no_marker), 0, &st, NULL);
	tap_ok(pcs_equal(&st, no_marker_want, NELEM(no_marker_want)),
	       "entries before any marker are dropped");
	unwind_callchain(odd_marker, NELEM(odd_marker), 0, &st, NULL);
	tap_ok(pcs_equal(&st, no_marker_want, NELEM(no_marker_want)),
	       "entries after an unknown marker are dropped");
	unwind_callchain(two_user, NELEM(two_user), 0, &st, NULL);
	tap_ok(pcs_equal(&st, two_user_want, NELEM(two_user_want)),
	       "each marker starts with an exact PC");
}

/* clang-format on */

static void
test_truncation(void)
{
	uint64_t *chain = calloc(2 + 600, sizeof(uint64_t));
	struct unwind_stats stats = {0};
	int ok = 1;

	if (!chain)
		abort();
	chain[0] = KERNEL;
	for (int i = 0; i < 300; i++)
		chain[1 + i] = 0xffffffff81000000 + 0x100 * (uint64_t)(i + 1);
	chain[301] = USER;
	for (int i = 0; i < 300; i++)
		chain[302 + i] = 0x400000 + 0x100 * (uint64_t)(i + 1);

	unwind_callchain(chain, 602, 0, &st, &stats);
	TAP_EQ_U64(st.n, UNWIND_MAX_FRAMES, "capped at UNWIND_MAX_FRAMES");
	TAP_EQ_U64(st.nkernel, 300, "all kernel frames kept");
	TAP_EQ_U64(stats.truncated, 1, "truncation counted");
	TAP_EQ_U64(st.pcs[300], 0x400100, "first user frame exact");
	TAP_EQ_U64(st.pcs[UNWIND_MAX_FRAMES - 1], 0x400000 + 0x100 * 212 - 1,
		   "outermost frames dropped");
	for (uint32_t i = 1; i < 300; i++)
		ok &= st.pcs[i] == 0xffffffff81000000 + 0x100 * (uint64_t)(i + 1) - 1;
	tap_ok(ok, "kernel return addresses - 1");

	/* Exactly UNWIND_MAX_FRAMES frames fit. */
	unwind_callchain(chain, 302 + (UNWIND_MAX_FRAMES - 300), 0, &st, &stats);
	TAP_EQ_U64(st.n, UNWIND_MAX_FRAMES, "exactly full");
	TAP_EQ_U64(stats.truncated, 1, "exactly full is not truncated");

	/* More kernel frames than fit. */
	chain[0] = KERNEL;
	for (int i = 0; i < 600; i++)
		chain[1 + i] = 0xffffffff81000000 + 0x100 * (uint64_t)(i + 1);
	unwind_callchain(chain, 601, 0, &st, &stats);
	tap_ok(st.n == UNWIND_MAX_FRAMES && st.nkernel == UNWIND_MAX_FRAMES && stats.truncated == 2,
	       "kernel part alone truncated");
	unwind_callchain(chain, 601, 0, &st, NULL);
	TAP_EQ_U64(st.n, UNWIND_MAX_FRAMES, "truncation without stats");
	free(chain);
}

int
main(void)
{
	test_kernel_user();
	test_user_only();
	test_empty();
	test_guest_hv();
	test_ip_rules();
	test_truncation();
	return tap_done();
}
