/*
 * pchat_ntlm_auth.c - the server side of [MS-SIPAE]'s connectionless NTLM handshake on
 * REGISTER, and the verification of every later request's signature
 * (pchat_ntlm_auth.h).  The cryptography is common/pchat_ntlm*.c; the state in shared
 * memory pchat_ntlm_sa.c; the signing of what we send pchat_ntlm_sign.c.
 *
 *   REGISTER, no NTLM credentials      -> 401 WWW-Authenticate: NTLM realm, targetname,
 *                                          version=4
 *   REGISTER, gssapi-data=""            -> 401 ... opaque, gssapi-data=<CHALLENGE>
 *   REGISTER, gssapi-data=<AUTHENTICATE>-> NTLMv2 verified against subscriber.nt_hash
 *                                          (one database query per handshake), the
 *                                          request's own signature checked, the SA bound
 *                                          to the connection: 1 (the cfg saves the
 *                                          contact; the 200 is signed on its way out)
 *   any later request                   -> its response= checked with the SA's keys
 *                                          (401 if bad or missing), From = the SA's
 *                                          identity (403 otherwise): 1
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../core/data_lump_rpl.h"
#include "../../core/dprint.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/ip_addr.h"
#include "../../core/lvalue.h"
#include "../../lib/srdb1/db.h"
#include "pchat_mod.h"
#include "pchat_ntlm.h"
#include "pchat_ntlm_auth.h"
#include "pchat_ntlm_mac.h"
#include "pchat_ntlm_msg.h"
#include "pchat_ntlm_sa.h"

/* empty: NTLM off; empty: the host name; empty: "SIP Communications Service" */
str pchat_ntlm_db_url;
str pchat_ntlm_targetname;
str pchat_ntlm_realm;

static db_func_t dbf;
static db1_con_t *dbh; /* per process, opened at first use */
static int enabled;

/* The CHALLENGE's target info, from the target name (chat1.example.com: CHAT1,
 * EXAMPLE, example.com, chat1.example.com, example.com). */
static char target[256], dns_domain[256], nb_computer[16], nb_domain[16];
static struct pchat_ntlm_names names;

static void netbios(const char *dns, char out[16])
{
	size_t i;
	for(i = 0; i < 15 && dns[i] && dns[i] != '.'; i++)
		out[i] = (char)toupper((unsigned char)dns[i]);
	out[i] = '\0';
}

int pchat_ntlm_enabled(void)
{
	return enabled;
}

int pchat_ntlm_init(void)
{
	const char *dot;
	if(pchat_ntlm_db_url.s == NULL || pchat_ntlm_db_url.len == 0)
		return 0;
	if(pchat_ntlm_realm.s == NULL || pchat_ntlm_realm.len == 0) {
		pchat_ntlm_realm.s = "SIP Communications Service";
		pchat_ntlm_realm.len = (int)strlen(pchat_ntlm_realm.s);
	}
	if(pchat_ntlm_targetname.s && pchat_ntlm_targetname.len > 0) {
		if(pchat_ntlm_targetname.len >= (int)sizeof(target)) {
			LM_ERR("ntlm_targetname is too long\n");
			return -1;
		}
		memcpy(target, pchat_ntlm_targetname.s, (size_t)pchat_ntlm_targetname.len);
		target[pchat_ntlm_targetname.len] = '\0';
	} else if(gethostname(target, sizeof(target) - 1) < 0) {
		LM_ERR("no ntlm_targetname and no host name\n");
		return -1;
	}
	pchat_ntlm_targetname.s = target;
	pchat_ntlm_targetname.len = (int)strlen(target);
	if(strchr(target, '"') ||
			(pchat_ntlm_realm.s &&
					memchr(pchat_ntlm_realm.s, '"',
							(size_t)pchat_ntlm_realm.len))) {
		LM_ERR("ntlm_targetname and ntlm_realm cannot contain '\"'\n");
		return -1;
	}
	dot = strchr(target, '.');
	snprintf(dns_domain, sizeof(dns_domain), "%s", dot && dot[1] ? dot + 1 : target);
	netbios(target, nb_computer);
	netbios(dns_domain, nb_domain);
	names.nb_domain = nb_domain;
	names.nb_computer = nb_computer;
	names.dns_domain = dns_domain;
	names.dns_computer = target;
	names.dns_tree = dns_domain;
	if(db_bind_mod(&pchat_ntlm_db_url, &dbf) < 0 || !DB_CAPABILITY(dbf, DB_CAP_QUERY)) {
		LM_ERR("ntlm_db_url: no database module that can query for it (load db_mysql)\n");
		return -1;
	}
	if(pchat_ntlm_max_sas < 1) {
		LM_ERR("ntlm_max_sas must be at least 1\n");
		return -1;
	}
	if(pchat_ntlm_sa_init() < 0)
		return -1;
	enabled = 1;
	return 0;
}

