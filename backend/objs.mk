# The objects of pchatd other than main.o, and the pkg-config packages they need.
# Included by backend/Makefile and tests/unit/Makefile (which links them into the
# unit-test runner, leaving out those that need a live socket or database).
PCHATD_OBJS = log.o util.o sbuf.o dict.o config.o xccos.o sessions.o rooms.o \
	commands.o frames.o link.o dbjob.o db.o dbsql.o
PCHATD_PKGS = libevent libxml-2.0 libmariadb
# Objects the unit tests replace with fakes (tests/unit/fake_*.c).
PCHATD_IO_OBJS = link.o db.o dbsql.o
