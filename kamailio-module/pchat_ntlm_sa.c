/*
 * pchat_ntlm_sa.c - the challenges and security associations of NTLM, in shared
 * memory (pchat_ntlm_sa.h).
 *
 * Challenges: a fixed ring of CHALLENGE_SLOTS entries, the slot chosen by the opaque's
 * low bits; a newer challenge overwrites an older one in its slot (its client then
 * fails and starts again), so no number of unanswered handshakes can use more memory.
 * SAs: a hash table by connection id with chains of entries from shared memory, at
 * most ntlm_max_sas of them.  Kamailio's connection ids only grow, so an SA whose
 * connection ended without our hearing of it is never found by a later connection.
 * Beside them, two tables of MARK_SLOTS counts, one by connection id and one by the
 * peer's address (a hash of ip and port): each slot counts the SAs that hash there,
 * changed under the lock with the SAs, read without it (pchat_ntlm_sa_may_have*):
 * the outgoing hook (pchat_ntlm_sign.c) sees a 0 for nearly every connection without
 * NTLM, and skips the lock, the chain and, for a message sent to an address, Kamailio's
 * connection lookup.  A count is an int, read and written whole; the SA is in place
 * (and its count up) before the handshake's reply leaves, so no message it must sign
 * reads a stale 0.
 */
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../../core/dprint.h"
#include "../../core/hashes.h"
#include "../../core/locking.h"
#include "../../core/mem/shm_mem.h"
#include "pchat_ntlm_sa.h"

#define CHALLENGE_SLOTS 256
#define SA_BUCKETS 1024
#define MARK_SLOTS 4096 /* a power of two (core_hash) */

int pchat_ntlm_max_sas = 4096;

struct challenge {
	uint32_t opaque; /* 0: free */
	int conid;
	time_t expires;
	uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN];
};

struct sa {
	struct sa *next;
	int conid;
	unsigned int peer_slot; /* its slot in by_peer */
	struct pchat_ntlm_sa_view v;
};

struct ntlm_shared {
	gen_lock_t lock;
	int count;
	struct challenge ch[CHALLENGE_SLOTS];
	struct sa *bucket[SA_BUCKETS];
	int by_id[MARK_SLOTS], by_peer[MARK_SLOTS]; /* SAs per slot (the marks) */
};

static struct ntlm_shared *S;

