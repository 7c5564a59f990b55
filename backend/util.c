/*
 * util.c - see util.h.
 */
#include "util.h"
#include "pchat_log.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static void __attribute__((noreturn)) oom(size_t size)
{
	log_error("out of memory (allocating %zu bytes)", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if(p == NULL)
		oom(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if(p == NULL)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if(q == NULL)
		oom(size);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void clock_now_ms(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec -= ts->tv_nsec % 1000000;
}

void format_ts(char out[TS_BUFSZ], time_t sec, unsigned ms)
{
	struct tm tm;
	size_t n;
	gmtime_r(&sec, &tm);
	n = strftime(out, TS_BUFSZ, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, TS_BUFSZ - n, ".%03uZ", ms % 1000);
}

int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if(s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if(errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t random_u64(void)
{
	uint64_t v;
	if(getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
}

struct addrinfo *resolve_address(const char *option, const char *spec, int socktype)
{
	struct addrinfo hints = {0}, *ai = NULL;
	const char *colon = strrchr(spec, ':');
	char host[256];
	int rc;

	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - spec) : 0, spec);
	if(host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_PASSIVE;
	rc = colon ? getaddrinfo(host, colon + 1, &hints, &ai) : EAI_NONAME;
	if(rc != 0) {
		log_error("--%s %s: %s", option, spec, gai_strerror(rc));
		return NULL;
	}
	return ai;
}
