/*
 * fuzz_xml.c - see fuzz_xml.h.  Linked into each XML harness (tests/fuzz/Makefile,
 * SRCS_xccos), so it also gives them their LLVMFuzzerInitialize.
 */
#include "fuzz_xml.h"

#include "pchat_log.h"
#include "xccos.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xccos_init();
	/* pchatd logs every bad envelope at info; here that would only slow the run. */
	log_threshold = LL_ERROR;
	return 0;
}

xmlDoc *fuzz_xml_read(const char *doc, size_t len)
{
	return xmlReadMemory(doc, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
}
