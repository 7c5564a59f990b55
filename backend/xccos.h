/*
 * xccos.h - the XCCOS codec: parses client envelopes into plain C structs and
 * builds every XML string the backend sends.  No other file writes XML.
 *
 * Escaping: one function, xccos_escape(), used for all text and attribute values
 * (we build strings ourselves rather than with xmlTextWriter: the shapes are
 * small and fixed, and a shared item block can then be wrapped per session).
 */
#ifndef PCHAT_XCCOS_H
#define PCHAT_XCCOS_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define XCCOS_NS "urn:parlano:xml:ns:xccos"
#define XCCOS_ENVELOPE_TAIL "</xccos>"
/* Room for the envelope start tag with a 20-digit envid. */
#define XCCOS_HEAD_MAX 96

/* XCCOS response codes.  Their tokens live in one table in xccos.c. */
enum xccos_code {
	XC_OK = 200,
	XC_BAD_REQUEST = 400,
	XC_ACCESS_DENIED = 403,
	XC_NOT_FOUND = 404,
	XC_TOO_LARGE = 413,
	XC_ROOM_DISABLED = 423, /* our choice (docs/XCCOS.md): the room is disabled */
	XC_INTERNAL = 500,
	XC_NOT_IMPLEMENTED = 501,
	XC_UNAVAILABLE = 503,
};

/* The token for code ("SUCCESS_OK", ...); unknown codes map to ERR_INTERNAL's. */
const char *xccos_resp_token(int code);

/* Routes libxml2's error output to our debug log.  Call once at start-up. */
void xccos_init(void);
void xccos_cleanup(void);

enum xccos_kind {
	XCCOS_CMD,
	XCCOS_GRPCHAT,
};

struct xccos_chanid {
	char *domain; /* NULL if the attribute is missing */
	char *value;
};

/* At most this many chanid elements of one cmd are kept (bjoin). */
#define XCCOS_MAX_CHANIDS 100

/* One parsed client envelope (its first item).  Strings are owned, NUL-terminated. */
struct xccos_req {
	char *envid; /* verbatim; "0" if the envelope had none */
	enum xccos_kind kind;
	char *id;    /* item id, e.g. "cmd:join" (cmd: never NULL) */
	char *seqid; /* verbatim; "0" for a cmd without one, "1" for a grpchat */

	/* cmd: from <data>; the first of each, except chanids (all, in order) */
	struct xccos_chanid *chanids;
	size_t nchanids;
	char *chanib_uri;	/* data/chanib@uri */
	long bcq_last;		/* data/bcq/last@cnt; -1 if missing or not a positive number */
	char *qtype;		/* data/qib@qtype */
	char *criteria;		/* data/qib@criteria */
	long bcq_before;	/* data/bcq/before@msgid (our paging form); -1 if missing */
	char *info_type;	/* data/sib@infoType (getserverinfo) */
	char *sib_domain;	/* data/sib@domain */
	int has_pref;		/* a data/pref element was present (getpref/setpref) */
	char *pref_label;	/* data/pref@label */
	char *pref_content;	/* data/pref@content (setpref), NULL if missing */
	int pref_createdefault; /* data/pref@createdefault="true" */
	int mentions_manager;	/* some attribute under data contains "manager" */
	int has_ftdb;		/* a data/ftdb element was present (getfutok/getfdtok) */
	char *ftdb_chan_uri;	/* data/ftdb@channelUri */
	char *ftdb_file_url;	/* data/ftdb@fileUrl: a file name, not a URL */
	int has_srch;		/* a data/srch element was present (cmd:search, ours) */
	char *srch_text;	/* data/srch@text: words and "phrases" */
	char *srch_author;	/* data/srch@author */
	char *srch_since;	/* data/srch@since, @until: ISO-8601 UTC */
	char *srch_until;
	long srch_before;  /* data/srch@before: only older msgids; -1 if missing */
	long srch_cnt;	   /* data/srch@cnt: results wanted; -1 if missing */
	int has_feed;	   /* a data/feed element was present (cmd:feed, ours) */
	char *feed_op;	   /* data/feed@op: add, rm, list, alerts */
	char *feed_words;  /* data/feed@words (add) */
	char *feed_author; /* data/feed@author (add) */
	long feed_id;	   /* data/feed@id (rm); -1 if missing */
	long feed_cnt;	   /* data/feed@cnt (alerts); -1 if missing */
	char *invite_id;   /* data/inv@inviteId (getinv), verbatim; NULL if missing */

	/* grpchat */
	char *chan_uri; /* @chanUri */
	char *author;	/* @author: informational only, never trusted */
	char *ts;	/* @ts: informational only */
	int has_chat;	/* a <chat> child was present */
	char *text;	/* decoded text of <chat>, "" if none */
	size_t text_len;
};

