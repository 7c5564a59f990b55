# The objects of pchatd other than main.o, and the pkg-config packages they need.
# Included by backend/Makefile and tests/unit/Makefile (which links them into the
# unit-test runner, leaving out those that need a live socket or database).
PCHATD_OBJS = log.o util.o sbuf.o dict.o config.o xccos.o sessions.o rooms.o webparse.o \
	commands.o frames.o link.o dbjob.o db.o dbsql.o workq.o pchat_acl.o reload.o
PCHATD_PKGS = libevent libxml-2.0 libmariadb
# Objects the unit tests replace with fakes (tests/unit/fake_*.c).
PCHATD_IO_OBJS = link.o db.o dbsql.o

# The access rules live in common/ (shared with the admin library); built here.
vpath pchat_acl.c $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../common)

# The room management web service (docs/WEB.md) and the admin library it runs
# (admin/pca_*.c, compiled here as well): pchatd only, the unit tests leave them out.
PCHATD_WEB_OBJS := http.o webapi.o websess.o adminq.o \
	$(notdir $(patsubst %.c,%.o,$(wildcard $(dir $(lastword $(MAKEFILE_LIST)))../admin/pca_*.c)))
PCHATD_WEB_PKGS = jansson
vpath pca_%.c $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../admin)