int pchat_ntlm_sa_init(void)
{
	S = shm_malloc(sizeof(*S));
	if(S == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(S, 0, sizeof(*S));
	if(lock_init(&S->lock) == NULL) {
		LM_ERR("cannot initialise the NTLM lock\n");
		shm_free(S);
		S = NULL;
		return -1;
	}
	return 0;
}

void pchat_ntlm_sa_destroy(void)
{
	int i;
	if(S == NULL)
		return;
	for(i = 0; i < SA_BUCKETS; i++)
		while(S->bucket[i]) {
			struct sa *e = S->bucket[i];
			S->bucket[i] = e->next;
			shm_free(e);
		}
	lock_destroy(&S->lock);
	shm_free(S);
	S = NULL;
}

int pchat_ntlm_sa_count(void)
{
	return S ? S->count : 0;
}

static unsigned int bucket_of(int conid)
{
	return (unsigned int)conid % SA_BUCKETS;
}

static unsigned int id_slot(int conid)
{
	return (unsigned int)conid % MARK_SLOTS;
}

static unsigned int peer_slot(const struct ip_addr *ip, unsigned short port)
{
	char key[sizeof(ip->u.addr) + sizeof(port)];
	unsigned int len = ip->len <= sizeof(ip->u.addr) ? ip->len : sizeof(ip->u.addr);
	str k = {key, (int)(len + sizeof(port))};
	memcpy(key, ip->u.addr, len);
	memcpy(key + len, &port, sizeof(port));
	return core_hash(&k, NULL, MARK_SLOTS);
}

/* A slot's count, read without the lock: whole, as it stands (volatile: never a
 * value the compiler kept from before). */
static int mark(const int *slots, unsigned int i)
{
	return *(const volatile int *)&slots[i];
}

int pchat_ntlm_sa_may_have(int conid)
{
	return S != NULL && mark(S->by_id, id_slot(conid)) != 0;
}

int pchat_ntlm_sa_may_have_peer(const struct ip_addr *ip, unsigned short port)
{
	return S != NULL && mark(S->by_peer, peer_slot(ip, port)) != 0;
}

static void hex8(uint32_t v, char out[PCHAT_NTLM_OPAQUE_LEN + 1])
{
	static const char digits[] = "0123456789ABCDEF";
	int i;
	for(i = 7; i >= 0; i--) {
		out[i] = digits[v & 15];
		v >>= 4;
	}
	out[8] = '\0';
}

static int parse_hex8(const char *s, int len, uint32_t *out)
{
	uint32_t v = 0;
	int i;
	if(len != PCHAT_NTLM_OPAQUE_LEN)
		return -1;
	for(i = 0; i < len; i++) {
		char c = s[i];
		v <<= 4;
		if(c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if(c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else if(c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

int pchat_ntlm_challenge_put(int conid, const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN],
		char opaque[PCHAT_NTLM_OPAQUE_LEN + 1])
{
	uint32_t o = 0;
	struct challenge *c;
	while(o == 0)
		if(getrandom(&o, sizeof(o), 0) != (ssize_t)sizeof(o))
			return -1;
	hex8(o, opaque);
	lock_get(&S->lock);
	c = &S->ch[o % CHALLENGE_SLOTS];
	c->opaque = o;
	c->conid = conid;
	c->expires = time(NULL) + PCHAT_NTLM_CHALLENGE_TTL;
	memcpy(c->sc, sc, PCHAT_NTLM_CHALLENGE_LEN);
	lock_release(&S->lock);
	return 0;
}

int pchat_ntlm_challenge_take(
		int conid, const char *opaque, int opaque_len, uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN])
{
	uint32_t o;
	struct challenge *c;
	int ok = 0;
	if(parse_hex8(opaque, opaque_len, &o) < 0 || o == 0)
		return -1;
	lock_get(&S->lock);
	c = &S->ch[o % CHALLENGE_SLOTS];
	if(c->opaque == o && c->conid == conid && c->expires >= time(NULL)) {
		memcpy(sc, c->sc, PCHAT_NTLM_CHALLENGE_LEN);
		ok = 1;
	}
	if(c->opaque == o)
		memset(c, 0, sizeof(*c)); /* one use, even a failed one */
	lock_release(&S->lock);
	return ok ? 0 : -1;
}

/* The entry of conid, with the lock held; prev its predecessor's next pointer. */
static struct sa *find(int conid, struct sa ***prev)
{
	struct sa **p = &S->bucket[bucket_of(conid)];
	for(; *p; p = &(*p)->next)
		if((*p)->conid == conid) {
			if(prev)
				*prev = p;
			return *p;
		}
	return NULL;
}

int pchat_ntlm_sa_put(int conid, const struct ip_addr *ip, unsigned short port, const char *opaque,
		const char *identity, int version, const struct pchat_ntlm_session *keys)
{
	struct sa *e;
	lock_get(&S->lock);
	e = find(conid, NULL);
	if(e == NULL) {
		if(S->count >= pchat_ntlm_max_sas) {
			lock_release(&S->lock);
			LM_ERR("ntlm_max_sas (%d) security associations in use\n",
					pchat_ntlm_max_sas);
			return -1;
		}
		e = shm_malloc(sizeof(*e));
		if(e == NULL) {
			lock_release(&S->lock);
			SHM_MEM_ERROR;
			return -1;
		}
		memset(e, 0, sizeof(*e));
		e->conid = conid;
		e->peer_slot = peer_slot(ip, port); /* a connection's peer never changes */
		e->next = S->bucket[bucket_of(conid)];
		S->bucket[bucket_of(conid)] = e;
		S->count++;
		S->by_id[id_slot(conid)]++;
		S->by_peer[e->peer_slot]++;
	}
	memset(&e->v, 0, sizeof(e->v));
	strncpy(e->v.opaque, opaque, PCHAT_NTLM_OPAQUE_LEN);
	strncpy(e->v.identity, identity, PCHAT_NTLM_ID_MAX - 1);
	e->v.version = version;
	e->v.keys = *keys;
	lock_release(&S->lock);
	return 0;
}

static int get(int conid, struct pchat_ntlm_sa_view *v, int count)
{
	struct sa *e;
	if(S == NULL || S->count == 0)
		return 0;
	lock_get(&S->lock);
	e = find(conid, NULL);
	if(e) {
		if(count)
			e->v.snum++;
		*v = e->v;
	}
	lock_release(&S->lock);
	return e != NULL;
}

int pchat_ntlm_sa_get(int conid, struct pchat_ntlm_sa_view *v)
{
	return get(conid, v, 0);
}

int pchat_ntlm_sa_next(int conid, struct pchat_ntlm_sa_view *v)
{
	return get(conid, v, 1);
}

int pchat_ntlm_sa_forget(int conid)
{
	struct sa *e, **prev = NULL;
	if(S == NULL)
		return 0;
	lock_get(&S->lock);
	e = find(conid, &prev);
	if(e) {
		*prev = e->next;
		S->count--;
		S->by_id[id_slot(conid)]--;
		S->by_peer[e->peer_slot]--;
	}
	lock_release(&S->lock);
	if(e)
		shm_free(e);
	return e != NULL;
}
