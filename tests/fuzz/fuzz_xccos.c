/*
 * fuzz_xccos.c - libFuzzer harness for the XCCOS codec (backend/xccos.c).
 *
 * The input is an INFO body, the one thing a client controls completely.  It is
 * parsed as pchatd parses it (xccos_parse with a size limit), then the replies pchatd
 * would build from what was parsed are built with the codec's builders, and checked:
 *
 *  - every envelope we write must be well-formed XML (a client that cannot parse our
 *    reply is as broken as one whose request crashed us);
 *  - the parsed strings, written back into a request with xccos_attr/xccos_escape and
 *    parsed again, must come back unchanged (the escaping loses nothing but the C0
 *    controls it documents it drops).
 *
 * A failed check abort()s, which libFuzzer reports as a crash with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "sbuf.h"
#include "xccos.h"

#define FUZZ_NAME "fuzz_xccos"
#include "fuzz_check.h"
#include "fuzz_xml.h"

/* Smaller than pchatd's 64 KiB default so that libFuzzer's inputs (4 KiB by default)
 * also reach the "too large" path and the envid scan that follows it. */
#define FUZZ_XML_MAX 2048

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Is doc[0..len) well-formed XML, read the way xccos_parse reads (UTF-8, no network)? */
static int well_formed(const char *doc, size_t len)
{
	xmlDoc *d = fuzz_xml_read(doc, len);
	if(d == NULL)
		return 0;
	xmlFreeDoc(d);
	return 1;
}

static void require_well_formed(const struct sbuf *items, const char *what)
{
	struct sbuf env = SBUF_INIT;
	xccos_envelope(&env, 1, sbuf_str(items), items->len);
	require(well_formed(env.buf, env.len), "%s: we wrote malformed XML: %s", what, env.buf);
	sbuf_free(&env);
}

/* Whether got is want without the C0 controls xccos_escape drops (all but TAB, LF, CR:
 * XML 1.0 cannot carry them, xccos.h). */
