/*
 * pca_args.c - checking a verb's JSON arguments, with messages that name the field.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pca_int.h"
#include "pchat_text.h"
#include "pchat_time.h"

int pca_keys(struct pca_ctx *c, const json_t *args, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)args, key, v)
	{
		size_t i = 0;
		while(allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if(!allowed[i])
			return pca_fail(c, 400, "unknown field \"%s\"", key);
	}
	return 0;
}

int pca_str(struct pca_ctx *c, const json_t *args, const char *key, int required, size_t maxlen,
		const char **out)
{
	json_t *v = json_object_get(args, key);
	*out = NULL;
	if(!v || json_is_null(v)) {
		if(required)
			return pca_fail(c, 400, "\"%s\" is required", key);
		return 0;
	}
	if(!json_is_string(v))
		return pca_fail(c, 400, "\"%s\" must be a string", key);
	if(json_string_length(v) > maxlen)
		return pca_fail(c, 400, "\"%s\" is longer than %zu bytes", key, maxlen);
	if(strlen(json_string_value(v)) != json_string_length(v))
		return pca_fail(c, 400, "\"%s\" contains a NUL character", key);
	/* Every stored string may end up in an XCCOS reply (room lists, joins, posts),
	 * which a character XML cannot carry would make ill-formed for everyone. */
	size_t bad;
	if(!pchat_text_ok(json_string_value(v), json_string_length(v), &bad))
		return pca_fail(c, 400,
				"\"%s\": character %zu is not allowed (XML 1.0 cannot carry control "
				"characters other than tab, LF and CR, U+FFFE, U+FFFF or invalid "
				"UTF-8)",
				key, bad + 1);
	if(required && json_string_length(v) == 0)
		return pca_fail(c, 400, "\"%s\" must not be empty", key);
	*out = json_string_value(v);
	return 0;
}

int pca_bool(struct pca_ctx *c, const json_t *args, const char *key, int *out)
{
	json_t *v = json_object_get(args, key);
	if(!v)
		return 0;
	if(!json_is_boolean(v))
		return pca_fail(c, 400, "\"%s\" must be true or false", key);
	*out = json_is_true(v);
	return 1;
}

int pca_int(struct pca_ctx *c, const json_t *args, const char *key, long long min, long long max,
		long long *out)
{
	json_t *v = json_object_get(args, key);
	if(!v)
		return 0;
	if(!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return pca_fail(c, 400, "\"%s\" must be an integer from %lld to %lld", key, min,
				max);
	*out = json_integer_value(v);
	return 1;
}

int pca_enum(struct pca_ctx *c, const json_t *args, const char *key, const char *const *names,
		int *out)
{
	json_t *v = json_object_get(args, key);
	if(!v)
		return 0;
	for(int i = 0; json_is_string(v) && names[i]; i++)
		if(strcasecmp(names[i], json_string_value(v)) == 0) {
			*out = i;
			return 1;
		}
	char list[128] = "";
	for(int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				i ? (names[i + 1] ? ", " : " or ") : "",
				*names[i] ? names[i] : "\"\"");
	return pca_fail(c, 400, "\"%s\" must be %s", key, list);
}

int pca_time(struct pca_ctx *c, const json_t *args, const char *key, char out[PCA_TIME_LEN])
{
	const char *s;
	if(pca_str(c, args, key, 0, 64, &s) < 0)
		return -1;
	if(!s)
		return 0;
	if(pchat_time_parse(s, out) < 0)
		return pca_fail(c, 400,
				"\"%s\": \"%s\" is not a UTC time like 2024-05-01T12:00:00Z", key,
				s);
	return 1;
}

/* Host names and user parts: no spaces, no control characters, no separators we
 * store or match on. */
static int token_ok(const char *s, size_t n, int domain)
{
	if(n == 0)
		return 0;
	for(size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if(ch <= ' ' || ch == '@' || ch == ',' || ch == ';' || ch == '<' || ch == '>' ||
				ch == '"' || ch == '/' || ch == ':' || ch == 0x7f)
			return 0;
		if(domain && !(isalnum(ch) || ch == '.' || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

int pca_principal(struct pca_ctx *c, const char *in, int user_only, char *out, size_t outsz)
{
	const char *s = in;
	int sip = strncasecmp(s, "sip:", 4) == 0;
	if(sip)
		s += 4;
	const char *at = strchr(s, '@');
	int ok = at ? token_ok(s, (size_t)(at - s), 0) && token_ok(at + 1, strlen(at + 1), 1)
		    : !sip && !user_only && token_ok(s, strlen(s), 1);
	if(!ok || strlen(s) + 5 > outsz || strlen(s) > 250)
		return pca_fail(c, 400,
				user_only ? "\"%s\" is not a user (sip:user@domain)"
					  : "\"%s\" is not a user (sip:user@domain) or a domain",
				in);
	snprintf(out, outsz, "%s%s", at ? "sip:" : "", s);
	for(char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* An array of principals, normalized, into a new array in *out. */
static int principals(struct pca_ctx *c, const char *key, const json_t *v, json_t **out)
{
	size_t i;
	json_t *e;
	*out = NULL;
	if(!json_is_array(v))
		return pca_fail(c, 400, "\"%s\" must be a list of users or domains", key);
	json_t *arr = json_array();
	json_array_foreach(v, i, e)
	{
		char p[256];
		if(!json_is_string(e)) {
			json_decref(arr);
			return pca_fail(c, 400, "\"%s\" must be a list of users or domains", key);
		}
		if(pca_principal(c, json_string_value(e), 0, p, sizeof(p)) < 0) {
			json_decref(arr);
			return -1;
		}
		if(!pca_in_array(arr, p))
			json_array_append_new(arr, json_string(p));
	}
	*out = arr;
	return 0;
}

int pca_listop(struct pca_ctx *c, const json_t *args, const char *key, struct pca_listop *op)
{
	static const char *const ops[] = {"add", "remove", NULL};
	json_t *v = json_object_get(args, key);
	memset(op, 0, sizeof(*op));
	if(!v)
		return 0;
	if(json_is_array(v))
		return principals(c, key, v, &op->set) < 0 ? -1 : 1;
	if(!json_is_object(v))
		return pca_fail(c, 400,
				"\"%s\" must be a list or {\"add\": [...], \"remove\": [...]}",
				key);
	if(pca_keys(c, v, ops) < 0)
		return -1;
	json_t *add = json_object_get(v, "add"), *rm = json_object_get(v, "remove");
	if((add && principals(c, key, add, &op->add) < 0) ||
			(rm && principals(c, key, rm, &op->remove) < 0)) {
		pca_listop_free(op);
		return -1;
	}
	return 1;
}

void pca_listop_free(struct pca_listop *op)
{
	json_decref(op->set);
	json_decref(op->add);
	json_decref(op->remove);
	memset(op, 0, sizeof(*op));
}
