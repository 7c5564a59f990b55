# shellcheck shell=bash disable=SC2154,SC2016
# tests/cli/users.sh - the checks of pchat-admin user new|set|get|remove (sourced by
# tests/cli/run.sh after checks.sh, with the same helpers): the hashes stored are those
# Kamailio's auth_db (ha1, ha1b) and NTLM (nt_hash) need, the password is never stored
# nor shown, and the web sign-in (auth.check) accepts the new password.

pwfile="$var/pw"
pw() { printf '%s\n' "$1" >"$pwfile"; }
hashes() { sql "SELECT CONCAT_WS('|', password, ha1, ha1b, nt_hash) FROM subscriber WHERE username = '$1' AND domain = '$2'"; }

# ---- the demo users' hashes are what the library computes from their passwords
demo_alice=$(hashes alice example.com)
pw alice
expect 0 "user set alice to her demo password" --json user set --user alice@example.com --password-file "$pwfile"
sql_is "  the hashes sql/demo.sql stores, NT hash included" \
  "SELECT CONCAT_WS('|', password, ha1, ha1b, nt_hash) FROM subscriber WHERE username = 'alice' AND domain = 'example.com'" \
  "$demo_alice"
sql_is "  demo.sql's literal NT hash for alice is MD4(UTF-16LE(\"alice\"))" \
  "SELECT nt_hash FROM subscriber WHERE username = 'alice' AND domain = 'example.com'" \
  4039730e1bf6e10dd01eaac983db4d7c
json_is "  result: the user, Digest and NTLM hashes present, chat enabled" \
  '. == {"user": "sip:alice@example.com", "name": "alice", "domain": "example.com",
  "digest": true, "ntlm": true, "chat": true}'
sql_is "every demo user has all three hashes" \
  "SELECT COUNT(*) FROM subscriber WHERE domain = 'example.com' AND username IN ('alice','bob','carol','dave')
   AND LENGTH(ha1) = 32 AND LENGTH(ha1b) = 32 AND LENGTH(nt_hash) = 32" 4

# ---- user new: every hash from the password (from a file and from standard input)
pw 'Pässwörd€'
expect 0 "user new from a password file" --json user new --user Erin@Example.com --password-file "$pwfile"
json_is "  stored in lower case, with both kinds of hashes" '.user == "sip:erin@example.com"
  and .digest == true and .ntlm == true'
sql_is "  ha1 = MD5(user:domain:password), ha1b = MD5(user@domain:domain:password), NT hash; no password" \
  "SELECT CONCAT_WS('|', password = '', ha1 = MD5('erin:example.com:Pässwörd€'),
     ha1b = MD5('erin@example.com:example.com:Pässwörd€'), nt_hash) FROM subscriber WHERE username = 'erin'" \
  "1|1|1|04e9d4087e1303bea8e5239aa5ddd064"
out_lacks "  the password is not shown" "Pässwörd"
expect 0 "the web sign-in accepts the new user's password" call auth.check '{"user":"erin@example.com","password":"Pässwörd€"}'
fails 1 "exists already" "user new refuses an existing user" user new --user erin@example.com --password-file "$pwfile"
run_cli 0 user new --user frank@example.com --password-file - <<<"Password"
report "user new with the password on standard input"
sql_is "  NT hash of \"Password\" ([MS-NLMP] 4.2.2.1.2)" \
  "SELECT nt_hash FROM subscriber WHERE username = 'frank'" a4f49c406510bdcab6824ee7c30fd852

# ---- refusals
fails 1 "user@domain" "user new needs a domain" user new --user gina --password-file "$pwfile"
fails 1 "not a SIP user" "user new refuses a user name with a colon" user new --user 'g:h@example.com' --password-file "$pwfile"
fails 1 "not a SIP user" "user new refuses a bad domain" user new --user 'gina@exa_mple..com' --password-file "$pwfile"
fails 1 "cannot open" "a missing password file" user new --user gina@example.com --password-file "$var/none"
: >"$pwfile"
fails 1 "no password" "an empty password file" user new --user gina@example.com --password-file "$pwfile"
fails 2 "has no option --password" "no password on the command line" user new --user gina@example.com --password x
pw 'x'
fails 1 "no user sip:gina@example.com" "user set of an unknown user" user set --user gina@example.com --password-file "$pwfile"
sql_is "nothing written for gina" "SELECT COUNT(*) FROM subscriber WHERE username = 'gina'" 0
fails 1 "administrator only" "users may not create users" "${AS_ALICE[@]}" user new --user gina@example.com --password-file - <<<"x"

# ---- user set: new password, new hashes; the old one no longer signs in
pw 'n3w-secret'
expect 0 "user set erin (a bare name: one domain has her)" user set --user erin --password-file "$pwfile"
sql_is "  every hash changed" \
  "SELECT ha1 = MD5('erin:example.com:n3w-secret') AND ha1b = MD5('erin@example.com:example.com:n3w-secret')
     AND nt_hash <> '04e9d4087e1303bea8e5239aa5ddd064' FROM subscriber WHERE username = 'erin'" 1
expect 0 "the new password signs in" call auth.check '{"user":"erin@example.com","password":"n3w-secret"}'
fails 1 "wrong user name or password" "the old one does not" call auth.check '{"user":"erin@example.com","password":"Pässwörd€"}'

# ---- user get: which hashes, never the hashes
sql "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ('old', 'example.com', MD5('old:example.com:x'), MD5('old@example.com:example.com:x'))"
expect 0 "user get lists every user" --json user get
json_is "  sorted, a row from before migration 016 without its NT hash" \
  '([.[] | select(.domain == "example.com") | .name] | index("alice") < index("erin"))
  and (.[] | select(.name == "old") | .digest == true and .ntlm == false)
  and (.[] | select(.name == "dave") | .chat == false)'
out_lacks "  no hash in the output" "4039730e1bf6e10dd01eaac983db4d7c|ha1"
expect 0 "user get one, human-readable" user get --user sip:erin@example.com
out_has "  its URI" "sip:erin@example.com"
fails 1 'no user "sip:zed@example.com"' "user get of an unknown user" user get --user zed@example.com

# ---- user remove
expect 0 "user remove" --json user remove --user frank@example.com
json_is "  one removed" '.removed == 1'
sql_is "  gone" "SELECT COUNT(*) FROM subscriber WHERE username = 'frank'" 0
fails 1 "no user sip:frank@example.com" "user remove again" user remove --user frank@example.com
