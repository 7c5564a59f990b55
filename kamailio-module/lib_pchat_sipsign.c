/*
 * lib_pchat_sipsign.c - common/pchat_sipsign.c compiled into the module by Kamailio's makefiles, which
 * build every .c of the module's folder (docs/ARCHITECTURE.md, "NTLM").
 */
#include "pchat_sipsign.c" /* NOLINT(bugprone-suspicious-include): on purpose, see above */
