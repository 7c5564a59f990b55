/*
 * pchat_alert.c - see pchat_alert.h.
 *
 * The MESSAGE goes to the user's address of record (Request-URI and To) from
 * alert_uri, with next hop alert_proxy: Kamailio itself, whose configuration
 * (kamailio-cfg/kamailio.cfg, route[ALERT]) looks the AOR up in usrloc and relays to
 * every registered contact (parallel forking), so any SIP client registered for
 * the user shows it, whether or not it ever opened a chat session.  tm owns the
 * transaction from then on; the link process does not wait for the answers.
 */
#include "pchat_alert.h"
#include "pchat_mod.h"

#include "../../core/dprint.h"
#include "../../core/mem/mem.h"
#include "../../core/str.h"
#include "../../modules/tm/tm_load.h"
#include "pchat_frame.h"

#include <string.h>

/* zero: unset (their defaults are computed at mod_init, or none) */
str pchat_alert_uri;
str pchat_alert_proxy;

int pchat_alert_init(void)
{
	const str *pool = &pchat_pool_uris[0];
	const char *at = memchr(pool->s, '@', pool->len);
	int dlen;
	char *s;
	if(pchat_alert_uri.len > 0)
		return 0;
	if(at == NULL) {
		LM_ERR("set alert_uri: the first pool_uri has no domain to derive it from\n");
		return -1;
	}
	at++;
	dlen = (int)(pool->s + pool->len - at);
	for(int i = 0; i < dlen; i++) {
		if(at[i] == ';' || at[i] == '>' || at[i] == '?') {
			dlen = i;
			break;
		}
	}
	s = pkg_malloc(sizeof("sip:alerts@") + dlen);
	if(s == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(s, "sip:alerts@", 11);
	memcpy(s + 11, at, dlen);
	s[11 + dlen] = '\0';
	pchat_alert_uri.s = s;
	pchat_alert_uri.len = 11 + dlen;
	return 0;
}

/* A user's AOR as pchatd sends it: sip:, no blanks, no characters of a header. */
static int aor_ok(const char *aor)
{
	size_t n = strlen(aor);
	if(n < 5 || n > 255 || strncmp(aor, "sip:", 4) != 0)
		return 0;
	for(size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)aor[i];
		if(ch <= ' ' || ch == 0x7f || strchr("<>\",", ch))
			return 0;
	}
	return 1;
}

void pchat_alert_send(const char *payload, uint32_t len)
{
	static str method = str_init("MESSAGE");
	static str headers = str_init("Content-Type: text/plain; charset=UTF-8\r\n");
	const char *f[PCHAT_ALERT_NFIELDS];
	uac_req_t uac_r;
	str to, body;

	if(pchat_fields_split(payload, len, f, PCHAT_ALERT_NFIELDS) != PCHAT_ALERT_NFIELDS ||
			!aor_ok(f[PCHAT_ALERT_TO])) {
		LM_WARN("malformed ALERT frame ignored\n");
		update_stat(pchat_stat_alerts_failed, 1);
		return;
	}
	if(pchat_alert_proxy.len == 0) {
		LM_DBG("alert dropped: no alert_proxy user=%s\n", f[PCHAT_ALERT_TO]);
		update_stat(pchat_stat_alerts_failed, 1);
		return;
	}
	to.s = (char *)f[PCHAT_ALERT_TO];
	to.len = (int)strlen(to.s);
	body.s = (char *)f[PCHAT_ALERT_BODY];
	body.len = (int)strlen(body.s);
	set_uac_req(&uac_r, &method, &headers, &body, NULL, 0, NULL, NULL);
	if(pchat_tmb.t_request(&uac_r, &to, &to, &pchat_alert_uri, &pchat_alert_proxy) < 0) {
		LM_ERR("cannot send an alert MESSAGE user=%s\n", to.s);
		update_stat(pchat_stat_alerts_failed, 1);
		return;
	}
	update_stat(pchat_stat_alerts_sent, 1);
}
