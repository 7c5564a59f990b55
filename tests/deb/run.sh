#!/usr/bin/env bash
# Install test of the Debian packages (make deb-test; build/deb/ from make deb): a clean
# Debian 12 root made with debootstrap (minbase; the finished root is cached as
# build/deb-test/bookworm-minbase.tar, downloaded packages in build/deb-test/archives,
# so a second run downloads nothing), our three packages installed into it with apt, with systemd
# (which brings Kamailio and MariaDB from the machine's Debian archive), then:
#   (and systemd, for systemd-analyze verify)
#   - every file lands where it should, pchatd --version / --help and pchat-admin --help
#     run, the postinst made the system user pchat, systemd-analyze verify accepts the
#     unit and the Kamailio drop-in inside that root;
#   - the deployment of README.Debian, as it says: MariaDB (in the root, no TCP), the
#     database and the unix_socket user pchat, pchat-db-migrate; pchatd started as user
#     pchat with the ExecStart and Environment of the installed unit; pchatd refuses a
#     socket directory others may write; Kamailio from the package's example
#     configuration, as user pchat, loading the packaged pchat.so; then a real chat post
#     from client/pchat over SIP, signed in with alice's password (the root shares the
#     machine's loopback), stored;
#     Kamailio's /metrics (xhttp_prom) on the cfg's metrics listener;
#   - the units run by systemd: the root booted with systemd-nspawn (private network),
#     where a check service restarts pchatd.service and kamailio.service (Debian's, with
#     our drop-in and the example configuration as /etc/kamailio/pchat.cfg) and reports:
#     both active as user pchat, /run/pchat 0700, the sandbox in force (no new
#     privileges, no capabilities, seccomp), Kamailio connected, pchatd back with a new
#     pid after kill -9 and Kamailio reconnected, a clean systemctl stop; pchatd's
#     readiness (Type=notify: "activating" while MariaDB is down, "active" once it
#     answers, READY=1 sent); pchat-compliance
#     (the unit, as pchat) archiving a chat post into /var/lib/pchat/compliance, active
#     under systemd and back after kill -9.
# Ends with `N passed, M failed`.  Needs root (chroot, mount).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
debs="$top/build/deb"
cache="$top/build/deb-test"
root="$cache/root"
suite=bookworm
. "$top/tests/lib.sh"
var="$cache" # tail_logs

[ "$(id -u)" = 0 ] || { echo "deb-test: needs root"; exit 1; }
version=$(cat "$top/VERSION")
pkgs=()
for p in pchatd pchat-admin kamailio-pchat-module; do
  f="$debs/${p}_${version}_amd64.deb"
  [ -f "$f" ] || { echo "deb-test: $f missing (make deb)"; exit 1; }
  pkgs+=("$f")
done
[ -x "$top/client/pchat" ] || { echo "deb-test: client/pchat missing (make build)"; exit 1; }
if ! command -v debootstrap >/dev/null || ! command -v systemd-nspawn >/dev/null; then
  echo "deb-test: installing debootstrap and systemd-container"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap systemd-container >/dev/null
fi

pids=()
# stop what runs in the root and unmount what the chroot phase mounted there
release() {
  local p m
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
  for m in "$root/var/cache/apt/archives" "$root/proc" "$root/dev/pts" "$root/dev"; do
    if mountpoint -q "$m" 2>/dev/null; then umount -l "$m" || true; fi
  done
}
cleanup() {
  release
  # never follow a mount that survived into the machine's own files
  if [ -d "$root" ] && ! grep -qs " $root/" /proc/mounts; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
mkdir -p "$cache/archives/partial"
cleanup

# the machine's own Debian archive (debian.sources or sources.list): no host is named here
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^'$suite'$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "deb-test: no Debian archive in the machine's apt sources"; exit 1; }

t0=$SECONDS
tarball="$cache/$suite-minbase.tar"
if [ ! -f "$tarball" ]; then
  echo "deb-test: debootstrap $suite (minbase) from the machine's archive, once"
  mkdir -p "$root"
  debootstrap --variant=minbase --cache-dir="$cache/archives" "$suite" "$root" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log"; exit 1; }
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$root"
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
t_root=$((SECONDS - t0))

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
# the machine's sources (with the updates and security suites) instead of debootstrap's
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  rm -f "$root/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
else cp /etc/apt/sources.list "$root/etc/apt/sources.list"; fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# services are not started by maintainer scripts in the root (no init runs there)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/debs"
cp "${pkgs[@]}" "$root/tmp/debs/"
in_root() { chroot "$root" "$@"; }

