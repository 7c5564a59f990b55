#!/usr/bin/env bash
# make-seeds.sh - writes the seed corpora corpus/{xccos,frame,web,soap,ntlm}/ (committed; rerun
# after changing this file).  The XCCOS envelopes are those of tests/unit/harness.h's
# macros, tests/e2e/e2e_chat.c and docs/XCCOS.md; the frames are built here with
# printf, the byte layout of common/pchat_frame.h; the NTLM messages come from
# tests/unit/ntlm_vectors.h.  Inputs a harness found and that
# are kept as regression seeds (crash-*) are not written by this script.
set -euo pipefail
cd "$(dirname "$0")/corpus"

# ---- XCCOS envelopes (harness.h's ENV(), JOIN(), POST(), ...) ----
x=xccos
env() { printf '<xccos ver="1" envid="900" xmlns="urn:parlano:xml:ns:xccos">%s</xccos>' "$1"; }
lobby='ma-chan://example.com/6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa'
chanid() { printf '<chanid key="%s" domain="example.com" value="%s"/>' "$1" "$2"; }
env '<cmd id="cmd:requri" seqid="1"><data/></cmd>' >$x/requri
env "<cmd id=\"cmd:join\" seqid=\"1\"><data>$(chanid 0 6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa)</data></cmd>" >$x/join
env "<cmd id=\"cmd:bjoin\" seqid=\"3\"><data>$(chanid 0 6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa)$(chanid 1 c1)$(chanid 2 s1)</data></cmd>" >$x/bjoin
env "<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"$lobby\" author=\"sip:mallory@evil.com\" ts=\"2024-01-01T00:00:00Z\"><chat>hello &amp; &lt;world&gt;</chat></grpchat>" >$x/post
env "<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"$lobby\"><chat><![CDATA[a <b> & c]]>&#13;&#x263A;</chat></grpchat>" >$x/post-cdata
env "<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"$lobby\"/><bcq><last cnt=\"25\"/></bcq></data></cmd>" >$x/bccontext
env "<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"$lobby\"/><bcq><before msgid=\"7\" cnt=\"2\"/></bcq></data></cmd>" >$x/bccontext-before
env "<cmd id=\"cmd:part\" seqid=\"1\"><data><chanib uri=\"$lobby\"/></data></cmd>" >$x/part
env '<cmd id="cmd:chansrch" seqid="1"><data><qib qtype="BYNAME" criteria="" extended="false"/></data></cmd>' >$x/chansrch
env '<cmd id="cmd:getserverinfo" seqid="1"><data><sib domain="example.com" infoType="123"/></data></cmd>' >$x/getserverinfo
env '<cmd id="cmd:getpref" seqid="1"><data><pref label="e2e.x" seqid="1" createdefault="true"/></data></cmd>' >$x/getpref
env '<cmd id="cmd:setpref" seqid="1"><data><pref label="e2e.x" seqid="1" createdefault="false" content="PGNoYW5uZWxzLz4="/></data></cmd>' >$x/setpref
env '<cmd id="cmd:getinv" seqid="4"><data><inv inviteId="1" domain="example.com"/></data></cmd>' >$x/getinv
env '<cmd id="cmd:nodespermcreatechild" seqid="5"><data/></cmd>' >$x/nodespermcreatechild
env '<cmd id="cmd:getassociations" seqid="6"><data><assoc role="manager"/></data></cmd>' >$x/getassociations
env '<cmd id="cmd:nosuchthing" seqid="2"><data/></cmd>' >$x/unknown-cmd
env "<cmd id=\"cmd:getfutok\" seqid=\"1\"><data><ftdb channelUri=\"$lobby\" fileUrl=\"report &amp; notes.txt\"/></data></cmd>" >$x/getfutok
env "<cmd id=\"cmd:getfdtok\" seqid=\"1\"><data><ftdb channelUri=\"$lobby\" fileUrl=\"3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.txt\"/></data></cmd>" >$x/getfdtok
env "<cmd id=\"cmd:search\" seqid=\"1\"><data><srch xmlns=\"urn:pchat:xml:ns:search\" text=\"release &quot;go live&quot; -x*\" author=\"sip:alice@example.com\" since=\"2024-05-01T00:00:00Z\" before=\"99\" cnt=\"5\"/><chanib uri=\"$lobby\"/></data></cmd>" >$x/search
# refused: malformed, wrong root or item, entities, DOCTYPE (the unit tests' list)
printf '<xccos ver="1" envid="5"><cmd id="cmd:join"' >$x/bad-truncated
printf '<xccos envid="1"><rpl id="rpl:join"/></xccos>' >$x/bad-item
printf '<xccos envid="1"><cmd id="cmd:x">&undefined;</cmd></xccos>' >$x/bad-entity
printf '<?xml version="1.0"?>\n<!DOCTYPE xccos [\n <!ENTITY lol "lol">\n]>\n<xccos envid="3"><cmd id="cmd:x">&lol;</cmd></xccos>' >$x/bad-doctype

