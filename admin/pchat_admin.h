/*
 * pchat_admin.h - the administration library: every administrative operation on
 * rooms, categories, policies, configuration, messages and add-ins, with its
 * authorization, in one place.
 *
 * Two front ends call it: the pchat-admin CLI (admin/pchat_admin_cli.c: blocking
 * calls on its own connection, actor = the administrator) and pchatd's room
 * management web service (in pchatd's admin worker thread, never in the event
 * loop; actor = the signed-in user).  Operations are verbs with JSON arguments and
 * JSON results (jansson), so both front ends are thin and cannot drift apart.
 *
 * Every change runs in one transaction with prepared statements only, and bumps
 * server_config.revision so that pchatd reloads its caches (compliance.run alone
 * commits its request by itself, before it waits).  The access rules for
 * users are those of common/pchat_acl.h.
 *
 * Verbs (arguments; result).  "room" arguments accept a room's name, its chan id or
 * its ma-chan:// URI; "category" a category's name or ma-cat:// URI; principals are
 * user URIs ("sip:alice@example.com"; "alice@example.com" is accepted) or domains.
 * A list setting (members, managers, presenters, allowed, denied, creators) is
 * either an array (replaces the list) or {"add": [...], "remove": [...]}.
 *
 *   room.new      {name, category?="Default", description?, topic?, privacy?="open",
 *                  type?="normal", disabled?=false, invitations?="inherit",
 *                  disclaimer?, retention?="inherit", addin?, members?, managers?,
 *                  presenters?}  -> room
 *                 retention (rooms and categories): "inherit", "none" (forever), days
 *                 ("30", "30d" or an integer) or "12h", "10m", "90s"; 400 with the
 *                 reason when malformed or outside RetentionMin/MaxDays
 *                 (common/pchat_retention.h).  Every change that can move a room's
 *                 effective retention stores it in rooms.keep_sec.
 *                 users: creators of the category; they become its manager when no
 *                 managers are given.  Members added create invitations (below).
 *   room.set      {room, any field of room.new except category; name renames} -> room
 *                 users: the room's managers.
 *   room.get      {room?, category?, name?(substring)} -> [room...]
 *                 users: the rooms they may see, each with "rights".
 *   room.remove   {room} -> {removed: 1}          users: the room's managers.
 *   room.clear    {room, before?(ISO-8601 UTC)} -> {removed: N messages}
 *                 users: the room's managers.
 *   category.new  {name, description?, invitations?=true, file_upload?=true,
 *                  chat_history?=true, retention?="inherit", allowed?, denied?,
 *                  creators?} -> category
 *   category.set  {category, any field of category.new} -> category
 *   category.get  {category?} -> [category...]
 *                 users: the categories they may create rooms in.
 *   category.remove {category} -> {removed: 1}  (refused while it holds rooms)
 *   policy.new    {identity ("global" | "site:<domain>" | "tag:<name>"), enabled,
 *                  description?} -> policy
 *   policy.set    {identity, enabled?, description?} -> policy
 *   policy.get    {identity?, user?} -> [policy...] (user: the effective one,
 *                  with "grant" saying where it comes from)
 *   policy.remove {identity} -> {removed: 1}
 *   policy.grant  {policy ("tag:<name>" or null to revoke), user? | site?} -> {granted}
 *   config.get    {} -> {DefaultChatHistory, MaxFileSizeKB, ParticipantUpdateLimit,
 *                  MessageSizeLimit, SearchLimit, FileDailyQuotaKB,
 *                  RetentionDefaultDays, RetentionMinDays, RetentionMaxDays}
 *   config.set    {any of those} -> config   (DefaultChatHistory 1..500, ...;
 *                  RetentionMinDays above RetentionMaxDays: 400)
 *   retention.status {} -> {default, min_days, max_days, purge: {lease: {node,
 *                  expires, held}, last_run_at, last_purge: {at, rows, ms} | null
 *                  (the last pass that purged anything), purged_total,
 *                  last_error: {message, at} | null}, rooms: [{room, retention,
 *                  category, category_retention, effective, expired,
 *                  waiting_for_compliance}]}
 *   retention.purge {node, lease?=60 (s), room_after?=0} -> {held, room_id, purged,
 *                  batch}  pchatd's purge job (backend/retention.c): takes or renews
 *                  the lease; if held, deletes up to batch (1,000) expired messages
 *                  of the first room with a retention after room_after, oldest first,
 *                  none whose CHAT/REPLACE event pchat-compliance has not output yet
 *                  (room_id 0: no room left); one transaction per call
 *   retention.run_done {node, rows?, ms?, error?}  the pass's figures, or its error
 *   retention.release {node}  the lease given up (pchatd stopping)
 *   search.index  {batch?=500 (1..5000)} -> {indexed, terms, left}  one batch of the
 *                 search indexer (pchatd's backend/searchindex.c, pchat-admin search
 *                 index), one transaction: the newest queued messages (search_pending)
 *                 no other batch holds, their rows of message_terms written anew,
 *                 taken off the queue; indexed: how many, terms: rows written, left:
 *                 still queued (exact up to 10,000, InnoDB's estimate above)
 *   search.status {} -> {queued, oldest_queued, newest_queued (posting times, null
 *                  when none), index_rows, index_bytes (InnoDB's estimates)}
 *   message.get   {room?, author?, text?, since?, until?, id?, limit?=100, search?}
 *                 -> [message...]  oldest first: with room, in the room's order
 *                 (seq, id) as its history; across rooms, by id (search: words and
 *                 "phrases" through the engine, newest first by id, every match up
 *                 to limit; 400 with the reason for bad text)
 *   message.remove  {room?, author?, text?, since?, until?, id?} -> {removed: N}
 *   message.replace {same filters, replacement} -> {replaced: N}
 *                 (message.remove/replace need at least one filter; both write each
 *                 message changed to message_changes, which pchatd announces to the
 *                 sessions in its room: ntc:msgchg, docs/XCCOS.md)
 *   message.remove_one  {room, id} -> {id, removed: 1}
 *   message.replace_one {room, id, replacement} -> {id, replaced: 1}
 *                 one message of a room, as message.remove/replace change it;
 *                 users: the room's managers (404 may not see the room, 403 do not
 *                 manage it, 404 no message of that id in the room)
 *   addin.new     {name, url} -> addin      addin.set {addin, name?, url?} -> addin
 *   addin.get     {addin?} -> [addin...]    addin.remove {addin} -> {removed: 1}
 *   compliance.get {} -> {Enabled, AdapterType, AdapterName, AdapterOutputDirectory,
 *                  RunInterval (s), OneChatRoomPerOutputFile, AddChatRoomDetails,
 *                  AddUserDetails, CreateFileAttachmentsManifest, CustomConfiguration}
 *                 (Set-CsPersistentChatComplianceConfiguration; Enabled: AdapterType
 *                 is not "")
 *   compliance.set {any of those but Enabled} -> the same  (AdapterType "" (off),
 *                  "XML" or "Actiance"; paths "" or absolute; RunInterval 60..2592000;
 *                  an AdapterType needs an AdapterOutputDirectory).  Takes effect at
 *                  its commit: the capture triggers and pchat-compliance read it.
 *   compliance.status {} -> {enabled, lease: {node, expires, held}, last_run: {at,
 *                  events, files, ms} | null, backlog, pending_batch | null,
 *                  last_event_id, last_error: {message, at} | null, run_requested}
 *   compliance.run {wait?=60 (s, 0..3600; 0: do not wait)} -> status
 *                 asks the pchat-compliance holding the lease to output its events
 *                 now (503 if none holds it, 409 if compliance is off), then polls
 *                 until it has (504 after wait seconds).  It blocks its caller for up
 *                 to wait seconds: administrator only, which the web service (always
 *                 acting as a user) can never be, so pchatd's admin worker never
 *                 runs it.
 *   file.get      {room?, room_id?, user?, since?, until?, file?, state?, limit?=100}
 *                 -> [file...]  (since/until: when the upload began)
 *   file.remove   {the same filters but state, limit} -> {removed: N}  removes the
 *                 posts of the matching stored files (announced as message.remove's
 *                 are); pchatd's sweeper then deletes the files (as after
 *                 message.remove or room.clear)
 *   file.usage    {room?, room_id?} -> [{room_id, room, files, bytes}]  the store's
 *                 size per room (stored files with a post)
 *   file.list_room {room, limit?=100 (1..1000)} -> [file...]  the room's stored files
 *                 that have their post, newest first
 *                 users: who may read the room (its history: ACL_JOIN); 404 if
 *                 they may not see it, 403 if they may not read it
 *   file.download_token {room, file (<GUID>.<ext>)} -> {token, expires (ISO-8601
 *                 UTC), room_id, file, name, size, content_type}  a download token
 *                 bound to the user, issued as cmd:getfdtok issues one
 *                 (common/pchat_filetoken.h); 404 no such stored file in the room
 *                 users only (the administrator has no user to bind it to: 400),
 *                 with the rights of file.list_room
 *   file.token_check {token, direction, channel?} -> {room_id, room_uri, user,
 *                  file_name}
 *   file.upload_begin {token, size, channel?, stored_name?, content_type?,
 *                  resume?=false} -> {file_id, room_id, stored_name, file_name,
 *                  size, content_type, user, resumed}  (413 over MaxFileSizeKB, 429
 *                  over FileDailyQuotaKB, 409 an upload of the token in progress)
 *   file.upload_complete {token, file_id, base_url} -> {message_id, room_id,
 *                  room_uri, author, ts, body, file, name, size, url, content_type}
 *                  the files row stored, the file post, the token used: one
 *                  transaction
 *   file.upload_abort {file_id} -> {removed}
 *   file.download_begin {token, channel, stored_name} -> the file as upload_begin
 *   file.sweep_list {limit?} -> [{id, room_id, file, state}]   file.sweep_done {id}
 *                 (the token and sweep verbs are pchatd's file service's; every token
 *                 problem is 403, docs/FILES.md)
 *   auth.check    {user, password} -> {user: "sip:u@d"}  (SIP credentials: the
 *                  password's HA1 against the subscriber table's ha1; 403 when
 *                  wrong, or when the user's chat policy disables persistent chat)
 *   user.new      {user ("u@d"), password} -> user   user.set {user, password} -> user
 *   user.get      {user?} -> [user]   user.remove {user} -> {removed: 1}
 *                 (SIP users in subscriber: the password becomes ha1, ha1b and
 *                 nt_hash, never stored itself; names in lower case)
 *   reload        {} -> {revision: N}  (and every room's keep_sec computed again)
 *   message.history {room, before? (id), limit?=DefaultChatHistory (1..500)} ->
 *                 {messages: [message...] (the page oldest first), more, before}
 *                 the newest page of the room's history before the message before
 *                 in the room's order, (seq, id) as cmd:bccontext's; users:
 *                 who may read it (acl_history_readable: ACL_JOIN and the category
 *                 keeping chat history): 404 may not see it, 403 may not read it,
 *                 423 its category has chat history off
 *   message.search {q, room?, author?, since?, until?, before?, limit?=SearchLimit}
 *                 -> {messages (newest first), more, before}  words and "phrases"
 *                 (common/pchat_search.h; 400 with the reason for bad text) in the
 *                 rooms whose history the actor may read (room: that one, refused
 *                 as message.history, history off: none); a page reads at most
 *                 PCHAT_SEARCH_SCAN_MAX index entries, so it may hold fewer than
 *                 limit with more true and before where it stopped
 *                 as message.history, history off: none)
 *   feed.get      {} -> [feed...]  the actor's saved feeds (topic feeds and keyword
 *                 alerts, docs/ARCHITECTURE.md *Feeds and alerts*), oldest first
 *   feed.add      {words, room?, author?} -> feed  a feed, checked and limited as
 *                 pchatd's cmd:feed checks it (common/pchat_feeds.h): 400 with the
 *                 reason for bad keywords or author, 404/403 for a room the actor may
 *                 not see/read, 403 for one that keeps no history, 403 past
 *                 feeds_max (pca_actor.feeds); bumps FeedsRevision
 *   feed.remove   {id} -> {id, removed: 1}  404 if the actor has no such feed
 *   feed.alerts   {before? (message id), limit?=min(50, SearchLimit) (1..SearchLimit)}
 *                 -> {messages: [message + feeds: [feed id...]] (newest first), more,
 *                 before}  the posts the actor's feeds matched, only in rooms whose
 *                 history the actor may read now (acl_history_readable)
 *                 (feed.*: users only; the administrator has no feeds: 400)
 * Only room.*, category.get, file.list_room, file.download_token, message.history,
 * message.search, message.remove_one, message.replace_one, feed.* and auth.check are
 * open to users; the rest is for the administrator.
 *
 * Result objects:
 *   room     {uri, id, name, description, topic, privacy, type, disabled,
 *             invitations, disclaimer, category, addin (name or null), members,
 *             managers, presenters, created, retention, retention_effective,
 *             rights? (["see","join","post","manage"])}
 *   category {uri, id, name, description, invitations, file_upload, chat_history,
 *             retention, allowed, denied, creators}
 *   policy   {identity, enabled, description, grants: [principal...]}
 *   user     {user: "sip:u@d", name, domain, digest (has ha1 and ha1b), ntlm (has
 *             nt_hash), chat (the chat policy lets them)}
 *   message  {id, room, author, ts, text, replaced}
 *   feed     {id, words (normalised: lower case, one blank apart), room (name) | null,
 *             author | null, created}
 *   addin    {name, url}
 *   file     {id, room_id, room (null once removed), file (<GUID>.<ext>), name, size,
 *             content_type, uploader, state (uploading|stored), created, stored,
 *             message_id (null: no post, the sweeper's)}
 */
