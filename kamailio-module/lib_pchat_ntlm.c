/*
 * lib_pchat_ntlm.c - common/pchat_ntlm.c compiled into the module by Kamailio's makefiles, which
 * build every .c of the module's folder (docs/ARCHITECTURE.md, "NTLM").
 */
#include "pchat_ntlm.c" /* NOLINT(bugprone-suspicious-include): on purpose, see above */