void pchat_ntlm_destroy(void)
{
	if(enabled)
		pchat_ntlm_sa_destroy();
}

/* subscriber.nt_hash of user@domain into hash: 1, 0 if none (no row, empty column),
 * -1 on a database error. */
static int lookup_nt_hash(const char *user, const char *domain, uint8_t hash[PCHAT_NTLM_HASH_LEN])
{
	static str table = str_init("subscriber");
	static str c_user = str_init("username"), c_domain = str_init("domain"),
		   c_hash = str_init("nt_hash");
	db_key_t keys[2] = {&c_user, &c_domain}, cols[1] = {&c_hash};
	db_val_t vals[2];
	db1_res_t *res = NULL;
	int rc = 0;
	if(dbh == NULL) {
		dbh = dbf.init(&pchat_ntlm_db_url);
		if(dbh == NULL) {
			LM_ERR("cannot connect to ntlm_db_url\n");
			return -1;
		}
	}
	memset(vals, 0, sizeof(vals));
	VAL_TYPE(&vals[0]) = VAL_TYPE(&vals[1]) = DB1_STRING;
	VAL_STRING(&vals[0]) = user;
	VAL_STRING(&vals[1]) = domain;
	if(dbf.use_table(dbh, &table) < 0 ||
			dbf.query(dbh, keys, 0, vals, cols, 2, 1, 0, &res) < 0 || res == NULL) {
		LM_ERR("nt_hash query failed\n");
		return -1;
	}
	if(RES_ROW_N(res) > 0) {
		db_val_t *v = &ROW_VALUES(&RES_ROWS(res)[0])[0];
		const char *s = NULL;
		size_t len = 0;
		if(!VAL_NULL(v)) {
			if(VAL_TYPE(v) == DB1_STRING) {
				s = VAL_STRING(v);
				len = s ? strlen(s) : 0;
			} else if(VAL_TYPE(v) == DB1_STR) {
				s = VAL_STR(v).s;
				len = (size_t)VAL_STR(v).len;
			}
		}
		if(s && pchat_ntlm_from_hex(s, len, hash) == 0)
			rc = 1;
	}
	dbf.free_result(dbh, res);
	return rc;
}

