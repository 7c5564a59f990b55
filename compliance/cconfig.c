/*
 * cconfig.c - see cconfig.h.
 */
#include "cconfig.h"
#include "xslt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char select_config[] =
		"SELECT adapter_type, adapter_name, output_directory, custom_xslt, "
		"run_interval_sec, one_room_per_file, add_room_details, add_user_details, "
		"attachments_manifest FROM compliance_config WHERE id = 1";

int cconfig_read(struct cdb *db, struct cconfig_row *row)
{
	memset(row, 0, sizeof(*row));
	int rc = cdb_row(db, select_config, "", "ssssddddd", row->adapter_type,
			sizeof(row->adapter_type), row->adapter_name, sizeof(row->adapter_name),
			row->output_directory, sizeof(row->output_directory), row->custom_xslt,
			sizeof(row->custom_xslt), &row->run_interval_sec, &row->one_room_per_file,
			&row->room_details, &row->user_details, &row->attachments_manifest);
	return cdb_single_row_end(db, rc, "compliance_config");
}

int cconfig_check_dir_as(const char *what, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if(dir[0] == '\0') {
		snprintf(err, errlen, "%s is not set", what);
		return -1;
	}
	if(dir[0] != '/') {
		snprintf(err, errlen, "%s '%s' is not an absolute path", what, dir);
		return -1;
	}
	if(stat(dir, &st) != 0) {
		snprintf(err, errlen, "%s '%s': %s", what, dir, strerror(errno));
		return -1;
	}
	if(!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s '%s' is not a directory", what, dir);
		return -1;
	}
	/* access() also says EROFS for a read-only mount (systemd's ProtectSystem) */
	if(access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s '%s' is not writable: %s", what, dir, strerror(errno));
		return -1;
	}
	return 0;
}

int cconfig_check_dir(const char *dir, char *err, size_t errlen)
{
	return cconfig_check_dir_as("AdapterOutputDirectory", dir, err, errlen);
}

/* AdapterName as a file name prefix: other bytes become '_', and so does a leading
 * dot (the name must neither hide the file nor look like our temporary files). */
static void make_prefix(const char *name, char *out, size_t outlen)
{
	size_t i, n = 0;
	for(i = 0; name[i] && n + 1 < outlen; i++) {
		char ch = name[i];
		int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
				(ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
				(ch == '.' && n > 0);
		out[n++] = ok ? ch : '_';
	}
	out[n] = '\0';
	if(n == 0)
		snprintf(out, outlen, "pchat-compliance");
}

int cconfig_load(const struct cconfig_row *row, struct cconfig *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->row = *row;
	if(row->adapter_type[0] == '\0')
		return 0; /* off */
	c->adapter = adapter_find(row->adapter_type);
	if(c->adapter == NULL) {
		snprintf(err, errlen, "AdapterType '%s' is not known (known: %s)",
				row->adapter_type, adapter_names());
		return -1;
	}
	if(cconfig_check_dir(row->output_directory, err, errlen) < 0)
		return -1;
	if(row->custom_xslt[0] != '\0') {
		char why[512];
		c->xslt = xslt_load(row->custom_xslt, why, sizeof(why));
		if(c->xslt == NULL) {
			snprintf(err, errlen, "CustomConfiguration '%s' does not load: %s",
					row->custom_xslt, why);
			return -1;
		}
	}
	c->opts.room_details = row->room_details != 0;
	c->opts.user_details = row->user_details != 0;
	make_prefix(row->adapter_name, c->prefix, sizeof(c->prefix));
	return 0;
}

void cconfig_free(struct cconfig *c)
{
	if(c->xslt)
		xslt_free(c->xslt);
	c->xslt = NULL;
	c->adapter = NULL;
}
