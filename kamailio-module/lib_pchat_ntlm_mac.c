/*
 * lib_pchat_ntlm_mac.c - common/pchat_ntlm_mac.c compiled into the module by Kamailio's makefiles, which
 * build every .c of the module's folder (docs/ARCHITECTURE.md, "NTLM").
 */
#include "pchat_ntlm_mac.c" /* NOLINT(bugprone-suspicious-include): on purpose, see above */