static int same_escaped(const char *want, const char *got)
{
	for(;; want++) {
		unsigned char c = (unsigned char)*want;
		if(c != '\0' && c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		if(c != (unsigned char)*got)
			return 0;
		if(c == '\0')
			return 1;
		got++;
	}
}

/* NULL and "" both mean "no value" once written as an attribute. */
#define require_same(want, got, what)                                                              \
	require(same_escaped(nz(want), nz(got)), "%s changed in a round trip: '%s' -> '%s'", what, \
			nz(want), nz(got))

/* Parses a document we built; it must parse. */
static void reparse(const struct sbuf *items, struct xccos_req *out)
{
	struct sbuf env = SBUF_INIT;
	char why[256];
	xccos_envelope(&env, 7, sbuf_str(items), items->len);
	require(xccos_parse(env.buf, env.len, SIZE_MAX, out, why, sizeof(why)) == 0,
			"our own envelope does not parse (%s): %s", why, env.buf);
	sbuf_free(&env);
}

/* A post: the broadcast and the history reply built from it carry it back unchanged. */
static void check_grpchat(const struct xccos_req *req)
{
	struct xccos_chat m = {req->chan_uri, req->author, req->ts, 42, req->text, req->text_len};
	struct sbuf sb = SBUF_INIT;
	struct xccos_req back;

	require(req->text != NULL && strlen(req->text) == req->text_len, "text_len is wrong");
	xccos_build_grpchat(&sb, &m);
	reparse(&sb, &back);
	require(back.kind == XCCOS_GRPCHAT && back.has_chat, "grpchat came back as another item");
	require_same(req->chan_uri, back.chan_uri, "chanUri");
	require_same(req->author, back.author, "author");
	require_same(req->ts, back.ts, "ts");
	require_same(req->text, back.text, "chat text");
	xccos_req_free(&back);

	sbuf_reset(&sb);
	xccos_build_bccontext(&sb, req->seqid, req->envid, req->chan_uri, &m, 1);
	require_well_formed(&sb, "rpl:bccontext");
	sbuf_free(&sb);
}

/* The command's arguments, written back as a request, parse to the same values. */
static void check_cmd_roundtrip(const struct xccos_req *req)
{
	struct sbuf sb = SBUF_INIT;
	struct xccos_req back;
	size_t i;

	sbuf_adds(&sb, "<cmd");
	xccos_attr(&sb, "id", req->id);
	xccos_attr(&sb, "seqid", req->seqid);
	sbuf_adds(&sb, "><data>");
	for(i = 0; i < req->nchanids; i++) {
		/* A missing attribute stays missing, so NULL survives too. */
		sbuf_printf(&sb, "<chanid key=\"%zu\"", i);
		if(req->chanids[i].domain)
			xccos_attr(&sb, "domain", req->chanids[i].domain);
		if(req->chanids[i].value)
			xccos_attr(&sb, "value", req->chanids[i].value);
		sbuf_adds(&sb, "/>");
	}
	if(req->chanib_uri) {
		sbuf_adds(&sb, "<chanib");
		xccos_attr(&sb, "uri", req->chanib_uri);
		sbuf_adds(&sb, "/>");
	}
	if(req->bcq_last >= 0 || req->bcq_before >= 0) {
		sbuf_adds(&sb, "<bcq>");
		if(req->bcq_last >= 0)
			sbuf_printf(&sb, "<last cnt=\"%ld\"/>", req->bcq_last);
		if(req->bcq_before >= 0)
			sbuf_printf(&sb, "<before msgid=\"%ld\"/>", req->bcq_before);
		sbuf_adds(&sb, "</bcq>");
	}
	if(req->qtype || req->criteria) {
		sbuf_adds(&sb, "<qib");
		if(req->qtype)
			xccos_attr(&sb, "qtype", req->qtype);
		if(req->criteria)
			xccos_attr(&sb, "criteria", req->criteria);
		sbuf_adds(&sb, "/>");
	}
	if(req->info_type || req->sib_domain) {
		sbuf_adds(&sb, "<sib");
		if(req->info_type)
			xccos_attr(&sb, "infoType", req->info_type);
		if(req->sib_domain)
			xccos_attr(&sb, "domain", req->sib_domain);
		sbuf_adds(&sb, "/>");
	}
	if(req->has_pref) {
		sbuf_adds(&sb, "<pref");
		if(req->pref_label)
			xccos_attr(&sb, "label", req->pref_label);
		if(req->pref_content)
			xccos_attr(&sb, "content", req->pref_content);
		if(req->pref_createdefault)
			sbuf_adds(&sb, " createdefault=\"true\"");
		sbuf_adds(&sb, "/>");
	}
	if(req->has_ftdb) {
		sbuf_adds(&sb, "<ftdb");
		if(req->ftdb_chan_uri)
			xccos_attr(&sb, "channelUri", req->ftdb_chan_uri);
		if(req->ftdb_file_url)
			xccos_attr(&sb, "fileUrl", req->ftdb_file_url);
		sbuf_adds(&sb, "/>");
	}
	sbuf_adds(&sb, "</data></cmd>");
	reparse(&sb, &back);

	require(back.kind == XCCOS_CMD, "cmd came back as another item");
	require_same(req->id, back.id, "cmd id");
	require_same(req->seqid, back.seqid, "seqid");
	require(back.nchanids == req->nchanids, "%zu chanids came back as %zu", req->nchanids,
			back.nchanids);
	for(i = 0; i < req->nchanids; i++) {
		require(!req->chanids[i].domain == !back.chanids[i].domain &&
						!req->chanids[i].value == !back.chanids[i].value,
				"chanid %zu lost or gained an attribute", i);
		require_same(req->chanids[i].domain, back.chanids[i].domain, "chanid domain");
		require_same(req->chanids[i].value, back.chanids[i].value, "chanid value");
	}
	require_same(req->chanib_uri, back.chanib_uri, "chanib uri");
	require(back.bcq_last == req->bcq_last && back.bcq_before == req->bcq_before,
			"bcq %ld/%ld came back as %ld/%ld", req->bcq_last, req->bcq_before,
			back.bcq_last, back.bcq_before);
	require_same(req->qtype, back.qtype, "qtype");
	require_same(req->criteria, back.criteria, "criteria");
	require_same(req->info_type, back.info_type, "infoType");
	require_same(req->sib_domain, back.sib_domain, "sib domain");
	require(back.has_pref == req->has_pref &&
					back.pref_createdefault == req->pref_createdefault &&
					!back.pref_content == !req->pref_content,
			"pref changed in a round trip");
	require_same(req->pref_label, back.pref_label, "pref label");
	require_same(req->pref_content, back.pref_content, "pref content");
	require(back.has_ftdb == req->has_ftdb && !back.ftdb_chan_uri == !req->ftdb_chan_uri &&
					!back.ftdb_file_url == !req->ftdb_file_url,
			"ftdb changed in a round trip");
	require_same(req->ftdb_chan_uri, back.ftdb_chan_uri, "ftdb channelUri");
	require_same(req->ftdb_file_url, back.ftdb_file_url, "ftdb fileUrl");
	xccos_req_free(&back);
	sbuf_free(&sb);
}

/* The replies a command's handler builds from its own arguments. */
static void check_cmd_replies(const struct xccos_req *req)
{
	const char *name = req->id + 4; /* after "cmd:", as cmd_name() does */
	const char *users[] = {"sip:fuzz@example.com", nz(req->pref_label)};
	struct xccos_room_info info = {req->chanib_uri, req->qtype, req->criteria, req->info_type,
			3, 1, 1, 2, 1, 1, 1};
	struct xccos_join_room room = {
			&info, (const size_t[]){0, 1}, (const unsigned char[]){0, 1}, 2};
	struct xccos_join_fail *fails = calloc(req->nchanids + 1, sizeof(*fails));
	struct xccos_server_info si = {nz(req->info_type), "2024-01-01T00:00:00Z", 999, 8192, 8192,
			nz(req->sib_domain), nz(req->pref_content), 30, 500};
	struct xccos_invitation inv = {1, req->chanib_uri, req->qtype, req->criteria, req->seqid};
	struct xccos_category cat = {req->chanib_uri, req->pref_label, req->pref_content};
	struct sbuf sb = SBUF_INIT;
	size_t i;

	require(fails != NULL, "out of memory");
	for(i = 0; i < req->nchanids; i++) {
		fails[i].key = "ERR_NOT_FOUND";
		fails[i].domain = req->chanids[i].domain;
		fails[i].value = req->chanids[i].value;
	}
	xccos_build_rpl_empty(&sb, name, req->seqid, req->envid, XC_NOT_IMPLEMENTED);
	xccos_build_rpl_reason(&sb, name, req->seqid, req->envid, XC_ACCESS_DENIED, req->criteria);
	xccos_build_requri(&sb, req->seqid, req->envid, req->chanib_uri);
	xccos_build_join(&sb, name, req->seqid, req->envid, users, 2, &room, 1, fails,
			req->nchanids);
	xccos_build_part(&sb, req->seqid, req->envid, XC_OK, req->chanib_uri);
	if(req->nchanids > 0) {
		xccos_build_ntc_join(&sb, "ntc:join", users[1], req->chanids[0].domain,
				req->chanids[0].value, 1);
		xccos_build_ntc_part(&sb, req->chanib_uri, req->chanids[0].value);
	}
	xccos_build_room_list(&sb, name, req->seqid, req->envid, &info, 1);
	xccos_build_getinv(&sb, req->seqid, req->envid, &inv, 1);
	xccos_build_categories(&sb, req->seqid, req->envid, &cat, 1);
	xccos_build_serverinfo(&sb, req->seqid, req->envid, &si);
	xccos_build_pref(&sb, name, req->seqid, req->envid, req->pref_label, 3, req->pref_content);
	xccos_build_ftok(&sb, req->seqid, req->envid, req->ftdb_file_url, req->ftdb_chan_uri);
	require_well_formed(&sb, "the replies to a cmd");
	free(fails);
	sbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xccos_req req;
	char why[256];
	struct sbuf sb = SBUF_INIT;

	if(xccos_parse((const char *)data, size, FUZZ_XML_MAX, &req, why, sizeof(why)) < 0) {
		/* What cmdq_accept answers to an envelope it could not understand. */
		require(req.envid != NULL, "no envid after a failed parse");
		xccos_build_error(&sb, req.envid, why);
		require_well_formed(&sb, "rpl:error");
	} else if(req.kind == XCCOS_GRPCHAT) {
		check_grpchat(&req);
	} else {
		require(req.id != NULL && strncmp(req.id, "cmd:", 4) == 0 && req.id[4] != '\0',
				"a cmd was accepted without a cmd:<name> id");
		check_cmd_roundtrip(&req);
		check_cmd_replies(&req);
	}
	sbuf_free(&sb);
	xccos_req_free(&req);
	return 0;
}
