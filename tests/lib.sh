# tests/lib.sh: shell code shared by the suites under tests/ (e2e, sipe, web, fault, ...),
# which source it after setting top (the source tree) and var (the stack's directory).

# free_port FALLBACK: a loopback port free for both TCP and UDP (Kamailio listens on
# both), or FALLBACK if python3 cannot tell.
free_port() {
  python3 - <<'PY' 2>/dev/null || echo "$1"
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.bind(("127.0.0.1", p)); print(p)
finally:
    u.close()
PY
}

# pool_ports: "PORT BASE" for scripts/pool.sh (the pool suite, bench scenario p): a SIP
# port free for TCP and UDP on the front's and the three chat nodes' addresses
# (127.0.0.1-4), and a Galera base with BASE+10..BASE+33 free on 127.0.0.1.
pool_ports() {
  python3 - <<'PY'
import random, socket
def free(addr, p, udp=True):
    kinds = [socket.SOCK_STREAM] + ([socket.SOCK_DGRAM] if udp else [])
    for k in kinds:
        s = socket.socket(socket.AF_INET, k)
        try:
            s.bind((addr, p))
        except OSError:
            return False
        finally:
            s.close()
    return True
while True:
    p = random.randint(20000, 40000)
    if all(free("127.0.0.%d" % i, p) for i in range(1, 5)):
        break
while True:
    b = random.randint(40000, 60000) // 10 * 10
    if all(free("127.0.0.1", b + 10 * n + k, False) for n in (1, 2, 3) for k in range(4)):
        break
print(p, b)
PY
}

# stack_init PORT: sets the array stack (the scripts/stack.sh command for $var and PORT)
# and stops that stack on exit, whatever happens.
stack_init() {
  stack=("$top/scripts/stack.sh" --var "$var" --port "$1")
  trap stack_cleanup EXIT
}
stack_cleanup() { "${stack[@]}" stop >/dev/null 2>&1 || true; }

# stack_fresh SUITE PORT [NAME=FALLBACK...]: for a suite whose stack listens on more
# than SIP (the web service, the file service, ...): an empty $var, the stack on a free
# loopback port, set in port (stack_init; PORT is the fallback), and each NAME set to
# a free port of its own.  Exits 1 if free_port gave the same port twice.
stack_fresh() {
  # the locals' names are unlike any NAME: printf -v would set a local of the same name
  local _sf_suite=$1 _sf_arg _sf_port _sf_seen
  rm -rf "$var"
  mkdir -p "$var"
  port=$(free_port "$2")
  _sf_seen=" $port "
  shift 2
  for _sf_arg in "$@"; do
    _sf_port=$(free_port "${_sf_arg#*=}")
    case $_sf_seen in *" $_sf_port "*)
      echo "$_sf_suite: free_port gave the same port twice; try again"
      exit 1
      ;;
    esac
    _sf_seen="$_sf_seen$_sf_port "
    printf -v "${_sf_arg%%=*}" '%s' "$_sf_port"
  done
  stack_init "$port"
}

# stack_start SUITE: starts the stack (stack_init); if it does not start, says so with
# the last lines of its logs, and exits 1.
stack_start() {
  "${stack[@]}" start >/dev/null && return 0
  echo "$1: the stack did not start"
  tail_logs 40 backend mariadb kamailio
  exit 1
}

# tail_logs N NAME...: the last N lines of $var/NAME.log for each NAME.
tail_logs() {
  local n=$1 f
  shift
  for f in "$@"; do
    echo "---- last lines of $var/$f.log"
    tail -n "$n" "$var/$f.log" 2>/dev/null || true
  done
}

# sanitizer_report WHO LOG: if pchatd's LOG holds an AddressSanitizer, LeakSanitizer or
# UBSan report (pchatd runs sanitized under make test; the reports appear when it
# exits), prints "WHO: sanitizer report in LOG:" and the first lines, and succeeds.
sanitizer_report() {
  local re="ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:"
  grep -qE "$re" "$2" 2>/dev/null || return 1
  echo "$1: sanitizer report in $2:"
  grep -E -A 20 "$re" "$2" | head -60
}

# need_built SUITE FILE...: exits (saying so) unless every FILE, relative to the
# checkout, is built and executable.
need_built() {
  local suite=$1 f; shift
  for f in "$@"; do
    [ -x "$top/$f" ] || { echo "$suite: $top/$f missing (make build)"; exit 1; }
  done
}