/*
 * Parses one XCCOS envelope of len bytes.  Rejects, with a human-readable reason in
 * why: more than max_bytes (checked before parsing), a DOCTYPE or internal subset,
 * malformed XML, a root other than <xccos>, no item, an item other than cmd or
 * grpchat, a cmd without "cmd:<name>" id.  Returns 0 or -1; on -1 req->envid is
 * still set when it could be read ("0" otherwise).  Always xccos_req_free() req.
 */
int xccos_parse(const char *buf, size_t len, size_t max_bytes, struct xccos_req *req, char *why,
		size_t whylen);
void xccos_req_free(struct xccos_req *req);

/* ---- building ---- */

/* Appends s[0..len) escaped: & < > " always; CR (and in attributes LF, TAB) as
 * character references so they survive XML normalisation.  Whatever XML 1.0 cannot
 * carry (invalid UTF-8, C0 controls, surrogates, U+FFFE, U+FFFF: common/pchat_text.h)
 * becomes U+FFFD, logged once per call at warn level: text from the database may be
 * anything (rows written by hand), and one bad row must not make a reply ill-formed
 * for everyone who receives it. */
void xccos_escape(struct sbuf *sb, const char *s, size_t len, int in_attr);
/* Appends ' name="escaped value"'. */
void xccos_attr(struct sbuf *sb, const char *name, const char *value);

/* Writes the envelope start tag for envid into buf (XCCOS_HEAD_MAX); returns its length. */
size_t xccos_envelope_head(char *buf, uint64_t envid);
/* Appends a whole envelope: head, items, tail. */
void xccos_envelope(struct sbuf *sb, uint64_t envid, const char *items, size_t len);
/* Appends the envelope around items with the envid's digits left out, and returns
 * where they go (a FANOUT body: each recipient's envid is written in by the module). */
size_t xccos_envelope_template(struct sbuf *sb, const char *items, size_t len);

/* <rpl id="rpl:NAME" seqid=..><commandid seqid=.. envid=../><resp code=..>TOKEN</resp>
 * NAME is the command name without "cmd:".  Close with xccos_rpl_end(). */
void xccos_rpl_begin(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		int code);
void xccos_rpl_end(struct sbuf *sb);

/* A reply with an empty <data/> (errors, not implemented). */
void xccos_build_rpl_empty(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, int code);
/* A refusal that says why: <data><error reason="..."/></data> (docs/XCCOS.md). */
void xccos_build_rpl_reason(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, int code, const char *reason);
/* rpl:error for an envelope we could not understand. */
void xccos_build_error(struct sbuf *sb, const char *cmd_envid, const char *reason);
/* rpl:requri carrying the channel URI. */
void xccos_build_requri(
		struct sbuf *sb, const char *seqid, const char *cmd_envid, const char *channel_uri);
struct xccos_room_info {
	const char *uri;
	const char *name;
	const char *topic;
	const char *description;
	unsigned ucnt;	/* users present */
	int is_private; /* visibilty private rather than public */
	int has_unread; /* getassociations: add info urn:parlano:ma:info:unread */
	unsigned unread;
	int filepost; /* prop filepost: its category lets files be posted */
	int invite;   /* prop invite: the room (and its category) send invitations */
	int logged;   /* prop logged: its category keeps history for clients */
};
/* The aib keys of room rosters (xccos-protocol.md 7.4): sipe marks the users of
 * key 12276 as the room's operators (we list managers and presenters so). */
#define XCCOS_AIB_MEMBER "3984"
#define XCCOS_AIB_OPERATOR "12276"
/* One joined room of rpl:join / rpl:bjoin: ids (indexes into the shared uib list)
 * of the users present, listed in <aib key="3984">, those with op[i] set in
 * <aib key="12276"> (an empty list is left out). */
struct xccos_join_room {
	const struct xccos_room_info *info;
	const size_t *ids;
	const unsigned char *op;
	size_t nids;
};
/* A room that could not be joined: <fib key domain value/>. */
struct xccos_join_fail {
	const char *key;
	const char *domain;
	const char *value;
};
/* rpl:join (name "join") / rpl:bjoin (name "bjoin"): ONE shared uib list under data,
 * then one chanib per joined room, then one fib per failed room. */
void xccos_build_join(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		const char *const *users, size_t nusers, const struct xccos_join_room *rooms,
		size_t nrooms, const struct xccos_join_fail *fails, size_t nfails);
/* rpl:part echoing the room URI. */
void xccos_build_part(struct sbuf *sb, const char *seqid, const char *cmd_envid, int code,
		const char *chan_uri);
/* ntc:join (or ntc:bjoin): user arrived in ma-chan://domain/chan_id; op: as
 * one of its operators (aib key 12276). */
