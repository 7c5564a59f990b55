/*
 * cli_output.c - human-readable output of results (see cli_output.h).
 */
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

static void print_object(FILE *out, const json_t *obj)
{
	const char *key;
	json_t *v;
	int width = 0;
	json_object_foreach((json_t *)obj, key, v)
	{
		if((int)strlen(key) > width)
			width = (int)strlen(key);
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		fprintf(out, "%s:%*s ", key, width - (int)strlen(key), "");
		print_value(out, v);
		fputc('\n', out);
	}
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
