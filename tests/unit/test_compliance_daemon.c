/*
 * test_compliance_daemon.c - the pieces of pchat-compliance that need no database:
 * presence across a batch (cpresence.c), safe publication of an output file
 * (outfile.c) and the configuration checks (cconfig.c).
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cconfig.h"
#include "cpresence.h"
#include "outfile.h"

/* ---- presence ---- */

static struct ce_event ev(enum ce_type t, const char *uri)
{
	struct ce_event e;
	memset(&e, 0, sizeof(e));
	e.type = t;
	e.user.uri = uri;
	e.time_ms = 1000;
	return e;
}

static void apply(struct cp_room *r, enum ce_type t, const char *uri)
{
	struct ce_event e = ev(t, uri);
	cr_assert_eq(cp_apply(r, &e), 0);
}

/* The users present now, joined with ',' for comparison. */
static const char *present(struct cp_room *r)
{
	static char buf[512];
	struct ce_presence p;
	cr_assert_eq(cp_present(r, 2000, &p), 0);
	buf[0] = '\0';
	for(size_t i = 0; i < p.n; i++) {
		if(i)
			strcat(buf, ",");
		strcat(buf, p.users[i]);
	}
	cr_assert_eq(p.time_ms, 2000);
	return buf;
}

Test(compliance_presence, sessions_counted_per_user)
{
	struct cpresence p;
	memset(&p, 0, sizeof(p));
	struct cp_room *r = cp_add_room(&p, 7);
	cr_assert_not_null(r);
	cr_assert_eq(cp_set(r, "sip:carol@example.com", 1, 500), 0); /* from the last batch */
	cr_assert_str_eq(present(r), "sip:carol@example.com");
	apply(r, CE_JOIN, "sip:bob@example.com");
	apply(r, CE_JOIN, "sip:alice@example.com");
	apply(r, CE_JOIN, "sip:alice@example.com"); /* a second client */
	apply(r, CE_CHAT, "sip:dave@example.com");  /* not presence */
	cr_assert_str_eq(present(r),
			"sip:alice@example.com,sip:bob@example.com,sip:carol@example.com");
	apply(r, CE_PART, "sip:alice@example.com"); /* one of two sessions: still there */
	apply(r, CE_PART, "sip:carol@example.com");
	cr_assert_str_eq(present(r), "sip:alice@example.com,sip:bob@example.com");
	apply(r, CE_PART, "sip:alice@example.com");
	apply(r, CE_PART, "sip:alice@example.com"); /* never below zero */
	apply(r, CE_PART, "sip:bob@example.com");
	cr_assert_str_eq(present(r), "");
	apply(r, CE_JOIN, "sip:alice@example.com"); /* one join after the extra part: in */
	cr_assert_str_eq(present(r), "sip:alice@example.com");
	cp_free(&p);
}

Test(compliance_presence, rooms_apart_and_case_as_the_database)
{
	struct cpresence p;
	memset(&p, 0, sizeof(p));
	struct cp_room *a = cp_add_room(&p, 1), *b = cp_add_room(&p, 2);
	cr_assert(a && b);
	apply(a, CE_JOIN, "sip:Alice@Example.com");
	apply(a, CE_PART, "sip:alice@example.com"); /* the same user to MariaDB's key */
	apply(b, CE_JOIN, "sip:bob@example.com");
	cr_assert_str_eq(present(a), "");
	cr_assert_str_eq(present(b), "sip:bob@example.com");
	cr_assert_eq(cp_room(&p, 2), b);
	cr_assert_null(cp_room(&p, 3));
	cp_free(&p);
}

/* ---- output files ---- */

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pchat-unit-outfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static int exists(const char *name)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(compliance_outfile, .init = make_dir, .fini = remove_dir);

Test(compliance_outfile, published_only_by_the_rename)
{
	struct outfile o;
	char err[256];
	cr_assert_eq(outfile_open(&o, dir, "a-1-2.xml", err, sizeof(err)), 0, "%s", err);
	xmlTextWriterPtr w = outfile_writer(&o, err, sizeof(err));
	cr_assert_not_null(w, "%s", err);
	cr_assert_geq(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL), 0);
	cr_assert_geq(xmlTextWriterWriteElement(w, BAD_CAST "x", BAD_CAST "y"), 0);
	cr_assert_geq(xmlTextWriterEndDocument(w), 0);
	cr_assert_eq(outfile_close(&o, err, sizeof(err)), 0, "%s", err);
	/* written and synced, but not published: a reader sees only the hidden name */
	cr_assert(exists(".a-1-2.xml.tmp"));
	cr_assert_not(exists("a-1-2.xml"));
	cr_assert_eq(outfile_rename(&o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(outfile_sync_dir(dir, err, sizeof(err)), 0, "%s", err);
	cr_assert(exists("a-1-2.xml"));
	cr_assert_not(exists(".a-1-2.xml.tmp"));
	outfile_free(&o);
	/* the same batch again replaces the file: still one */
	cr_assert_eq(outfile_open(&o, dir, "a-1-2.xml", err, sizeof(err)), 0, "%s", err);
	FILE *f = outfile_stream(&o, err, sizeof(err));
	cr_assert_not_null(f, "%s", err);
	fputs("again\n", f);
	cr_assert_eq(outfile_close(&o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(outfile_rename(&o, err, sizeof(err)), 0, "%s", err);
	outfile_free(&o);
	char path[256], line[32] = "";
	snprintf(path, sizeof(path), "%s/a-1-2.xml", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_str_eq(line, "again\n");
}

Test(compliance_outfile, discarded_leaves_nothing)
{
	struct outfile o;
	char err[256];
	cr_assert_eq(outfile_open(&o, dir, "b-3-4.xml", err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(outfile_writer(&o, err, sizeof(err)));
	outfile_discard(&o);
	outfile_free(&o);
	cr_assert_not(exists(".b-3-4.xml.tmp"));
	cr_assert_not(exists("b-3-4.xml"));
}

/* ---- configuration ---- */

static struct cconfig_row row(const char *type, const char *directory, const char *name)
{
	struct cconfig_row r;
	memset(&r, 0, sizeof(r));
	snprintf(r.adapter_type, sizeof(r.adapter_type), "%s", type);
	snprintf(r.output_directory, sizeof(r.output_directory), "%s", directory);
	snprintf(r.adapter_name, sizeof(r.adapter_name), "%s", name);
	r.run_interval_sec = 60;
	return r;
}

TestSuite(compliance_config, .init = make_dir, .fini = remove_dir);

Test(compliance_config, checked_before_use)
{
	struct cconfig c;
	char err[256];
	struct cconfig_row r = row("XML", dir, "Acme Archive/2026!");

	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(c.adapter);
	cr_assert_str_eq(c.prefix, "Acme_Archive_2026_"); /* no '/', no blank in a file name */
	cconfig_free(&c);

	r = row("", "", "");
	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(c.adapter, "off: no adapter, nothing else checked");
	cconfig_free(&c);

	r = row("actiance", dir, ""); /* any case */
	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.adapter->type, "Actiance");
	cr_assert_str_eq(c.prefix, "pchat-compliance"); /* no AdapterName */
	cconfig_free(&c);

	r = row("Bogus", dir, "");
	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "Bogus") != NULL, "%s", err);

	r = row("XML", "relative/dir", "");
	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "absolute") != NULL, "%s", err);

	r = row("Actiance", "/nonexistent/pchat-unit", "");
	cr_assert_eq(cconfig_load(&r, &c, err, sizeof(err)), -1);
	cr_assert_eq(cconfig_check_dir("/nonexistent/pchat-unit", err, sizeof(err)), -1);
}
