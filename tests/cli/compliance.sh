# shellcheck shell=bash disable=SC2154,SC2016
# tests/cli/compliance.sh - the checks of pchat-admin compliance get|set|status|run
# (sourced by tests/cli/run.sh after checks.sh, with the same helpers), and of the
# capture triggers of migration 008 as far as these commands see them.  pchat-compliance
# itself is not run here: a shell loop plays its part for `compliance run` (its own
# end-to-end tests are in compliance/).

# post TEXT: alice posts TEXT in Lobby, as pchatd would (the triggers see any writer).
post() {
  sql "INSERT INTO messages (room_id, author, posted_at, body)
    SELECT id, 'sip:alice@example.com', NOW(3), '$1' FROM rooms WHERE name = 'Lobby'"
}
config_row() {
  sql "SELECT CONCAT_WS('|', adapter_type, adapter_name, output_directory, run_interval_sec,
    one_room_per_file, add_room_details, add_user_details, attachments_manifest, custom_xslt)
    FROM compliance_config"
}

# ---- compliance: defaults, and nothing recorded while off
expect 0 "compliance get" --json compliance get
json_is "compliance defaults: off, 15 minutes" '. == {"Enabled": false, "AdapterType": "",
  "AdapterName": "", "AdapterOutputDirectory": "", "RunInterval": 900,
  "OneChatRoomPerOutputFile": false, "AddChatRoomDetails": false, "AddUserDetails": false,
  "CreateFileAttachmentsManifest": false, "CustomConfiguration": ""}'
expect 0 "compliance get, human-readable" compliance get
out_has "  names the reference's parameters" "^AdapterType: +$"
out_has "  with booleans as yes/no" "^CreateFileAttachmentsManifest: +no$"
expect 0 "compliance status on a fresh database" --json compliance status
json_is "  no lease, no run, no backlog, no error" '.enabled == false and
  .lease == {"node": null, "expires": null, "held": false} and .last_run == null and
  .backlog == 0 and .pending_batch == null and .last_event_id == 0 and
  .last_error == null and .run_requested == null'
expect 0 "compliance status, human-readable" compliance status
out_has "  nested members as key.member" "^lease.held: +no$"
out_has "  aligned with the others" "^backlog: +0$"
post "not archived"
sql_is "compliance off: a post records no event" "SELECT COUNT(*) FROM compliance_events" 0

# ---- compliance set: refusals (each changes nothing)
defaults=$(config_row)
rev=$(revision)
fails 1 "AdapterType XML needs an AdapterOutputDirectory" "an adapter without a directory is refused" \
  compliance set --adapter-type XML
fails 1 "needs an AdapterOutputDirectory" "  and the rest of that change is rolled back" \
  compliance set --adapter-type XML --adapter-name Kept --run-interval 120
sql_is "  (nothing of it stored)" "SELECT CONCAT(adapter_name, '|', run_interval_sec) FROM compliance_config" "|900"
fails 1 '"AdapterType" must be "", XML or Actiance' "an unknown adapter type is refused" \
  compliance set --adapter-type CSV --output-directory /var/lib/pchat/compliance
fails 1 '"AdapterOutputDirectory" must be an absolute path' "a relative output directory is refused" \
  compliance set --output-directory var/compliance
fails 1 '"CustomConfiguration" must be an absolute path' "a relative XSLT file is refused" \
  compliance set --custom-configuration actiance.xslt
fails 1 '"RunInterval" must be an integer from 60 to 2592000' "RunInterval 59 s is refused" \
  compliance set --run-interval 59
fails 1 '"RunInterval" must be an integer from 60 to 2592000' "RunInterval 2592001 s is refused" \
  compliance set --RunInterval 2592001
fails 1 '"RunInterval" must be an integer from 60 to 2592000' "RunInterval 30.00:00:01 is refused" \
  compliance set --run-interval 30.00:00:01
fails 1 '"RunInterval" must be an integer from 60 to 2592000' "RunInterval 31d is refused" \
  compliance set --run-interval 31d
fails 1 "nothing to set: give one of AdapterType, .*CustomConfiguration" "compliance set without settings is refused" \
  compliance set
fails 1 'unknown field "Enabled"' "Enabled is not a setting (AdapterType is)" \
  call compliance.set '{"Enabled": true}'
fails 1 '"AdapterName" is longer than 256 bytes' "an adapter name over 256 bytes is refused" \
  call compliance.set "{\"AdapterName\": \"$(printf 'n%.0s' $(seq 257))\"}"
fails 1 '"AddUserDetails" must be true or false' "a boolean must be a JSON boolean" \
  call compliance.set '{"AddUserDetails": "yes"}'
fails 1 '"RunInterval" must be an integer' "RunInterval must be a number of seconds in JSON" \
  call compliance.set '{"RunInterval": "00:15:00"}'
fails 1 "compliance.set is for the administrator only" "users may not change compliance" \
  "${AS_ALICE[@]}" compliance set --adapter-name x