# ---- frames: length (16 + n, big-endian), version 1, type, 0 0, token, session ----
f=frame
frame() { # type token(hex, 8 digits) session(hex, 16 digits) payload(printf format)
  local len; len=$(printf "$4" | wc -c)
  printf "\\x$(printf %02x $(((len + 16) >> 24 & 255)))\\x$(printf %02x $(((len + 16) >> 16 & 255)))"
  printf "\\x$(printf %02x $(((len + 16) >> 8 & 255)))\\x$(printf %02x $(((len + 16) & 255)))"
  printf "\\x01\\x$(printf %02x "$1")\\x00\\x00"
  printf "$(echo "$2$3" | sed 's/../\\x&/g')"
  printf "$4"
}
frame 1 00000000 0000000000000000 'node-1' >$f/hello
frame 2 00000000 0000018f2b3c4d5e 'sip:alice@example.com\0sip:pchat@example.com\0epid-1\0UCCAPI/16.0\0' >$f/open
frame 2 00000000 0000018f2b3c4d5f 'sip:bob@example.com\0\0' >$f/open-short
frame 3 00000007 0000018f2b3c4d5e "$(env '<cmd id="cmd:requri" seqid="1"><data/></cmd>')" >$f/xccos
frame 4 00000000 0000018f2b3c4d5e 'bye' >$f/close
# FANOUT (pchatd -> module): 2 recipients, the number at 3 of the 6-byte body
frame 23 00000000 0000000000000000 '\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x06<a n/>\x00\x00\x01\x8f\x2b\x3c\x4d\x5e\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x01\x8f\x2b\x3c\x4d\x5f\x00\x00\x00\x00\x00\x00\x00\x08' >$f/fanout
# a connection's stream: several frames back to back, the last one cut short
{ frame 1 00000000 0000000000000000 'n'; frame 2 00000000 0000000000000001 'u\0l\0\0\0'
  frame 3 00000001 0000000000000001 '<xccos/>'; frame 4 00000000 0000000000000001 'expired' | head -c 10 || :; } >$f/stream
printf '\x00\x00\x00\x10\x02\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01' >$f/bad-version
printf '\x00\x04\x00\x11\x01\x03\x00\x00' >$f/bad-too-long

# ---- soap: a body to MGCWebService.asmx, optionally after a "SOAPAction: X" line ----
s=soap
mkdir -p $s
soap() { printf '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><%s xmlns="http://www.microsoft.com">%s</%s></soap:Body></soap:Envelope>' "$1" "$2" "$1"; }
tok='<token>3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f</token><channelId>12</channelId>'
soap GetMaxFileSizeInKB '' >$s/max-file-size
{ printf 'SOAPAction: "www.microsoft.com/AppendChunk"\n'
  soap AppendChunk "$tok<uniqueFilename>0d0d0d0d-0000-4000-8000-000000000001.txt</uniqueFilename><fileChunk>aGVsbG8gd29ybGQ=</fileChunk><offset>0</offset><fileLength>11</fileLength>"; } >$s/append-chunk
soap DownloadChunk "$tok<reposFileName>0d0d0d0d-0000-4000-8000-000000000001.txt</reposFileName><offset>0</offset><bufferSize>4096</bufferSize>" >$s/download-chunk
soap RequestUniqueFilenameWithExtension "$tok" >$s/unique-name
printf '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body><m:GetFileSize xmlns:m="http://www.microsoft.com"><m:token>a &amp; &lt;b&gt;</m:token></m:GetFileSize></s:Body></s:Envelope>' >$s/prefixed
printf '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetFileSize xmlns="http://www.microsoft.com"><token>&x;</token></GetFileSize></soap:Body></soap:Envelope>' >$s/bad-entity
printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>' >$s/bad-soap12

# ---- web: a request path, a newline, a Cookie header ----
w=web
printf '/\npchat_session=0123456789abcdef' >$w/root
printf '/rooms\ntheme=dark; pchat_session=%064d; other=1' 0 >$w/rooms-cookie
printf '/app.js\n' >$w/app-js
printf '/img/logo-2_x.png\n;;  pchat_session=' >$w/png
printf '/../etc/passwd\npchat_session' >$w/traversal
printf '/a%%2e%%2e/%%2fetc\npchat_sessionx=1; pchat_session=2' >$w/encoded
printf '/api/rooms\npchat_session=abc' >$w/api-rooms
printf '/api/rooms/Team%%20Room%%2F1/clear\n' >$w/api-room-action
printf '/api/rooms/x%%00y\n' >$w/api-nul
printf '/api/session\n' >$w/api-session

# ---- ntlm: AUTHENTICATE messages (tests/unit/ntlm_vectors.h), raw and as gssapi-data ----
n=ntlm
mkdir -p $n
hexof() { sed -n "/#define $1/,/^\$/p" ../../unit/ntlm_vectors.h | grep -o '"[0-9A-Fa-f]*"' | tr -d '"\n'; }
unhex() { printf "$(sed 's/../\\x&/g')"; }
hexof COSMO_AUTHENTICATE | unhex >$n/communicator
hexof SPEC_AUTHENTICATE | unhex >$n/spec
# the spec's message with DATAGRAM set: it verifies with the harness's hash and challenge
hexof SPEC_AUTHENTICATE | sed 's/358288e2/758288e2/' | unhex >$n/spec-datagram
base64 -w0 $n/communicator >$n/communicator-b64
