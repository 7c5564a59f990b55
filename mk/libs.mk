# mk/libs.mk - the libraries built once, each by its own folder's Makefile, and linked by
# several programs (include after the default target):
#   common/libpchatcommon.a  common/*.c, the access rules, the NTLM core (link nettle with
#                            it if you use that): pchatd, the admin library, tests
#   admin/libpchatadmin.a    admin/pca_*.c, the admin library: pchatd's web service,
#                            pchat-admin, tests/cli
# A program lists them as prerequisites (admin library first: it uses the common one).
# Each link asks their folder to bring them up to date with the caller's SANITIZE (the
# folder's .cflags stamp rebuilds them when the flags change); make relinks the program
# only when a library did change.

PCHAT_TOP        := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
PCHAT_COMMON_LIB := $(PCHAT_TOP)/common/libpchatcommon.a
PCHAT_ADMIN_LIB  := $(PCHAT_TOP)/admin/libpchatadmin.a

$(PCHAT_COMMON_LIB) $(PCHAT_ADMIN_LIB): FORCE
	@$(MAKE) -s -C $(dir $@) $(notdir $@) SANITIZE=$(SANITIZE)

.PHONY: FORCE
FORCE:
