/*
 * cli_output.c - human-readable output of results (see cli_output.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"

/* One value on one line: lists joined with ", ", booleans as yes/no. */
static void print_value(FILE *out, const json_t *v)
{
	size_t i;
	json_t *e;
	switch(json_typeof(v)) {
		case JSON_STRING: fputs(json_string_value(v), out); break;
		case JSON_TRUE: fputs("yes", out); break;
		case JSON_FALSE: fputs("no", out); break;
		case JSON_NULL: fputs("-", out); break;
		case JSON_ARRAY:
			if(json_array_size(v) == 0)
				fputs("-", out);
			json_array_foreach(v, i, e)
			{
				if(i)
					fputs(", ", out);
				print_value(out, e);
			}
			break;
		default: {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			fputs(s ? s : "?", out);
			free(s);
		}
	}
}

/* The width of obj's keys, those of nested objects counted as "key.sub" after
 * prefix characters. */
static int key_width(const json_t *obj, int prefix)
{
	const char *key;
	json_t *v;
	int width = 0;
	json_object_foreach((json_t *)obj, key, v)
	{
		int w = prefix + (int)strlen(key);
		if(json_is_object(v) && json_object_size(v) > 0)
			w = key_width(v, w + 1);
		if(w > width)
			width = w;
	}
	return width;
}

/* One "key: value" line per member; a nested object's members as "key.sub: value". */
static void print_members(FILE *out, const json_t *obj, const char *prefix, int width)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		char name[256];
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
		if(json_is_object(v) && json_object_size(v) > 0) {
			print_members(out, v, name, width);
			continue;
		}
		fprintf(out, "%s:%*s ", name, width - (int)strlen(name), "");
		print_value(out, v);
		fputc('\n', out);
	}
}

static void print_object(FILE *out, const json_t *obj)
{
	print_members(out, obj, "", key_width(obj, 0));
}

void cli_print(FILE *out, const json_t *result)
{
	size_t i;
	json_t *e;
	if(json_is_object(result)) {
		print_object(out, result);
		return;
	}
	if(!json_is_array(result)) {
		print_value(out, result);
		fputc('\n', out);
		return;
	}
	if(json_array_size(result) == 0)
		fputs("(none)\n", out);
	json_array_foreach(result, i, e)
	{
		if(i)
			fputc('\n', out);
		if(json_is_object(e))
			print_object(out, e);
		else {
			print_value(out, e);
			fputc('\n', out);
		}
	}
}