t1=$SECONDS
echo "deb-test: installing ${pkgs[*]##*/} and mariadb-server into a clean $suite root"
if ! in_root env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb mariadb-server systemd systemd-sysv' \
  >"$cache/install.log" 2>&1; then
  tail -30 "$cache/install.log"; echo "deb-test: apt-get install failed"; exit 1
fi
t_install=$((SECONDS - t1))

pass=0
fail=0
ok() { echo "deb-test: ok   $*"; pass=$((pass + 1)); }
bad() { echo "deb-test: FAIL $*"; fail=$((fail + 1)); }
check() { # check LABEL COMMAND...: ok when the command succeeds
  local label=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$label"; else bad "$label"; fi
}

# files
for f in /usr/sbin/pchatd /usr/sbin/pchat-db-migrate /usr/bin/pchat-admin \
  /usr/lib/x86_64-linux-gnu/kamailio/modules/pchat.so /usr/share/pchat/web/index.html \
  /usr/share/pchat/web/app.js /usr/share/pchat/sql/migrations/001_initial.sql \
  /usr/share/pchat/sql/demo.sql /lib/systemd/system/pchatd.service /etc/default/pchatd \
  /usr/sbin/pchat-compliance /lib/systemd/system/pchat-compliance.service /etc/default/pchat-compliance \
  /usr/share/kamailio-pchat-module/kamailio.cfg /usr/share/kamailio-pchat-module/pchat-auth.cfg \
  /usr/share/kamailio-pchat-module/kamailio.service.d/pchat.conf \
  /usr/share/doc/pchatd/README.Debian; do
  check "installed $f" test -s "$root$f"
done
check "/etc/default/pchatd is a conffile" grep -q "^ /etc/default/pchatd " <(in_root dpkg-query -W -f='${Conffiles}\n' pchatd)
v=$(in_root pchatd --version 2>&1 || true)
if [ "$v" = "pchatd $version" ]; then ok "pchatd --version: $v"; else bad "pchatd --version: '$v'"; fi
check "pchat-compliance --help" bash -c "chroot '$root' pchat-compliance --help 2>&1 | grep -q -- --keep-days"
check "postinst made /var/lib/pchat/compliance (pchat's)" test "$(in_root stat -c %U /var/lib/pchat/compliance)" = pchat
check "pchatd --help" bash -c "chroot '$root' pchatd --help | grep -q -- --db-password-file"
check "pchat-admin --help" bash -c "chroot '$root' pchat-admin --help 2>&1 | grep -q -- --db-socket"
check "pchatd's web root is /usr/share/pchat/web" bash -c "chroot '$root' pchatd --help | grep -q /usr/share/pchat/web"
# the postinst's system user
u=$(in_root getent passwd pchat || true)
IFS=: read -r _ _ uid gid _ home shell <<<"$u"
if [ -n "$u" ] && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/pchat ] && [ "$shell" = /usr/sbin/nologin ]; then
  ok "postinst made the system user pchat ($u)"
else bad "no system user pchat: '$u'"; fi
check "postinst made the group pchat" test "$(in_root getent group pchat | cut -d: -f3)" = "$gid"

# the units, in the root: pchatd.service, and kamailio.service with our drop-in
mkdir -p "$root/etc/systemd/system/kamailio.service.d"
cp "$root/usr/share/kamailio-pchat-module/kamailio.service.d/pchat.conf" "$root/etc/systemd/system/kamailio.service.d/"
if out=$(systemd-analyze verify --root="$root" pchatd.service pchat-compliance.service kamailio.service 2>&1) && [ -z "$out" ]; then
  ok "systemd-analyze verify: pchatd.service, pchat-compliance.service, kamailio.service + drop-in"
else bad "systemd-analyze verify: $out"; fi

# MariaDB in the root, socket only (the machine's port 3306 is not ours)
mkdir -p "$root/run/mysqld" && in_root chown mysql:mysql /run/mysqld
setsid chroot "$root" mariadbd --user=mysql --skip-networking --socket=/run/mysqld/mysqld.sock \
  >"$cache/mariadb.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do in_root mysql -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
# README.Debian's steps
if in_root mysql -e "CREATE DATABASE IF NOT EXISTS pchat CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS pchat@localhost IDENTIFIED VIA unix_socket;
    GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON pchat.* TO pchat@localhost" &&
  in_root pchat-db-migrate pchat >"$cache/migrate.log" 2>&1 &&
  in_root sh -c 'mysql pchat < /usr/share/pchat/sql/demo.sql'; then
  ok "database set up as README.Debian says (migrations: $(grep -c applying "$cache/migrate.log"))"
