/*
 * pchat_limits.c - admission control and the shared-memory watch (pchat_limits.h).
 */
#include <time.h>

#include "../../core/dprint.h"
#include "../../core/globals.h"
#include "../../core/hashes.h"
#include "../../core/mem/shm_mem.h"
#include "pchat_limits.h"
#include "pchat_mod.h"

int pchat_max_session_pending = 16;
int pchat_shm_reserve_percent = 20;

/* How long a dialog stays refused after a rate refusal: shorter than the Retry-After a
 * client is told, so that one that obeys it never meets this. */
#define THROTTLE_MS 1000

static unsigned long reserve_bytes;

static uint64_t coarse_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int pchat_limits_init(void)
{
	if(pchat_max_session_pending < 1 || pchat_max_session_pending > pchat_max_pending) {
		LM_ERR("max_session_pending must be 1..max_pending (%d)\n", pchat_max_pending);
		return -1;
	}
	if(pchat_shm_reserve_percent < 0 || pchat_shm_reserve_percent > 90) {
		LM_ERR("shm_reserve must be a percentage, 0..90\n");
		return -1;
	}
	reserve_bytes = shm_mem_size / 100 * (unsigned long)pchat_shm_reserve_percent;
	return 0;
}

unsigned int pchat_dialog_slot(const str *call_id, const str *from_tag)
{
	return core_hash(call_id, from_tag, PCHAT_DIALOG_SLOTS);
}

static volatile int *dialog_counter(unsigned int slot)
{
	return &pchat_shared->dialog_inflight[slot % PCHAT_DIALOG_SLOTS];
}

/* Increments first and undoes on refusal, so that concurrent workers can never
 * together exceed a bound (a check then an increment could). */
enum pchat_admission pchat_info_admit(int link, unsigned int slot)
{
	volatile int *dialog = dialog_counter(slot);
	volatile int *all = &pchat_shared->link[link].inflight;

	if(__atomic_load_n(&pchat_shared->dialog_throttled_until[slot % PCHAT_DIALOG_SLOTS],
			   __ATOMIC_RELAXED) > coarse_ms())
		return PCHAT_REFUSED_THROTTLED;
	if(__atomic_add_fetch(dialog, 1, __ATOMIC_SEQ_CST) > pchat_max_session_pending) {
		__atomic_sub_fetch(dialog, 1, __ATOMIC_SEQ_CST);
		return PCHAT_REFUSED_DIALOG;
	}
	if(__atomic_add_fetch(all, 1, __ATOMIC_SEQ_CST) > pchat_max_pending) {
		__atomic_sub_fetch(all, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(dialog, 1, __ATOMIC_SEQ_CST);
		return PCHAT_REFUSED_LINK;
	}
	return PCHAT_ADMITTED;
}

void pchat_dialog_throttle(unsigned int slot)
{
	__atomic_store_n(&pchat_shared->dialog_throttled_until[slot % PCHAT_DIALOG_SLOTS],
			coarse_ms() + THROTTLE_MS, __ATOMIC_RELAXED);
}

void pchat_info_release(int link, unsigned int slot)
{
	__atomic_sub_fetch(dialog_counter(slot), 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&pchat_shared->link[link].inflight, 1, __ATOMIC_SEQ_CST);
}

int pchat_info_inflight(int link)
{
	return __atomic_load_n(&pchat_shared->link[link].inflight, __ATOMIC_RELAXED);
}

unsigned long pchat_shm_free(void)
{
	return shm_available();
}

unsigned long pchat_shm_reserve_bytes(void)
{
	return reserve_bytes;
}

int pchat_shm_low(void)
{
	return shm_available() < reserve_bytes;
}

int pchat_shm_critical(void)
{
	return shm_available() < reserve_bytes / 2;
}