void xccos_build_ntc_join(struct sbuf *sb, const char *ntc, const char *user, const char *domain,
		const char *chan_id, int op);
/* ntc:part: user left chan_uri. */
void xccos_build_ntc_part(struct sbuf *sb, const char *chan_uri, const char *user);

/* One chat message, as broadcast (grpchat) or in history (msg). */
struct xccos_chat {
	const char *chan_uri;
	const char *author;
	const char *ts;
	uint64_t msgid;
	const char *text;
	size_t text_len;
};
void xccos_build_grpchat(struct sbuf *sb, const struct xccos_chat *m);
/* A line from the server to one session, shown in room chan_uri like a post but
 * not stored (no msgid): <grpchat ... author ts notice="refused"><chat>text</chat>.
 * Why a refused post was refused (docs/XCCOS.md, grpchat). */
void xccos_build_refusal_notice(struct sbuf *sb, const char *chan_uri, const char *author,
		const char *ts, const char *text);
/* Our notice of a moderated message (docs/XCCOS.md, *Moderated messages*). */
#define XCCOS_MSGCHG_NS "urn:pchat:xml:ns:msgchg"
/* ntc:msgchg: <data><msgchg xmlns action chanUri author ts msgid><chat>: message
 * m->msgid of m->chan_uri was removed (replaced 0; chat empty) or replaced by m->text;
 * ts: when. */
void xccos_build_ntc_msgchg(struct sbuf *sb, const struct xccos_chat *m, int replaced);
/* rpl:bccontext: <data><chanib uri><msg id="grpchat" ...>... oldest first. */
void xccos_build_bccontext(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const char *chan_uri, const struct xccos_chat *msgs, size_t n);
/* Our extension's namespace (cmd:search, docs/XCCOS.md). */
#define XCCOS_SEARCH_NS "urn:pchat:xml:ns:search"
/* rpl:search: <data><srchres xmlns more before><msg id="grpchat" chanUri ...>...
 * newest first; before: the msgid to ask older results with (0: none). */
void xccos_build_search(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_chat *msgs, size_t n, int more, uint64_t before);
/* Our extension's namespace for feeds and alerts (cmd:feed, docs/XCCOS.md). */
#define XCCOS_FEEDS_NS "urn:pchat:xml:ns:feeds"
struct xccos_feed {
	uint64_t id;
	const char *words, *room_uri, *author; /* "" for any room, anyone */
};
/* rpl:feed: <data><feeds xmlns><feed id words room author/>...</feeds></data>. */
void xccos_build_feeds(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_feed *feeds, size_t n);
/* rpl:feed (op alerts): <data><alerts xmlns><alert feed="N"><msg id="grpchat" ...>
 * </alert>...</alerts></data>, newest first. */
void xccos_build_alerts(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_chat *msgs, const uint64_t *feed_ids, size_t n);
/* rpl:chansrch: one chanib per room with the info/prop children sipe reads. */
void xccos_build_chansrch(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_room_info *rooms, size_t n);
/* The same room list under another reply name (rpl:getassociations). */
void xccos_build_room_list(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, const struct xccos_room_info *rooms, size_t n);

/* The reply to both cmd:getfutok and cmd:getfdtok (the reference answers both so). */
#define XCCOS_FTOK_RPL "getftok"
/* rpl:getftok 200: <data><token token="GUID" serveruri="URL"/></data>. */
void xccos_build_ftok(struct sbuf *sb, const char *seqid, const char *cmd_envid, const char *token,
		const char *serveruri);

/* rpl:getinv: one <inv inviteId chanUri name inviter ts/> per invitation. */
struct xccos_invitation {
	uint64_t id;
	const char *chan_uri;
	const char *name;
	const char *inviter;
	const char *ts;
};
void xccos_build_getinv(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_invitation *inv, size_t n);
/* rpl:nodespermcreatechild: one <catib uri name description/> per category. */
struct xccos_category {
	const char *uri; /* ma-cat://domain/cat_id */
	const char *name;
	const char *description;
};
void xccos_build_categories(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_category *cats, size_t n);

/* rpl:getserverinfo: <data><sib .../></data>. */
struct xccos_server_info {
	const char *info_type;	 /* echoed; "" if the request had none */
	const char *server_time; /* XCCOS timestamp, UTC */
	unsigned search_limit;
	unsigned message_size_limit;
	unsigned story_size_limit;
	const char *root_uri;	/* ma-cat://domain/id */
	const char *db_version; /* a GUID */
	unsigned default_chat_history;
	unsigned bccontext_limit;
};
void xccos_build_serverinfo(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_server_info *si);
/* rpl:getpref / rpl:setpref: <data><pref label seqid content/></data>; content NULL
 * leaves the attribute out. */
void xccos_build_pref(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		const char *label, unsigned long long pref_seqid, const char *content);

#endif
