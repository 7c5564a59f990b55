# The objects of pchatd other than main.o, and the pkg-config packages they need.
# Included by backend/Makefile and tests/unit/Makefile (which links them into the
# unit-test runner, leaving out those that need a live socket or database).
PCHATD_OBJS = log.o util.o sbuf.o dict.o config.o xccos.o sessions.o plist.o rooms.o presence.o webparse.o \
	cmdq.o cmd_join.o cmd_history.o cmd_rooms.o cmd_post.o cmd_server.o cmd_table.o frames.o link.o \
	dbjob.o dbkinds.o dbj_rooms.o dbj_messages.o dbj_user.o dbj_presence.o db.o dbsql.o pchat_acl.o pchat_text.o reload.o
PCHATD_PKGS = libevent libxml-2.0 libmariadb
# Objects the unit tests replace with fakes (tests/unit/fake_*.c).
PCHATD_IO_OBJS = link.o db.o

# The access rules and the text rule live in common/ (shared with the admin library);
# built here.
vpath pchat_acl.c $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../common)
vpath pchat_text.c $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../common)

# The room management web service (docs/WEB.md) and the admin library it runs
# (admin/pca_*.c, compiled here as well): pchatd only, the unit tests leave them out.
PCHATD_WEB_OBJS := http.o webapi.o websess.o adminq.o \
	$(notdir $(patsubst %.c,%.o,$(wildcard $(dir $(lastword $(MAKEFILE_LIST)))../admin/pca_*.c)))
PCHATD_WEB_PKGS = jansson
vpath pca_%.c $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../admin)
