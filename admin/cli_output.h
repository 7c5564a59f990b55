/*
 * cli_output.h - pchat-admin's human-readable output of a verb's JSON result.
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

/* Prints result: an object as aligned "key: value" lines (a nested object's members
 * as "key.member: value"), an array of objects as such blocks separated by blank
 * lines ("(none)" when empty). */
void cli_print(FILE *out, const json_t *result);

#endif
