/*
 * cconfig.h - the compliance configuration: the row of compliance_config
 * (sql/migrations/008_compliance.sql), read every tick so that a change takes effect
 * without a restart, and checked before use.
 */
#ifndef PCHAT_CCONFIG_H
#define PCHAT_CCONFIG_H

#include <stddef.h>

#include "adapter.h"
#include "cdb.h"

/* The row as stored (VARCHAR(n) of utf8mb4: up to 4n bytes). */
struct cconfig_row {
	char adapter_type[32 * 4 + 1];
	char adapter_name[256 * 4 + 1];
	char output_directory[1024 * 4 + 1];
	char custom_xslt[1024 * 4 + 1];
	int run_interval_sec;
	int one_room_per_file;	  /* OneChatRoomPerOutputFile */
	int room_details;	  /* AddChatRoomDetails */
	int user_details;	  /* AddUserDetails */
	int attachments_manifest; /* CreateFileAttachmentsManifest */
};

/* A row checked and made ready for output runs. */
struct cconfig {
	struct cconfig_row row;
	const struct adapter *adapter; /* NULL: compliance is off (AdapterType '') */
	struct xslt *xslt;	       /* CustomConfiguration loaded, or NULL */
	struct adapter_opts opts;
	/* the output files' names start with this: AdapterName reduced to
	 * [A-Za-z0-9._-], or "pchat-compliance" */
	char prefix[101];
};

/* Reads the row (memory cleared first, so that two reads compare with memcmp) and
 * ends the read transaction: 0, or -1 (db->err). */
int cconfig_read(struct cdb *db, struct cconfig_row *row);

/*
 * Checks row and fills c: the adapter is known (adapter_find), the output directory
 * absolute, existing and writable, the XSLT loads.  0, or -1 with a one-line err.
 * With AdapterType '' compliance is off: nothing else is checked, c->adapter NULL.
 */
int cconfig_load(const struct cconfig_row *row, struct cconfig *c, char *err, size_t errlen);

/* The output directory still usable (checked again before each run): 0 or -1, err. */
int cconfig_check_dir(const char *dir, char *err, size_t errlen);
/* The same for a directory named by what in err (an option: "--output-dir"). */
int cconfig_check_dir_as(const char *what, const char *dir, char *err, size_t errlen);

void cconfig_free(struct cconfig *c);

#endif