#ifndef PCHAT_ADMIN_H
#define PCHAT_ADMIN_H

#include <jansson.h>
#include <mysql.h>

struct pchat_feed_limits;

/* Who asks: user NULL is the administrator (the CLI); otherwise a user URI
 * ('sip:alice@example.com') already authenticated by the caller.  feeds: the bounds
 * on the user's feeds (pchatd's --feeds-max, --feed-words-max,
 * --feed-word-max-bytes, so that the web page and cmd:feed refuse alike); NULL: the
 * defaults of common/pchat_feeds.h. */
struct pca_actor {
	const char *user;
	const struct pchat_feed_limits *feeds;
};

/* Why an operation failed: status is HTTP-like (400 bad arguments, 403 not allowed,
 * 404 no such thing, 409 conflict, 503 database unavailable (or, compliance.run, no
 * pchat-compliance running), 504 compliance.run's wait ran out, 500 other database
 * error) and msg says it in words for a person. */
struct pca_error {
	int status;
	char msg[256];
};

/* Runs verb with args (not consumed; NULL = {}) as actor on db.  Returns 0 and sets
 * *result (owned by the caller), or -1 and fills err.  A connection error leaves
 * status 503 and nothing changed (compliance.run: its request may stand, which
 * running it again only renews); the caller may reconnect and run it again. */
int pca_run(MYSQL *db, const struct pca_actor *actor, const char *verb, json_t *args,
		json_t **result, struct pca_error *err);

/* Is verb one that changes something (the web service uses POST/PUT/DELETE for
 * those)?  1 yes, 2 yes but nothing of a room (the file transfers and tokens: the
 * revision is not bumped, pchatd need not reload its rooms), 3 a user's feeds
 * (FeedsRevision is bumped instead: pchatd reloads its feed index), 0 no, -1 if
 * there is no such verb. */
int pca_verb_mutates(const char *verb);

#endif
