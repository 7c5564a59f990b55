/*
 * lib_pchat_utf16.c - common/pchat_utf16.c compiled into the module by Kamailio's makefiles, which
 * build every .c of the module's folder (docs/ARCHITECTURE.md, "NTLM").
 */
#include "pchat_utf16.c" /* NOLINT(bugprone-suspicious-include): on purpose, see above */
