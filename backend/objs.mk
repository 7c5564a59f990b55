# The objects of pchatd other than main.o, and the pkg-config packages they need.
# Included by backend/Makefile and tests/unit/Makefile (which links them into the
# unit-test runner, leaving out those that need a live socket or database).
# The access rules (common/) and the admin library (admin/pca_*.c) are not compiled
# here: both link the libraries their own folders build (mk/libs.mk).
PCHATD_OBJS = util.o inbox.o metrics.o peer.o sbuf.o dict.o ratelimit.o config.o xmlsafe.o xccos.o soap.o sessions.o fanout.o plist.o rooms.o presence.o carryover.o roompost.o poolsig.o poolsync.o msgchange.o feedidx.o feeds.o webparse.o weblimit.o \
	cmdq.o cmd_join.o cmd_history.o cmd_rooms.o cmd_post.o cmd_server.o cmd_files.o cmd_search.o cmd_feeds.o cmd_table.o frames.o query.o link.o \
	dbjob.o dbkinds.o dbj_rooms.o dbj_messages.o dbj_user.o dbj_presence.o dbj_files.o dbj_search.o dbj_changes.o dbj_feeds.o db.o dbsql.o workq.o periodic.o reload.o \
	filetok.o sdnotify.o
PCHATD_PKGS = libevent libxml-2.0 libmariadb jansson
# Objects the unit tests replace with fakes (tests/unit/fake_*.c).
PCHATD_IO_OBJS = link.o db.o

# The room management web service (docs/WEB.md), which runs the admin library
# (admin/libpchatadmin.a): pchatd only, the unit tests leave them out.
PCHATD_WEB_OBJS = health.o metrics_http.o http.o webapi.o websess.o adminq.o cstatus.o
PCHATD_WEB_PKGS = jansson libcrypto nettle

# pchatd only as well: systemd's readiness watch, which reads the real database worker,
# and the purge job and the search indexer (issue 15), which run the admin library's
# retention and search verbs.
PCHATD_DAEMON_OBJS = ready.o retention.o searchindex.o
# The file service (docs/FILES.md) on libmicrohttpd, which runs the admin library's
# file verbs: pchatd only.
PCHATD_FILE_OBJS = filedb.o filestore.o fileup.o filehttp.o fileapi.o filesoap.o filesweep.o \
	filesvc.o
PCHATD_FILE_PKGS = libmicrohttpd
