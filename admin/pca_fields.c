/*
 * pca_fields.c - the scalar settings of rooms and categories: one table of fields
 * per kind, one statement per field, so room.new/room.set (and category.*) share
 * their validation.
 */
#include "pca_int.h"

int pca_field_unique(struct pca_ctx *c, const struct pca_field *f, const char *value,
		unsigned long long id)
{
	json_t *row = NULL;
	int found = pca_row(c, &row, f->unique, P(PS(value), PI(id)));
	json_decref(row);
	if(found > 0)
		return pca_fail(c, 409, "%s \"%s\" is already used", f->key, value);
	return found < 0 ? -1 : 0;
}

/* The value of f in args as a statement parameter: 1, 0 if absent, -1 if bad. */
static int field_value(
		struct pca_ctx *c, const struct pca_field *f, const json_t *args, struct pca_val *v)
{
	const char *s;
	int b, i, rc;
	switch(f->kind) {
		case F_STR:
			if(pca_str(c, args, f->key, 0, f->maxlen, &s) < 0)
				return -1;
			if(s && f->unique && !*s)
				return pca_fail(c, 400, "\"%s\" must not be empty", f->key);
			*v = PS(s);
			return s ? 1 : 0;
		case F_BOOL:
			rc = pca_bool(c, args, f->key, &b);
			*v = PI(b);
			return rc;
		case F_ENUM:
			rc = pca_enum(c, args, f->key, f->names, &i);
			if(rc > 0)
				*v = PS(f->names[i]);
			return rc;
		case F_RETENTION: return pca_retention_value(c, args, f->key, v);
	}
	return 0;
}

int pca_fields_apply(struct pca_ctx *c, const struct pca_field *f, size_t n, const json_t *args,
		unsigned long long id)
{
	for(size_t i = 0; i < n; i++) {
		struct pca_val v = PI(0);
		int rc = field_value(c, &f[i], args, &v);
		if(rc < 0)
			return -1;
		if(rc == 0)
			continue;
		if(f[i].unique && pca_field_unique(c, &f[i], v.s, id) < 0)
			return -1;
		if(pca_exec(c, f[i].update, P(v, PI(id))) < 0)
			return -1;
	}
	return 0;
}
