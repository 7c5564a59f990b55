# mk/c.mk - the compile rules shared by client/, common/, admin/, bench/, tests/e2e/ and
# tests/cli/ (include after setting PKGS, the pkg-config packages, and STAMP, a file that
# records the compile command).
#
# Dependency headers are included with -isystem (pkg-config's -I rewritten): sofia-sip's
# headers trip -Wextra in their own inline functions and macros (unused parameters,
# sign comparisons), which -Werror would turn into errors in code that is not ours.
# Our own code still gets every warning.  SANITIZE=1 adds ASan and UBSan.

CC      ?= cc
DEP_CFLAGS := $(if $(PKGS),$(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS))))
DEP_LIBS   := $(if $(PKGS),$(shell pkg-config --libs $(PKGS)))

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
CPPFLAGS += $(DEP_CFLAGS)

# Rebuild objects when the compile command changes (e.g. SANITIZE=1 after a plain build).
$(shell mkdir -p $(dir $(STAMP)); echo '$(CC) $(CPPFLAGS) $(CFLAGS)' | cmp -s - $(STAMP) || echo '$(CC) $(CPPFLAGS) $(CFLAGS)' > $(STAMP))

%.o: %.c $(STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
