/*
 * pchat_utf16.h - UTF-8 <-> UTF-16LE, the encoding of NTLM's strings ([MS-NLMP] 2.2:
 * user, domain and workstation names, the AV pairs of the target info) and of the
 * password the NT hash is computed from.  Strict both ways: ill-formed input
 * (overlong UTF-8, surrogates encoded in UTF-8, unpaired UTF-16 surrogates) is an
 * error, never guessed at, so that two encodings of one name cannot both verify.
 * Pure functions: no I/O, no allocation.
 */
#ifndef PCHAT_UTF16_H
#define PCHAT_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* The NUL-terminated UTF-8 s as UTF-16LE in out (at most cap bytes, no terminator):
 * the bytes written, or -1 if s is not well-formed UTF-8 or does not fit. */
long pchat_utf16le_from_utf8(const char *s, uint8_t *out, size_t cap);

/* The UTF-16LE in[0..len) as NUL-terminated UTF-8 in out (cap bytes, the NUL
 * included): the bytes written without the NUL, or -1 if len is odd, a surrogate is
 * unpaired, a character is U+0000 (it would cut the C string short) or out is too
 * small. */
long pchat_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
