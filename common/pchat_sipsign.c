/*
 * pchat_sipsign.c - [MS-SIPAE]'s string to sign (pchat_sipsign.h).
 */
#include <stdio.h>
#include <string.h>

#include "pchat_sipsign.h"

/* Appends "<s>" (s NULL: "<>") at out[*n..cap): 0, or -1 if it does not fit. */
static int put(char *out, size_t cap, size_t *n, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if(len + 3 > cap - *n) /* "<", ">" and the NUL */
		return -1;
	out[(*n)++] = '<';
	memcpy(out + *n, s ? s : "", len);
	*n += len;
	out[(*n)++] = '>';
	out[*n] = '\0';
	return 0;
}

long pchat_sipsign_string(const struct pchat_sipsign *f, int version, char *out, size_t cap)
{
	const char *fields[] = {f->protocol, f->rand, f->num, f->realm, f->targetname, f->call_id,
			f->cseq_num, f->cseq_method, f->from_uri, f->from_tag, f->to_uri, f->to_tag,
			f->pai_sip_uri, f->pai_tel_uri, f->expires};
	/* the version that added each field: 3 added the To URI and the P-A-I URIs */
	static const int since[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 3, 1};
	size_t n = 0;
	if(!f->realm || !f->realm[0] || cap == 0)
		return -1;
	for(size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if(version >= since[i] && put(out, cap, &n, fields[i]) < 0)
			return -1;
	}
	if(f->response_code) {
		char code[16];
		snprintf(code, sizeof(code), "%d", f->response_code);
		if(put(out, cap, &n, code) < 0)
			return -1;
	}
	return (long)n;
}
