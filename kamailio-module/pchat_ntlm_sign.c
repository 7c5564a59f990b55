/*
 * pchat_ntlm_sign.c - signs what Kamailio sends to NTLM-authenticated clients
 * (pchat_ntlm_sign.h).
 *
 * Kamailio's SREV_NET_DATA_OUT event (as topoh and topos use it) hands every outgoing
 * buffer, in whatever process sends it (a SIP worker's sl or tm reply, a link
 * process's chat INFO, tm's timer), to this callback before it goes on the wire.  If
 * its connection has a security association, the buffer is parsed, the string
 * [MS-SIPAE] signs is built from it with a fresh srand and the SA's next snum, and
 * "Authentication-Info: NTLM rspauth=..., srand=..., snum=..., opaque=..., qop="auth",
 * targetname=..., realm=..., version=4" is added at the end of its headers — on
 * requests and responses alike: pidgin-sipe looks for rspauth there in both
 * (sip-transport.c, sip_transport_input), and disconnects on a bad one.  The
 * connection: the destination's id (replies, requests on a known connection), else
 * the TCP connection to the destination address (tm's in-dialog requests and the link
 * processes' INFOs carry none).  Most connections have no SA: the marks of
 * pchat_ntlm_sa.h (by the id, or by the destination address) say so without a lock or
 * Kamailio's connection lookup, which only a connection whose slot holds an SA pays.
 * A connection is found by an address only through its peer's own (ip, port), the
 * one its SA is marked under: our configuration adds no TCP aliases (no
 * tcp_accept_aliases, add_tcp_alias or force_tcp_alias).
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "../../core/dprint.h"
#include "../../core/events.h"
#include "../../core/ip_addr.h"
#include "../../core/mem/mem.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/tcp_conn.h"
#include "pchat_ntlm.h"
#include "pchat_ntlm_auth.h"
#include "pchat_ntlm_mac.h"
#include "pchat_ntlm_msg.h"
#include "pchat_ntlm_sa.h"
#include "pchat_ntlm_sign.h"

/* The connection id a buffer goes out on if it may have an SA (pchat_ntlm_sa.h's
 * marks), else 0. */
static int dest_conid(struct dest_info *dst)
{
	struct tcp_connection *c;
	struct ip_addr ip;
	unsigned short port;
	int id;
	if(dst->id)
		return pchat_ntlm_sa_may_have(dst->id) ? dst->id : 0;
	su2ip_addr(&ip, &dst->to);
	port = su_getport(&dst->to);
	if(!pchat_ntlm_sa_may_have_peer(&ip, port))
		return 0;
	c = tcpconn_get(0, &ip, port, NULL, 0);
	if(c == NULL)
		return 0;
	id = c->id;
	tcpconn_put(c);
	return id;
}

