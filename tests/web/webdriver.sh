# tests/web/webdriver.sh: a small W3C WebDriver client in shell (curl + jq) for
# tests/web/run.sh, which sources it.  Needs WD_URL (the ChromeDriver base URL);
# wd_session_new sets WD_SESSION.  Every call is bounded in time (curl --max-time,
# waits with a deadline); a WebDriver error makes the call fail with its message.
# Elements are found with CSS selectors.

WD_TIMEOUT=${WD_TIMEOUT:-10}   # seconds a wd_wait_* call waits by default
WD_ELEMENT_KEY="element-6066-11e4-a52e-4f735466cecf"

# wd_call METHOD PATH [JSON]: prints the response's "value"; fails on a WebDriver error.
wd_call() {
  local method="$1" path="$2" body="${3:-}" out
  local args=(-s --max-time 60 -X "$method" -H 'Content-Type: application/json')
  if [ -n "$body" ]; then args+=(--data-binary "$body"); fi
  out=$(curl "${args[@]}" "$WD_URL$path") || { echo "webdriver: $method $path: no answer" >&2; return 1; }
  if jq -e '.value | type == "object" and has("error")' <<<"$out" >/dev/null 2>&1; then
    echo "webdriver: $method $path: $(jq -r '.value.error + ": " + (.value.message | split("\n")[0])' <<<"$out")" >&2
    return 1
  fi
  jq -c '.value' <<<"$out"
}

# wd_session_new ARG...: a Chromium session with these command-line arguments.
wd_session_new() {
  local caps
  caps=$(jq -nc --arg bin "${CHROMIUM:-/usr/bin/chromium}" --argjson a "$(wd_json_array "$@")" \
    '{capabilities: {alwaysMatch: {browserName: "chrome",
      "goog:chromeOptions": {binary: $bin, args: $a}}}}')
  WD_SESSION=$(wd_call POST /session "$caps" | jq -r '.sessionId') || return 1
  [ -n "$WD_SESSION" ] && [ "$WD_SESSION" != null ]
}

wd_session_end() {
  [ -n "${WD_SESSION:-}" ] || return 0
  wd_call DELETE "/session/$WD_SESSION" >/dev/null || true
  WD_SESSION=
}

wd_s() { wd_call "$1" "/session/$WD_SESSION$2" "${3:-}"; }

wd_go() { wd_s POST /url "$(jq -nc --arg u "$1" '{url: $u}')" >/dev/null; }

# wd_find CSS: the id of the first element matching CSS (fails if there is none).
wd_find() {
  wd_s POST /element "$(jq -nc --arg v "$1" '{using: "css selector", value: $v}')" \
    | jq -r --arg k "$WD_ELEMENT_KEY" '.[$k]'
}

# wd_count CSS: how many elements match CSS.
wd_count() {
  wd_s POST /elements "$(jq -nc --arg v "$1" '{using: "css selector", value: $v}')" | jq 'length'
}

wd_click() { local e; e=$(wd_find "$1") && wd_s POST "/element/$e/click" '{}' >/dev/null; }

# wd_type CSS TEXT: replaces the field's content with TEXT.
wd_type() {
  local e
  e=$(wd_find "$1") || return 1
  wd_s POST "/element/$e/clear" '{}' >/dev/null || return 1
  wd_s POST "/element/$e/value" "$(jq -nc --arg t "$2" '{text: $t}')" >/dev/null
}

wd_text() { local e; e=$(wd_find "$1") && wd_s GET "/element/$e/text" | jq -r '.'; }

wd_displayed() { local e; e=$(wd_find "$1") && wd_s GET "/element/$e/displayed" | jq -e '.' >/dev/null; }

# wd_select CSS VALUE: picks the option with that value in the <select> CSS.
wd_select() { wd_click "$1 option[value=\"$2\"]"; }

# wd_js SCRIPT [ARG...]: runs SCRIPT (a function body; arguments[0]...) in the page.
wd_js() {
  local script="$1"
  shift
  wd_s POST /execute/sync "$(jq -nc --arg s "$script" --argjson a "$(wd_json_array "$@")" \
    '{script: $s, args: $a}')"
}

# wd_json_array ARG...: the arguments as a JSON array of strings (jq 1.6 takes
# "--headless" after --args for one of its own options).
wd_json_array() {
  if [ $# -eq 0 ]; then echo '[]'; return; fi
  printf '%s\n' "$@" | jq -R . | jq -sc .
}

# wd_until SECONDS WHAT COMMAND...: retries COMMAND every 0.2 s until it succeeds or
# SECONDS pass; then says what it was waiting for and fails.
wd_until() {
  local secs="$1" what="$2" end
  shift 2
  end=$((SECONDS + secs))
  while [ "$SECONDS" -le "$end" ]; do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "webdriver: timed out after ${secs}s waiting for $what" >&2
  return 1
}

wd_has_text() { local t; t=$(wd_text "$1") && [[ "$t" == *"$2"* ]]; }
wd_absent() { [ "$(wd_count "$1")" = 0 ]; }

# wd_wait_visible CSS / wd_wait_text CSS TEXT / wd_wait_gone CSS: waits WD_TIMEOUT seconds.
wd_wait_visible() { wd_until "$WD_TIMEOUT" "$1 to be shown" wd_displayed "$1"; }
wd_wait_text() { wd_until "$WD_TIMEOUT" "'$2' in $1" wd_has_text "$1" "$2"; }
wd_wait_gone() { wd_until "$WD_TIMEOUT" "$1 to go away" wd_absent "$1"; }

# wd_screenshot FILE: saves the page as PNG.
wd_screenshot() { wd_s GET /screenshot | jq -r '.' | base64 -d >"$1"; }