fails 1 "compliance.get is for the administrator only" "users may not read it either" \
  "${AS_ALICE[@]}" compliance get
fails 1 "compliance.status is for the administrator only" "nor its status" \
  "${AS_ALICE[@]}" compliance status
for bad in 15x 15mm -60 1.5h 00:60:00 24:00:00 00:15:00.5 00:15: :15:00 1.2.00:00:00 ""; do
  fails 2 "--run-interval takes a duration .*not \"$bad\"" "--run-interval \"$bad\" is a usage error" \
    compliance set --run-interval "$bad"
done
fails 2 "--adapter-type needs a value" "an option without value is a usage error" compliance set --adapter-type
if [ "$(config_row)" = "$defaults" ]; then ok "no refused change stored anything"
else not_ok "no refused change stored anything ($(config_row))"; fi
sql_is "  nor bumped the revision" "SELECT value FROM server_config WHERE name='revision'" "$rev"

# ---- compliance set: every parameter, and back with get
expect 0 "compliance set every parameter" --json compliance set --adapter-type xml \
  --adapter-name "Archive" --output-directory /var/lib/pchat/compliance --run-interval 15m \
  --one-chat-room-per-output-file yes --add-chat-room-details yes --add-user-details yes \
  --create-file-attachments-manifest yes --custom-configuration /etc/pchat/actiance.xslt
all_set='{"Enabled": true, "AdapterType": "XML", "AdapterName": "Archive",
  "AdapterOutputDirectory": "/var/lib/pchat/compliance", "RunInterval": 900,
  "OneChatRoomPerOutputFile": true, "AddChatRoomDetails": true, "AddUserDetails": true,
  "CreateFileAttachmentsManifest": true, "CustomConfiguration": "/etc/pchat/actiance.xslt"}'
json_is "  the result has them all (AdapterType in its canonical spelling)" ". == $all_set"
stored=$(config_row)
if [ "$stored" = "XML|Archive|/var/lib/pchat/compliance|900|1|1|1|1|/etc/pchat/actiance.xslt" ]
then ok "  stored in compliance_config's columns"
else not_ok "  stored in compliance_config's columns ($stored)"; fi
expect 0 "compliance get gives them back" --json compliance get
json_is "  unchanged" ". == $all_set"
expect 0 "compliance set by the reference's names" --json compliance set --AdapterType ACTIANCE \
  --AdapterName Smarsh --AdapterOutputDirectory /srv/out --RunInterval 1h \
  --OneChatRoomPerOutputFile no --AddChatRoomDetails no --AddUserDetails no \
  --CreateFileAttachmentsManifest no --CustomConfiguration ""
json_is "  every one changed" '. == {"Enabled": true, "AdapterType": "Actiance",
  "AdapterName": "Smarsh", "AdapterOutputDirectory": "/srv/out", "RunInterval": 3600,
  "OneChatRoomPerOutputFile": false, "AddChatRoomDetails": false, "AddUserDetails": false,
  "CreateFileAttachmentsManifest": false, "CustomConfiguration": ""}'
expect 0 "compliance set one parameter leaves the others" --json compliance set --add-user-details yes
json_is "  as they were" '.AdapterType == "Actiance" and .RunInterval == 3600 and .AddUserDetails == true
  and .AddChatRoomDetails == false'
expect 0 "compliance set, human-readable" compliance set --adapter-name "Smarsh export"
out_has "  aligned key: value lines" "^AdapterName: +Smarsh export$"
out_has "  Enabled first" "^Enabled: +yes$"
fails 1 "AdapterType Actiance needs an AdapterOutputDirectory" \
  "clearing the directory of an adapter that is on is refused" compliance set --output-directory ""
