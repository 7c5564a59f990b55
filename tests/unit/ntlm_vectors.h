/*
 * ntlm_vectors.h - known NTLM messages for test_ntlm.c, as hex.
 *
 * SPEC_*: [MS-NLMP] 4.2.4 (NTLMv2 authentication): user "User", domain "Domain",
 * password "Password", server challenge 0123456789abcdef, client challenge
 * aaaaaaaaaaaaaaaa, time 0, random session key 55 x 16; the AUTHENTICATE message of
 * 4.2.4.3 as pidgin-sipe's tests record it (connection-oriented: no DATAGRAM flag),
 * which carries 4.2.4.2.2's NTProofStr and 4.2.4.2.3's encrypted session key.
 *
 * COSMO_*: a real exchange between Office Communicator 2007 R2 and Office
 * Communications Server 2007 R2 (connectionless, [MS-SIPAE] version 4), as pidgin-sipe
 * 1.25 records it in its tests (src/core/sip-sec-ntlm-tests.c): user "User", domain
 * "COSMO", password "Pa$$word"; the strings both sides signed and their signatures.
 */
#ifndef NTLM_VECTORS_H
#define NTLM_VECTORS_H

#define SPEC_AUTHENTICATE                                                                    \
	"4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054" \
	"000000100010005c00000010001000d8000000358288e20501280a0000000f44006f006d0061006900" \
	"6e00550073006500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc" \
	"19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000" \
	"aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c00530065007200760065" \
	"0072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e"

#define COSMO_CHALLENGE_SC "dd1baaf4e7e218d1"

#define COSMO_AUTHENTICATE                                                                 \
	"4E544C4D53535000030000001800180072000000C600C6008A0000000A000A004800000008000800" \
	"52000000180018005A0000001000100050010000558298620502CE0E0000000F43004F0053004D00" \
	"4F00550073006500720043004F0053004D004F002D004F00430053002D0052003200A1E92EFE4E07" \
	"8BF7C5C0049ACC6166C2D6AE875CB0FDAA418DC0C800AE76ECA606D2B9FBEBD04731010100000000" \
	"000059519A1727B9CA01D6AE875CB0FDAA410000000002000A0043004F0053004D004F0001001800" \
	"43004F0053004D004F002D004F00430053002D00520032000400160063006F0073006D006F002E00" \
	"6C006F00630061006C000300300063006F0073006D006F002D006F00630073002D00720032002E00" \
	"63006F0073006D006F002E006C006F00630061006C000500160063006F0073006D006F002E006C00" \
	"6F00630061006C00000000000000000031CB739E1CA80A498591E8AE797115E4"

#define COSMO_REQUEST_SIGNED                                                                \
	"<NTLM><13317733><1><SIP Communications Service><cosmo-ocs-r2.cosmo.local>"         \
	"<4037df9284354df39065195bd57a4b14><3><REGISTER><sip:user@cosmo.local><3e49177a52>" \
	"<sip:user@cosmo.local><><><><>"
#define COSMO_REQUEST_SIG "0100000029618e9651b65a7764000000"

#define COSMO_RESPONSE_SIGNED                                                               \
	"<NTLM><9616454F><1><SIP Communications Service><cosmo-ocs-r2.cosmo.local>"         \
	"<4037df9284354df39065195bd57a4b14><3><REGISTER><sip:user@cosmo.local><3e49177a52>" \
	"<sip:user@cosmo.local><5E61CCD925D17E043D9A74835A88F664><><><7200><200>"
#define COSMO_RESPONSE_SIG "01000000E615438A917661BE64000000"

#endif
