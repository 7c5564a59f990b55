/*
 * test_filelink.c - the file store's naming rules (common/pchat_filename.c) and the
 * file post's link (common/pchat_filelink.c): what a user typed never reaches a
 * path, and a link reads back as it was written.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/pchat_filelink.h"
#include "../../common/pchat_filename.h"

Test(filename, guid_is_random_v4_lower_case)
{
	char a[PCHAT_GUID_LEN + 1], b[PCHAT_GUID_LEN + 1];
	cr_assert_eq(pchat_guid(a), 0);
	cr_assert_eq(pchat_guid(b), 0);
	cr_assert(pchat_guid_valid(a));
	cr_assert_str_neq(a, b);
	cr_assert_eq(a[14], '4', "version 4");
	cr_assert(!pchat_guid_valid("3E0F6A52-77B1-4C2E-9D55-0A1B2C3D4E5F"), "upper case");
	cr_assert(!pchat_guid_valid("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5"), "short");
	cr_assert(!pchat_guid_valid("3e0f6a52x77b1-4c2e-9d55-0a1b2c3d4e5f"), "no dash");
	cr_assert(!pchat_guid_valid(NULL));
}

static const char *ext_of(const char *name)
{
	static char out[PCHAT_EXT_MAX + 1];
	pchat_file_ext(name, out);
	return out;
}

Test(filename, extension_is_sanitised_and_short)
{
	cr_assert_str_eq(ext_of("report Q3.PDF"), "pdf");
	cr_assert_str_eq(ext_of("archive.tar.gz"), "gz");
	cr_assert_str_eq(ext_of("README"), PCHAT_EXT_DEFAULT);
	cr_assert_str_eq(ext_of(".bashrc"), PCHAT_EXT_DEFAULT, "a leading dot is no extension");
	cr_assert_str_eq(ext_of("../../etc/passwd"), PCHAT_EXT_DEFAULT);
	cr_assert_str_eq(ext_of("a.b/c"), PCHAT_EXT_DEFAULT, "a separator after the dot");
	cr_assert_str_eq(ext_of("x.abcdefghijk"), PCHAT_EXT_DEFAULT, "11 characters");
	cr_assert_str_eq(ext_of("x.abcdefghij"), "abcdefghij");
	cr_assert_str_eq(ext_of("x.p\xc3\xa9"), PCHAT_EXT_DEFAULT, "not ASCII");
	cr_assert_str_eq(ext_of("x."), PCHAT_EXT_DEFAULT);
	cr_assert_str_eq(ext_of(NULL), PCHAT_EXT_DEFAULT);
}

Test(filename, stored_names)
{
	char s[PCHAT_STORED_NAME_SIZE];
	pchat_stored_name("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f", "Plan.DOCX", s);
	cr_assert_str_eq(s, "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.docx");
	cr_assert(pchat_stored_name_valid(s));
	cr_assert(pchat_stored_name_fits(s, "other.docx"));
	cr_assert(!pchat_stored_name_fits(s, "other.pdf"), "another extension");
	cr_assert(!pchat_stored_name_valid("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.DOCX"));
	cr_assert(!pchat_stored_name_valid("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f."));
	cr_assert(!pchat_stored_name_valid("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f"));
	cr_assert(!pchat_stored_name_valid("3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.a/b"));
	cr_assert(!pchat_stored_name_valid("../0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.txt"));
	cr_assert(!pchat_stored_name_valid(".3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.txt.part"));
}

static const char *ctype(const char *declared, const char *ext)
{
	static char out[PCHAT_CTYPE_MAX + 1];
	pchat_content_type(declared, ext, out);
	return out;
}

Test(filename, content_types)
{
	cr_assert_str_eq(ctype("Image/PNG", "bin"), "image/png");
	cr_assert_str_eq(ctype("text/plain; charset=utf-8", "bin"), "text/plain");
	cr_assert_str_eq(ctype(NULL, "jpg"), "image/jpeg");
	cr_assert_str_eq(ctype("../../etc; x", "txt"), "text/plain", "not a media type");
	cr_assert_str_eq(ctype("text/plain\r\nX-Evil: 1", "bin"), PCHAT_CTYPE_DEFAULT);
	cr_assert_str_eq(ctype("text/", "bin"), PCHAT_CTYPE_DEFAULT);
	cr_assert_str_eq(ctype("", "zip"), "application/zip");
	cr_assert(pchat_ctype_inline("image/png") && pchat_ctype_inline("text/plain"));
	cr_assert(!pchat_ctype_inline("image/svg+xml"), "SVG runs scripts");
	cr_assert(!pchat_ctype_inline("text/html") && !pchat_ctype_inline(NULL));
}

Test(filelink, round_trip)
{
	const char *url = "https://chat.example.com/PersistentChat/files/12/"
			  "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.pdf";
	const char *name = "Q3 report & notes/100%.pdf \xf0\x9f\x98\x80";
	char *text = pchat_filelink_build(url, name, 123456);
	struct pchat_filelink l;
	cr_assert_not_null(text);
	cr_assert_str_eq(text,
			"ma-filelink:https://chat.example.com/PersistentChat/files/12/"
			"3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.pdf?name=Q3%20report%20%26%20notes%2F100%25"
			".pdf%20%F0%9F%98%80&size=123456");
	cr_assert_eq(pchat_filelink_parse(text, strlen(text), &l), 0);
	cr_assert_str_eq(l.url, url);
	cr_assert_str_eq(l.name, name);
	cr_assert_eq(l.size, 123456ULL);
	pchat_filelink_free(&l);
	free(text);
}

Test(filelink, later_parameters_are_ignored)
{
	const char *t = "MA-FILELINK:http://h/f/1/x.txt?v=2&size=0&name=a&thumb=http%3A%2F%2Fh";
	struct pchat_filelink l;
	cr_assert_eq(pchat_filelink_parse(t, strlen(t), &l), 0);
	cr_assert_str_eq(l.name, "a");
	cr_assert_eq(l.size, 0ULL);
	pchat_filelink_free(&l);
}

static int parses(const char *t)
{
	struct pchat_filelink l;
	int rc = pchat_filelink_parse(t, strlen(t), &l);
	pchat_filelink_free(&l);
	return rc == 0;
}

Test(filelink, what_is_not_a_link)
{
	cr_assert(!parses("hello"));
	cr_assert(!parses("ma-filelink:"));
	cr_assert(!parses("ma-filelink:http://h/x?name=a"), "no size");
	cr_assert(!parses("ma-filelink:http://h/x?size=1"), "no name");
	cr_assert(!parses("ma-filelink:http://h/x?name=&size=1"), "empty name");
	cr_assert(!parses("ma-filelink:http://h/x?name=a%2&size=1"), "a cut escape");
	cr_assert(!parses("ma-filelink:http://h/x?name=a%00b&size=1"), "a NUL");
	cr_assert(!parses("ma-filelink:http://h/x?name=a&size=-1"));
	cr_assert(!parses("ma-filelink:http://h/x?name=a&size=99999999999999999999999"));
	cr_assert(!parses("ma-filelink:javascript:alert(1)?name=a&size=1"), "not http(s)");
	cr_assert(!parses("ma-filelink:http://h/a b?name=a&size=1"), "a blank in the URL");
	cr_assert(!parses("see ma-filelink:http://h/x?name=a&size=1"), "not the whole text");
	cr_assert_null(pchat_filelink_build("ftp://h/x", "a", 1));
	cr_assert_null(pchat_filelink_build("http://h/x?y", "a", 1));
	cr_assert_null(pchat_filelink_build("http://h/x", "", 1));
}

Test(filelink, file_url_with_and_without_token)
{
	char *u = pchat_file_url("https://chat.example.com/PersistentChat", 42,
			"3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.pdf", NULL);
	cr_assert_str_eq(u,
			"https://chat.example.com/PersistentChat/files/42/"
			"3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.pdf");
	free(u);
	u = pchat_file_url("http://127.0.0.1:8081/PersistentChat", 7, "a.bin",
			"0a1b2c3d-77b1-4c2e-9d55-0a1b2c3d4e5f");
	cr_assert_str_eq(u,
			"http://127.0.0.1:8081/PersistentChat/files/7/a.bin"
			"?token=0a1b2c3d-77b1-4c2e-9d55-0a1b2c3d4e5f");
	free(u);
}