else bad "database setup failed"; tail -n 5 "$cache/mariadb.log" "$cache/migrate.log"; fi

# pchatd as the unit runs it: User/Group, RuntimeDirectory 0700, ExecStart with its
# Environment defaults (the unit file is the source: a wrong option fails here)
unit="$root/lib/systemd/system/pchatd.service"
env_of() { sed -n "s/^Environment=$1=//p" "$unit"; }
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
exec_start=${exec_start//\$\{PCHATD_SOCKET\}/$(env_of PCHATD_SOCKET)}
exec_start=${exec_start//\$PCHATD_DB/$(env_of PCHATD_DB)}
exec_start=${exec_start//\$PCHATD_OPTS/$(env_of PCHATD_OPTS)}
read -r -a argv <<<"$exec_start"
rundir=$(sed -n 's/^RuntimeDirectory=//p' "$unit")
mode=$(sed -n 's/^RuntimeDirectoryMode=//p' "$unit")
# pchatd refuses a socket directory others may write
mkdir -p "$root/run/$rundir" && chmod 1777 "$root/run/$rundir"
rc=0
out=$(timeout 10 chroot --userspec=pchat:pchat "$root" "${argv[@]}" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && grep -q "writable by group or others" <<<"$out"; then
  ok "pchatd refuses a socket directory others may write (exit $rc)"
else bad "pchatd with /run/$rundir 1777: exit $rc: $out"; fi
in_root chown pchat:pchat "/run/$rundir" && chmod "$mode" "$root/run/$rundir"
setsid chroot --userspec=pchat:pchat "$root" "${argv[@]}" >"$cache/pchatd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "db: connected" "$cache/pchatd.log" && break; sleep 0.1; done
if grep -q "db: connected" "$cache/pchatd.log" && [ -S "$root/run/$rundir/backend.sock" ]; then
  ok "pchatd runs as pchat (${argv[*]}), connected to MariaDB by unix_socket"
else bad "pchatd did not start: $(tail -3 "$cache/pchatd.log")"; fi

# Kamailio as pchat with the package's example configuration (the drop-in's user)
mkdir -p "$root/run/kamailio" && in_root chown pchat:pchat /run/kamailio # its unit's RuntimeDirectory
port=$(free_port 27260)
mport=$(free_port 27261)
setsid chroot --userspec=pchat:pchat "$root" kamailio -DD -E -m 128 \
  -f /usr/share/kamailio-pchat-module/kamailio.cfg -A "SIP_PORT=$port" -A "METRICS_PORT=$mport" \
  >"$cache/kamailio.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 50); do grep -q "module connected" "$cache/pchatd.log" && break; sleep 0.1; done
if grep -q "module connected" "$cache/pchatd.log"; then
  ok "Kamailio (as pchat, the package's kamailio.cfg) loaded pchat.so and connected to pchatd"
else bad "Kamailio did not connect: $(tail -5 "$cache/kamailio.log")"; fi
# its Prometheus metrics (xhttp_prom, Debian's kamailio package)
# (the page read whole before grep: grep -q leaving early would fail curl's write, and
# pipefail the test; retried while the link processes connect)
metrics_up() { local page; page=$(curl -s --max-time 10 "http://127.0.0.1:$mport/metrics") || return 1
  grep -q '^kamailio_pchat_backend_up 1 ' <<<"$page"; }
for _ in $(seq 50); do metrics_up && break; sleep 0.2; done
if metrics_up; then
  ok "Kamailio serves /metrics on 127.0.0.1:METRICS_PORT (kamailio_pchat_backend_up 1)"
else bad "Kamailio's /metrics on port $mport: no kamailio_pchat_backend_up 1"; fi

# compliance on, as docs/COMPLIANCE.md and README.Debian say (the package's directory)
in_root mysql pchat -e "UPDATE compliance_config SET adapter_type = 'XML',
  output_directory = '/var/lib/pchat/compliance', run_interval_sec = 60 WHERE id = 1"
text="deb-test-$$-$RANDOM"
# (the example configuration authenticates: alice's password, then her commands)
out=$(printf 'alice\n/join Lobby\n%s\n/quit\n' "$text" |
  timeout 20 "$top/client/pchat" --user alice --password-file - --server "127.0.0.1:$port" \
  --linger 1 2>&1) || true
stored=$(in_root mysql -N -B pchat -e "SELECT COUNT(*) FROM messages WHERE body = '$text'" 2>/dev/null || true)
if grep -q "alice@example.com: $text" <<<"$out" && [ "$stored" = 1 ]; then
  ok "a chat post over SIP through the installed packages was delivered and stored"
else bad "chat post: stored=$stored; client: $(tail -3 <<<"$out")"; tail_logs 10 kamailio pchatd; fi

# the post archived by the installed pchat-compliance, as user pchat, with the unit's options
rc=0
cout=$(timeout 30 chroot --userspec=pchat:pchat "$root" pchat-compliance --db-user pchat \
  --db-socket=/run/mysqld/mysqld.sock --node deb-test --once 2>&1) || rc=$?
if [ $rc -eq 0 ] && grep -qs "content=\"$text\"" "$root"/var/lib/pchat/compliance/*.xml; then
  ok "pchat-compliance (as pchat) archived the post into /var/lib/pchat/compliance"
else bad "pchat-compliance --once: exit $rc: $(tail -3 <<<"$cout")"; fi

# SIGTERM, in the order systemd would stop them: pchatd exits 0
for name in kamailio pchatd; do
  p=${pids[$([ $name = kamailio ] && echo 2 || echo 1)]}
  kill -TERM "$p" 2>/dev/null || true
  rc=0
  for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  wait "$p" 2>/dev/null || rc=$?
  [ $name = pchatd ] || continue
  if [ "$rc" -eq 0 ]; then ok "pchatd stopped on SIGTERM (exit 0)"; else bad "pchatd exited $rc on SIGTERM"; fi
done

# ---- the units, run by systemd: the root booted with systemd-nspawn (its own network
# namespace: only its loopback), a check service inside doing README.Debian's steps
# (Kamailio: the example configuration and the drop-in, copied above), then kill -9
# of pchatd; it writes its findings to /root/result and powers the container off.
release
t2=$SECONDS
rm -f "$root/usr/sbin/policy-rc.d" "$root/root/result"
cp "$root/usr/share/kamailio-pchat-module/kamailio.cfg" "$root/etc/kamailio/pchat.cfg"
cp "$root/usr/share/kamailio-pchat-module/pchat-auth.cfg" "$root/etc/kamailio/"
cat >"$root/root/check.sh" <<'CHECK'
#!/bin/sh
exec >/root/result.tmp 2>&1
st() { echo "$1 $(systemctl show "$2" -p "$3" --value)"; }
systemctl restart pchatd kamailio
for i in $(seq 50); do journalctl -u pchatd | grep -q "module connected" && break; sleep 0.2; done
st pchatd-active pchatd ActiveState
st kamailio-active kamailio ActiveState
pid=$(systemctl show pchatd -p MainPID --value)
echo "pchatd-user $(stat -c %U "/proc/$pid")"
echo "kamailio-user $(stat -c %U "/proc/$(systemctl show kamailio -p MainPID --value)")"
echo "rundir $(stat -c '%a %U' /run/pchat)"
echo "socket $(stat -c '%a %U' /run/pchat/backend.sock)"
journalctl -u pchatd | grep -q "db: connected" && echo "db-connected yes"
journalctl -u pchatd | grep -q "module connected" && echo "module-connected yes"
echo "no-new-privs $(grep NoNewPrivs /proc/$pid/status | tr -d '\t')"
echo "capeff $(grep CapEff /proc/$pid/status | tr -d '\t')"
echo "seccomp $(grep '^Seccomp:' /proc/$pid/status | tr -d '\t')"
cpid=$(systemctl show pchat-compliance -p MainPID --value)
st compliance-active pchat-compliance ActiveState
echo "compliance-user $(stat -c %U "/proc/$cpid")"
kill -9 "$cpid"
for i in $(seq 60); do
  n=$(systemctl show pchat-compliance -p MainPID --value)
  [ "$n" != 0 ] && [ "$n" != "$cpid" ] && [ "$(systemctl show pchat-compliance -p ActiveState --value)" = active ] && break
  sleep 0.2
done
st compliance-restarted pchat-compliance ActiveState
before=$(journalctl -u pchatd | grep -c 'module connected')
kill -9 "$pid"
for i in $(seq 50); do
  n=$(systemctl show pchatd -p MainPID --value)
  [ "$n" != 0 ] && [ "$n" != "$pid" ] && [ "$(systemctl show pchatd -p ActiveState --value)" = active ] && break
  sleep 0.2
done
st restarted-active pchatd ActiveState
st restarts pchatd NRestarts
echo "new-pid $( [ "$(systemctl show pchatd -p MainPID --value)" != "$pid" ] && echo yes)"
for i in $(seq 50); do [ "$(journalctl -u pchatd | grep -c 'module connected')" -gt "$before" ] && break; sleep 0.2; done
echo "reconnected $( [ "$(journalctl -u pchatd | grep -c 'module connected')" -gt "$before" ] && echo yes)"
systemctl stop pchatd
st stopped pchatd Result
# readiness (Type=notify): without its database pchatd stays "activating"; it becomes
# "active" only when MariaDB answers (masked meanwhile, so that pchatd's Wants= does
# not start it)
st unit-type pchatd Type
systemctl stop mariadb
systemctl mask --runtime mariadb
systemctl start --no-block pchatd
sleep 3
st without-db pchatd ActiveState
systemctl unmask --runtime mariadb
systemctl start mariadb
for i in $(seq 100); do [ "$(systemctl show pchatd -p ActiveState --value)" = active ] && break; sleep 0.2; done
st with-db pchatd ActiveState
journalctl -u pchatd | grep -q "told systemd (READY=1)" && echo "ready-logged yes"
journalctl -u pchatd -u kamailio | tail -n 15 | sed 's/^/journal: /'
mv /root/result.tmp /root/result
systemctl poweroff
CHECK
chmod +x "$root/root/check.sh"
# the database exists before the units start (README.Debian's step 1, done above)
cat >"$root/etc/systemd/system/pchat-check.service" <<'UNIT'
[Unit]
Description=deb-test checks
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/root/check.sh
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/pchat-check.service "$root/etc/systemd/system/multi-user.target.wants/"
# MariaDB without TCP in there too (its port is not the root's alone to take)
printf '[mysqld]\nskip-networking\n' >"$root/etc/mysql/mariadb.conf.d/99-deb-test.cnf"
timeout 120 systemd-nspawn -q --register=no --keep-unit --private-network -b -D "$root" \
  >"$cache/boot.log" 2>&1 || true
t_boot=$((SECONDS - t2))
res() { sed -n "s/^$1 //p" "$root/root/result" 2>/dev/null | head -1; }
if [ ! -f "$root/root/result" ]; then
  bad "the booted root wrote no result (build/deb-test/boot.log)"; tail -n 20 "$cache/boot.log"
else
  expect() { # expect KEY VALUE LABEL
    if [ "$(res "$1")" = "$2" ]; then ok "systemd: $3"; else bad "systemd: $3: $1 is '$(res "$1")'"; fi
  }
  expect pchatd-active active "pchatd.service active"
  expect pchatd-user pchat "pchatd runs as pchat"
  expect rundir "700 pchat" "RuntimeDirectory /run/pchat is 0700, pchat's"
  expect socket "600 pchat" "the module socket is 0600, pchat's"
  expect db-connected yes "pchatd connected to MariaDB (unix_socket) under its sandbox"
  expect no-new-privs "NoNewPrivs:1" "NoNewPrivileges in force"
  expect capeff "CapEff:0000000000000000" "no capabilities"
  expect seccomp "Seccomp:2" "the system call filter in force"
  expect kamailio-active active "kamailio.service (Debian's, with the drop-in) active"
  expect kamailio-user pchat "Kamailio runs as pchat"
  expect module-connected yes "Kamailio's module connected to pchatd"
  expect restarted-active active "pchatd back after kill -9 (Restart=on-failure)"
  expect restarts 1 "one restart counted"
  expect new-pid yes "with a new pid"
  expect reconnected yes "Kamailio reconnected to the new pchatd"
  expect stopped success "systemctl stop pchatd: a clean stop"
  expect unit-type notify "pchatd.service is Type=notify"
  expect without-db activating "  without its database pchatd is not started (activating)"
  expect with-db active "  started once MariaDB answers"
  expect ready-logged yes "  pchatd sent READY=1"
  expect compliance-active active "pchat-compliance.service active"
  expect compliance-user pchat "pchat-compliance runs as pchat"
  expect compliance-restarted active "pchat-compliance back after kill -9 (Restart=always)"
  if [ "$fail" -ne 0 ]; then grep '^journal:' "$root/root/result"; fi
fi

echo "deb-test: root ready in ${t_root} s, packages installed in ${t_install} s, booted and checked in ${t_boot} s, total $((SECONDS - t0)) s"
echo "deb-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