# RunInterval: seconds, Ns/Nm/Nh/Nd, and the reference's TimeSpan [d.]hh:mm[:ss]
for c in "60 60" "2592000 2592000" "90s 90" "15m 900" "2h 7200" "1d 86400" "30d 2592000" \
  "00:01:00 60" "00:15:00 900" "1:02:03 3723" "01:30 5400" "1.00:00:00 86400" \
  "30.00:00:00 2592000" "2.12:30:15 217815"; do
  in=${c% *} want=${c#* }
  expect 0 "--run-interval $in" --json compliance set --run-interval "$in"
  json_is "  is $want s" ".RunInterval == $want"
done

# ---- status: backlog, pending batch, last run, last error
post "archived"
sql_is "compliance on: the post recorded a CHAT event" \
  "SELECT CONCAT_WS('|', event_type, room_name, user_uri, content, msg_id = (SELECT MAX(id) FROM messages)) FROM compliance_events" \
  "CHAT|Lobby|sip:alice@example.com|archived|1"
expect 0 "compliance status counts the backlog" --json compliance status
json_is "  one event, enabled, still no lease" '.enabled == true and .backlog == 1 and
  .lease.held == false and .pending_batch == null'
sql "UPDATE compliance_state SET claimed_batch = 3, done_batch = 2, last_event_id = 41,
  active_node = 'node-a', lease_expires = NOW(3) - INTERVAL 1 SECOND,
  last_run_at = '2024-05-01 12:00:00.250', last_run_events = 7, last_run_files = 2,
  last_run_ms = 35, last_error = 'cannot write /srv/out: disk full',
  last_error_at = '2024-05-01 12:15:00'"
expect 0 "compliance status of an interrupted batch" --json compliance status
json_is "  pending batch, last run, last error, a lapsed lease" '.pending_batch == 3 and
  .last_event_id == 41 and
  .last_run == {"at": "2024-05-01T12:00:00.250Z", "events": 7, "files": 2, "ms": 35} and
  .last_error == {"message": "cannot write /srv/out: disk full", "at": "2024-05-01T12:15:00.000Z"} and
  .lease.node == "node-a" and .lease.held == false and (.lease.expires | endswith("Z"))'
sql "UPDATE compliance_state SET done_batch = 3, last_error = '', last_error_at = NULL"
expect 0 "compliance status after the batch is done" --json compliance status
json_is "  no pending batch, no error" '.pending_batch == null and .last_error == null'

# ---- run
fails 1 "no pchat-compliance holds the lease: is it running\?" "run with a lapsed lease: 503" \
  compliance run
sql "UPDATE compliance_state SET active_node = NULL, lease_expires = NULL"
fails 1 "no pchat-compliance holds the lease: is it running\?" "run with no daemon at all: 503" \
  compliance run --wait 0
sql_is "  and nothing is requested" "SELECT COUNT(*) FROM compliance_state WHERE run_requested IS NOT NULL" 0
fails 1 "compliance.run is for the administrator only" "users may not run it (nor block pchatd's admin worker)" \
  "${AS_ALICE[@]}" compliance run --wait 0
fails 1 '"wait" must be an integer from 0 to 3600' "--wait over an hour is refused" \
  compliance run --wait 2h
fails 2 "--wait takes a duration" "--wait takes a duration" compliance run --wait soon

hold_lease() {
  sql "UPDATE compliance_state SET active_node = 't', lease_expires = NOW(3) + INTERVAL 30 SECOND"
}
hold_lease
expect 0 "run --wait 0 only requests" --json compliance run --wait 0
json_is "  and returns the status with the request" '.run_requested != null and .lease.held == true
  and .lease.node == "t" and .backlog == 1'
sql_is "  run_requested is set" "SELECT COUNT(*) FROM compliance_state WHERE run_requested > NOW(3) - INTERVAL 1 MINUTE" 1
start=$(date +%s%N)
fails 1 "pchat-compliance \(t\) has not finished the run requested at .* within 1 s" \
  "run --wait 1 with a daemon that does not run: 504 after the wait" compliance run --wait 1
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -ge 1000 ] && [ "$ms" -lt 5000 ]; then ok "  after 1 s ($ms ms)"; else not_ok "  after 1 s ($ms ms)"; fi

# The daemon's part: hold the lease, and once a run is requested, output the backlog
# (here: delete it) and record the run.  It waits 0.5 s first so that the CLI polls.
fake_daemon() {
  local _
  for _ in $(seq 150); do
    hold_lease
    if [ "$(sql "SELECT run_requested IS NOT NULL FROM compliance_state")" = 1 ]; then
      sleep 0.5
      sql "UPDATE compliance_state SET last_event_id = (SELECT MAX(id) FROM compliance_events),
          last_run_events = (SELECT COUNT(*) FROM compliance_events), last_run_files = 1,
          last_run_ms = 12, last_run_at = NOW(3), run_requested = NULL;
        DELETE FROM compliance_events"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
sql "UPDATE compliance_state SET run_requested = NULL, last_run_at = NULL"
last_id=$(sql "SELECT MAX(id) FROM compliance_events")
fake_daemon &
daemon=$!
expect 0 "run waits for the daemon's run" --json compliance run --wait 20
json_is "  and returns the status after it" '.backlog == 0 and .last_run.events == 1 and
  .last_run.files == 1 and .last_run.ms == 12 and .last_run.at != null and
  .last_event_id == '"$last_id"' and .run_requested == null'
if wait "$daemon"; then ok "  the daemon saw the request"; else not_ok "  the daemon saw the request"; fi
sql_is "  the run is after the request" "SELECT last_run_at > NOW(3) - INTERVAL 1 MINUTE FROM compliance_state" 1

# ---- off again: run refused, nothing recorded
expect 0 "compliance off" --json compliance set --adapter-type ""
json_is "  Enabled false, the rest kept" '.Enabled == false and .AdapterOutputDirectory == "/srv/out"'
fails 1 "compliance is off" "run while off: refused (409)" compliance run --wait 0
post "not archived either"
sql_is "compliance off again: a post records no event" "SELECT COUNT(*) FROM compliance_events" 0
expect 0 "a directory may be cleared while off" compliance set --output-directory ""
