/*
 * pchat_filetoken.h - file-transfer tokens as rows of file_tokens (migration 009), for
 * the two places that issue download tokens: pchatd's cmd:getfdtok (its DB worker,
 * backend/dbj_files.c) and the administration library's file.download_token (the web
 * page's downloads, admin/pca_files.c).  One statement and one lifetime, so that a
 * token issued by either is the same row, checked by the file service alike
 * (docs/FILES.md, "Tokens").  Header only.
 */
#ifndef PCHAT_FILETOKEN_H
#define PCHAT_FILETOKEN_H

/* A token is valid for this long after it was issued (the reference's 30 minutes). */
#define PCHAT_FTOK_TTL_SEC (30 * 60)

/*
 * Issues a download token for one stored file of a room.  Parameters, in order: the
 * token (a GUID), the user it is bound to, the stored name, issued_at, expires_at (UTC
 * DATETIME(3)), the room id, the stored name again.  The INSERT ... SELECT inserts no
 * row (affected rows 0) when the room has no stored file of that name with its post,
 * so that a token never names a file its holder could not find in the history.
 */
#define PCHAT_FTOK_DOWNLOAD_SQL                                         \
	"INSERT INTO file_tokens (token, direction, user_uri, room_id," \
	" file_name, file_id, issued_at, expires_at)"                   \
	" SELECT ?, 'download', ?, f.room_id, ?, f.id, ?, ?"            \
	" FROM files f WHERE f.room_id = ? AND f.stored_name = ?"       \
	" AND f.state = 'stored' AND f.message_id IS NOT NULL"

#endif