static int sign_buffer(str *obuf, int conid)
{
	struct sip_msg msg;
	struct pchat_ntlm_fields fl;
	struct pchat_ntlm_sa_view sa;
	struct hdr_field *h;
	char proto[] = "NTLM", srand[9], snum[16], realm[128], s[4096],
	     sighex[PCHAT_NTLM_HEX_LEN + 1];
	char hdr[1024];
	uint8_t sig[PCHAT_NTLM_SIG_LEN];
	uint32_t r = 0;
	long len;
	int hlen, rc = -1;
	char *eoh, *nbuf;

	memset(&msg, 0, sizeof(msg));
	msg.buf = obuf->s;
	msg.len = (unsigned int)obuf->len;
	if(parse_msg(msg.buf, msg.len, &msg) != 0)
		goto done;
	if(parse_headers(&msg, HDR_EOH_F, 0) < 0)
		goto done;
	for(h = msg.headers; h; h = h->next)
		if(h->name.len == 19 && strncasecmp(h->name.s, "Authentication-Info", 19) == 0) {
			rc = 0; /* signed already */
			goto done;
		}
	if(pchat_ntlm_msg_fields(&msg, &fl) < 0)
		goto done;
	if(!pchat_ntlm_sa_next(conid, &sa)) {
		rc = 0;
		goto done;
	}
	if(getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		goto done;
	snprintf(srand, sizeof(srand), "%08X", r);
	snprintf(snum, sizeof(snum), "%u", sa.snum);
	snprintf(realm, sizeof(realm), "%.*s", pchat_ntlm_realm.len, pchat_ntlm_realm.s);
	fl.f.protocol = proto;
	fl.f.rand = srand;
	fl.f.num = snum;
	fl.f.realm = realm;
	fl.f.targetname = pchat_ntlm_targetname.s;
	len = pchat_sipsign_string(&fl.f, sa.version, s, sizeof(s));
	if(len < 0)
		goto done;
	pchat_ntlm_sign(&sa.keys, PCHAT_NTLM_SIP_SEQ, s, (size_t)len, sig);
	pchat_ntlm_to_hex(sig, sighex);
	hlen = snprintf(hdr, sizeof(hdr),
			"Authentication-Info: NTLM rspauth=\"%s\", srand=\"%s\", snum=\"%s\", "
			"opaque=\"%s\", qop=\"auth\", targetname=\"%s\", realm=\"%s\", version=%d\r\n",
			sighex, srand, snum, sa.opaque, pchat_ntlm_targetname.s, realm, sa.version);
	if(hlen < 0 || hlen >= (int)sizeof(hdr))
		goto done;
	/* at the end of the headers: after the CRLF of the last one */
	eoh = NULL;
	{
		int i;
		for(i = 0; i + 3 < obuf->len; i++)
			if(memcmp(obuf->s + i, "\r\n\r\n", 4) == 0) {
				eoh = obuf->s + i + 2;
				break;
			}
	}
	if(eoh == NULL)
		goto done;
	nbuf = pkg_malloc((size_t)obuf->len + (size_t)hlen + 1);
	if(nbuf == NULL) {
		PKG_MEM_ERROR;
		goto done;
	}
	memcpy(nbuf, obuf->s, (size_t)(eoh - obuf->s));
	memcpy(nbuf + (eoh - obuf->s), hdr, (size_t)hlen);
	memcpy(nbuf + (eoh - obuf->s) + hlen, eoh, (size_t)(obuf->len - (eoh - obuf->s)));
	nbuf[obuf->len + hlen] = '\0';
	free_sip_msg(&msg);
	pkg_free(obuf->s);
	obuf->s = nbuf;
	obuf->len += hlen;
	return 0;
done:
	free_sip_msg(&msg);
	if(rc < 0)
		LM_ERR("cannot sign a message for NTLM connection %d: sent unsigned\n", conid);
	return rc;
}

/* The connection a buffer for dst goes out on if it has a security association, else
 * 0. */
static int signed_conid(struct dest_info *dst)
{
	struct pchat_ntlm_sa_view sa;
	int conid;
	if(pchat_ntlm_sa_count() == 0 || (dst->proto != PROTO_TCP && dst->proto != PROTO_TLS))
		return 0;
	conid = dest_conid(dst);
	return conid != 0 && pchat_ntlm_sa_get(conid, &sa) ? conid : 0;
}

int pchat_ntlm_signs(struct dest_info *dst)
{
	return signed_conid(dst) != 0;
}

static int msg_sent(sr_event_param_t *evp)
{
	str *obuf = (str *)evp->data;
	int conid;
	if(evp->dst == NULL || obuf == NULL || obuf->s == NULL)
		return 0;
	conid = signed_conid(evp->dst);
	if(conid != 0)
		sign_buffer(obuf, conid);
	return 0;
}

int pchat_ntlm_sign_init(void)
{
	if(sr_event_register_cb(SREV_NET_DATA_OUT, msg_sent) < 0) {
		LM_ERR("cannot register for outgoing messages\n");
		return -1;
	}
	return 0;
}