static void lower(char *s)
{
	for(; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* WWW-Authenticate: NTLM ... (extra: ", opaque=..., gssapi-data=..." or "") and a 401. */
static int challenge(struct sip_msg *msg, const char *extra)
{
	char hdr[PCHAT_NTLM_CHALLENGE_B64_MAX + 512];
	int n;
	if(msg->REQ_METHOD == METHOD_ACK)
		return 0;
	n = snprintf(hdr, sizeof(hdr),
			"WWW-Authenticate: NTLM realm=\"%.*s\", targetname=\"%s\", version=4%s\r\n",
			pchat_ntlm_realm.len, pchat_ntlm_realm.s, target, extra);
	if(n < 0 || n >= (int)sizeof(hdr) || add_lump_rpl(msg, hdr, n, LUMP_RPL_HDR) == 0) {
		LM_ERR("cannot add WWW-Authenticate\n");
		return -1;
	}
	if(pchat_slb.zreply(msg, 401, "Unauthorized") < 0)
		return -1;
	return 0;
}

static int refuse(struct sip_msg *msg, int code, char *reason)
{
	if(msg->REQ_METHOD == METHOD_ACK)
		return 0;
	if(pchat_slb.zreply(msg, code, reason) < 0)
		return -1;
	return 0;
}

/* "sip:user@host" of From, lower case, into out. */
static int from_identity(
		struct sip_msg *msg, char *out, size_t cap, char *user, char *host, size_t part)
{
	struct sip_uri *u;
	if(parse_from_header(msg) < 0 || (u = parse_from_uri(msg)) == NULL)
		return -1;
	if(u->user.len <= 0 || (size_t)u->user.len >= part || (size_t)u->host.len >= part)
		return -1;
	memcpy(user, u->user.s, (size_t)u->user.len);
	user[u->user.len] = '\0';
	memcpy(host, u->host.s, (size_t)u->host.len);
	host[u->host.len] = '\0';
	lower(user);
	lower(host);
	if((size_t)snprintf(out, cap, "sip:%s@%s", user, host) >= cap)
		return -1;
	return 0;
}

/* Checks the response= of msg with the client's keys: 0, or -1 (missing, bad). */
static int check_signature(struct sip_msg *msg, const struct pchat_ntlm_params *p, int version,
		const struct pchat_ntlm_session *keys)
{
	struct pchat_ntlm_fields fl;
	char proto[] = "NTLM", rnd[64], num[32], realm[128], tn[256], s[4096];
	uint8_t sig[PCHAT_NTLM_SIG_LEN];
	long len;
	if(p->response.s == NULL || p->crand.s == NULL || p->cnum.s == NULL ||
			p->crand.len >= (int)sizeof(rnd) || p->cnum.len >= (int)sizeof(num) ||
			p->realm.len >= (int)sizeof(realm) || p->targetname.len >= (int)sizeof(tn))
		return -1;
	if(pchat_ntlm_from_hex(p->response.s, (size_t)p->response.len, sig) != 0)
		return -1;
	if(pchat_ntlm_msg_fields(msg, &fl) < 0)
		return -1;
	snprintf(rnd, sizeof(rnd), "%.*s", p->crand.len, p->crand.s);
	snprintf(num, sizeof(num), "%.*s", p->cnum.len, p->cnum.s);
	snprintf(realm, sizeof(realm), "%.*s", p->realm.len, p->realm.s ? p->realm.s : "");
	snprintf(tn, sizeof(tn), "%.*s", p->targetname.len, p->targetname.s ? p->targetname.s : "");
	fl.f.protocol = proto;
	fl.f.rand = rnd;
	fl.f.num = num;
	fl.f.realm = realm;
	fl.f.targetname = tn;
	len = pchat_sipsign_string(&fl.f, version, s, sizeof(s));
	if(len < 0)
		return -1;
	return pchat_ntlm_check(keys, PCHAT_NTLM_SIP_SEQ, s, (size_t)len, sig) == 0 ? 0 : -1;
}

static int set_identity(struct sip_msg *msg, pv_spec_t *id_pv, const char *identity)
{
	pv_value_t val;
	memset(&val, 0, sizeof(val));
	val.flags = PV_VAL_STR;
	val.rs.s = (char *)identity;
	val.rs.len = (int)strlen(identity);
	if(id_pv->setf == NULL || id_pv->setf(msg, &id_pv->pvp, EQ_T, &val) < 0) {
		LM_ERR("cannot set the identity variable\n");
		return -1;
	}
	return 1;
}

/* The AUTHENTICATE of a REGISTER: the handshake's last step. */
static int handshake_end(
		struct sip_msg *msg, int conid, const struct pchat_ntlm_params *p, pv_spec_t *id_pv)
{
	static uint8_t raw[PCHAT_NTLM_MSG_MAX];
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session keys;
	uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN], hash[PCHAT_NTLM_HASH_LEN];
	char from_id[PCHAT_NTLM_ID_MAX], fuser[128], fhost[128], user[PCHAT_NTLM_NAME_MAX],
			domain[PCHAT_NTLM_NAME_MAX], ntlm_id[PCHAT_NTLM_ID_MAX];
	char opaque[PCHAT_NTLM_OPAQUE_LEN + 1];
	long len;
	int rc = 0;
	char *at;

	if(p->opaque.s == NULL ||
			pchat_ntlm_challenge_take(conid, p->opaque.s, p->opaque.len, sc) < 0) {
		LM_NOTICE("NTLM: AUTHENTICATE for no live challenge of this connection (from %s)\n",
				ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	snprintf(opaque, sizeof(opaque), "%.*s", p->opaque.len, p->opaque.s);
	len = pchat_ntlm_b64_decode(p->gssapi_data.s, (size_t)p->gssapi_data.len, raw, sizeof(raw));
	if(len < 0 || (rc = pchat_ntlm_parse_authenticate(raw, (size_t)len, &a)) != 0) {
		LM_NOTICE("NTLM: bad AUTHENTICATE (%s) from %s\n",
				pchat_ntlm_strerror(len < 0 ? (int)len : rc),
				ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	if(from_identity(msg, from_id, sizeof(from_id), fuser, fhost, sizeof(fuser)) < 0)
		return refuse(msg, 400, "Bad From");
	/* the NTLM user as an address: user@domain (pidgin-sipe's login, empty domain),
	 * or user with the NTLM domain being From's domain or its NetBIOS name */
	snprintf(user, sizeof(user), "%s", a.user);
	lower(user);
	at = strchr(user, '@');
	if(at) {
		*at = '\0';
		snprintf(domain, sizeof(domain), "%s", at + 1);
	} else {
		char dom[PCHAT_NTLM_NAME_MAX], nb[16];
		snprintf(dom, sizeof(dom), "%s", a.domain);
		lower(dom);
		netbios(fhost, nb);
		lower(nb);
		if(dom[0] != '\0' && strcmp(dom, fhost) != 0 && strcmp(dom, nb) != 0) {
			LM_NOTICE("NTLM: user %s\\%s does not map to From %s\n", a.domain, a.user,
					from_id);
			return refuse(msg, 403, "Credentials Are Not Those Of The From User");
		}
		snprintf(domain, sizeof(domain), "%s", fhost);
	}
	if((size_t)snprintf(ntlm_id, sizeof(ntlm_id), "sip:%s@%s", user, domain) >=
					sizeof(ntlm_id) ||
			strcmp(ntlm_id, from_id) != 0) {
		LM_NOTICE("NTLM: credentials of %s for From %s refused\n", ntlm_id, from_id);
		return refuse(msg, 403, "Credentials Are Not Those Of The From User");
	}
	rc = lookup_nt_hash(user, domain, hash);
	if(rc < 0) {
		if(add_lump_rpl(msg, pchat_retry_after_hdr, strlen(pchat_retry_after_hdr),
				   LUMP_RPL_HDR) == 0)
			return -1;
		return refuse(msg, 503, "Service Unavailable");
	}
	if(rc == 0 || pchat_ntlm_verify(&a, hash, sc, &keys) != 0) {
		/* a wrong password and an unknown user look alike */
		LM_NOTICE("NTLM: authentication failed for %s (from %s)\n", from_id,
				ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	if(check_signature(msg, p, p->version ? p->version : 4, &keys) < 0) {
		LM_NOTICE("NTLM: the REGISTER of %s has no valid signature\n", from_id);
		return challenge(msg, "");
	}
	if(pchat_ntlm_sa_put(conid, &msg->rcv.src_ip, msg->rcv.src_port, opaque, from_id,
			   p->version ? p->version : 4, &keys) < 0) {
		if(add_lump_rpl(msg, pchat_retry_after_hdr, strlen(pchat_retry_after_hdr),
				   LUMP_RPL_HDR) == 0)
			return -1;
		return refuse(msg, 503, "Service Unavailable");
	}
	LM_INFO("connection %d authenticated by NTLM as %s (from %s)\n", conid, from_id,
			ip_addr2a(&msg->rcv.src_ip));
	return set_identity(msg, id_pv, from_id);
}

int pchat_ntlm_authorize(struct sip_msg *msg, pv_spec_t *id_pv)
{
	struct pchat_ntlm_params p;
	struct pchat_ntlm_sa_view sa;
	str value;
	int conid, has_sa;
	char from_id[PCHAT_NTLM_ID_MAX], fuser[128], fhost[128];

	if(!enabled) {
		LM_ERR("pchat_ntlm_authorize() needs the ntlm_db_url modparam\n");
		return -1;
	}
	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	if(msg->rcv.proto != PROTO_TCP && msg->rcv.proto != PROTO_TLS) {
		/* [MS-SIPAE] binds the SA to a connection: no NTLM over UDP */
		return refuse(msg, 403, "NTLM Needs TCP Or TLS");
	}
	conid = msg->rcv.proto_reserved1;
	has_sa = pchat_ntlm_sa_get(conid, &sa);

	if(!pchat_ntlm_find_authorization(msg, &value)) {
		if(has_sa)
			LM_NOTICE("NTLM: unsigned %.*s on authenticated connection %d (from %s)\n",
					msg->first_line.u.request.method.len,
					msg->first_line.u.request.method.s, conid,
					ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	if(pchat_ntlm_parse_params(&value, &p) < 0) {
		LM_NOTICE("NTLM: malformed Authorization (from %s)\n", ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	if(p.has_gssapi_data) {
		char extra[PCHAT_NTLM_CHALLENGE_B64_MAX + 64], b64[PCHAT_NTLM_CHALLENGE_B64_MAX];
		char opaque[PCHAT_NTLM_OPAQUE_LEN + 1];
		uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN];
		if(msg->REQ_METHOD != METHOD_REGISTER)
			return refuse(msg, 403, "NTLM Handshake Only On REGISTER");
		if(p.gssapi_data.len > 0)
			return handshake_end(msg, conid, &p, id_pv);
		/* connectionless NTLM: no NEGOTIATE, our CHALLENGE at once */
		if(pchat_ntlm_challenge(&names, sc, b64, sizeof(b64)) != 0 ||
				pchat_ntlm_challenge_put(conid, sc, opaque) < 0) {
			LM_ERR("cannot make an NTLM challenge\n");
			return -1;
		}
		snprintf(extra, sizeof(extra), ", opaque=\"%s\", gssapi-data=\"%s\"", opaque, b64);
		return challenge(msg, extra);
	}
	/* a request of an established SA */
	if(!has_sa || p.opaque.s == NULL || p.opaque.len != (int)strlen(sa.opaque) ||
			strncasecmp(p.opaque.s, sa.opaque, (size_t)p.opaque.len) != 0) {
		LM_NOTICE("NTLM: signed %.*s for no security association of connection %d (from %s)\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, conid,
				ip_addr2a(&msg->rcv.src_ip));
		return challenge(msg, "");
	}
	if(check_signature(msg, &p, sa.version, &sa.keys) < 0) {
		LM_NOTICE("NTLM: bad signature on %.*s of %s (connection %d, from %s)\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, sa.identity, conid,
				ip_addr2a(&msg->rcv.src_ip));
		if(msg->REQ_METHOD == METHOD_ACK)
			return 0;
		return challenge(msg, "");
	}
	if(from_identity(msg, from_id, sizeof(from_id), fuser, fhost, sizeof(fuser)) < 0 ||
			strcmp(from_id, sa.identity) != 0) {
		LM_NOTICE("identity mismatch: NTLM connection %d proved %s, %.*s From another user (from %s)\n",
				conid, sa.identity, msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, ip_addr2a(&msg->rcv.src_ip));
		return refuse(msg, 403, "From Is Not The Identity Of This Connection");
	}
	return set_identity(msg, id_pv, sa.identity);
}
