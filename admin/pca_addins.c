/*
 * pca_addins.c - addin.new/set/get/remove: named web pages rooms may show.
 */
#include <string.h>
#include <strings.h>

#include "pca_int.h"

#define ADDIN_SELECT "SELECT id, name, url FROM addins"

static const struct pca_field addin_fields[] = {
		{"name", F_STR, "UPDATE addins SET name = ? WHERE id = ?", 256, NULL,
				"SELECT id FROM addins WHERE name = ? AND id <> ?"},
		{"url", F_STR, "UPDATE addins SET url = ? WHERE id = ?", 1024, NULL, NULL},
};

/* Only web pages: a client opens the URL. */
static int check_url(struct pca_ctx *c, const json_t *args)
{
	const char *url;
	if(pca_str(c, args, "url", 0, 1024, &url) < 0)
		return -1;
	if(url && strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return pca_fail(c, 400, "\"url\" must be an http:// or https:// URL");
	return 0;
}

static int addin_find(struct pca_ctx *c, const json_t *args, json_t **row)
{
	const char *name;
	if(pca_str(c, args, "addin", 1, 256, &name) < 0)
		return -1;
	int rc = pca_row(c, row, ADDIN_SELECT " WHERE name = ?", P(PS(name)));
	return rc == 0 ? pca_fail(c, 404, "no add-in \"%s\"", name) : rc < 0 ? -1 : 0;
}

static json_t *addin_obj(const json_t *row)
{
	return json_pack(
			"{s:O,s:O}", "name", json_array_get(row, 1), "url", json_array_get(row, 2));
}

static int addin_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	(void)c;
	(void)arg;
	return json_array_append_new(out, addin_obj(row));
}

static int addin_result(struct pca_ctx *c, unsigned long long id, json_t **result)
{
	json_t *row = NULL;
	if(pca_row(c, &row, ADDIN_SELECT " WHERE id = ?", P(PI(id))) <= 0)
		return -1;
	*result = addin_obj(row);
	json_decref(row);
	return 0;
}

int pca_addin_new(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"name", "url", NULL};
	const char *name, *url;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "name", 1, 256, &name) < 0 ||
			pca_str(c, args, "url", 1, 1024, &url) < 0 || check_url(c, args) < 0 ||
			pca_field_unique(c, &addin_fields[0], name, 0) < 0 ||
			pca_exec(c, "INSERT INTO addins (name, url) VALUES (?, ?)",
					P(PS(name), PS(url))) < 0)
		return -1;
	return addin_result(c, c->insert_id, result);
}

int pca_addin_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"addin", "name", "url", NULL};
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || check_url(c, args) < 0 || addin_find(c, args, &row) < 0)
		return -1;
	unsigned long long id = (unsigned long long)pca_col_int(row, 0);
	json_decref(row);
	if(pca_fields_apply(c, addin_fields, 2, args, id) < 0)
		return -1;
	return addin_result(c, id, result);
}

int pca_addin_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"addin", NULL};
	const char *name;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "addin", 0, 256, &name) < 0)
		return -1;
	json_t *rows = pca_rows(c, ADDIN_SELECT " WHERE ? IS NULL OR name = ? ORDER BY name",
			P(PS(name), PS(name)));
	return pca_list(c, rows, addin_out, NULL, "add-in", name, result);
}

int pca_addin_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"addin", NULL};
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || addin_find(c, args, &row) < 0)
		return -1;
	long long n = pca_exec(c, "DELETE FROM addins WHERE id = ?", P(PI(pca_col_int(row, 0))));
	json_decref(row);
	if(n < 0)
		return -1;
	*result = pca_count("removed", 1);
	return 0;
}
