# The HTTP checks both smoke tests run: exact bodies on the real paths, a POST seen by a
# GET, 400/404/405/415, the catch-all and x-request-id. Source it, set `base`, call
# run_checks; `failures` counts what failed.
failures=0

# check METHOD PATH STATUS EXPECTED [curl args...]; STATUS may be a glob (20[01]);
# EXPECTED is =exact body, ^prefix, or ~substring.
check() {
  local method=$1 path=$2 status=$3 expected=$4
  shift 4
  local out
  # A timeout or refused connection is a failed check (status 000), not the end of the run.
  out=$(curl -s -X "$method" -w '\n%{http_code}' --max-time 120 "$@" "$base$path") || true
  local got_status=${out##*$'\n'} got_body=${out%$'\n'*} text=${expected:1} body_ok=no
  case "${expected:0:1}" in
    '=') [[ "$got_body" == "$text" ]] && body_ok=yes ;;
    '^') [[ "$got_body" == "$text"* ]] && body_ok=yes ;;
    '~') [[ "$got_body" == *"$text"* ]] && body_ok=yes ;;
  esac
  # shellcheck disable=SC2053 # the status is a glob on purpose
  if [[ $got_status != $status || $body_ok != yes ]]; then
    echo "FAIL $method $path: got $got_status $got_body"
    echo "     expected $status $expected"
    failures=$((failures + 1))
  else
    echo "ok   $method $path -> $got_status"
  fi
}

run_checks() {
# The seed interaction mapped for analytics, byte for byte (one file for every test that checks it).
full=$(<"$(dirname "${BASH_SOURCE[0]}")/../contract/fixtures/full-interaction-seed.json")
check GET /v3/interactions/full/210614222408193_ACD_00001 200 "=$full"
check GET /v3/interactions/210614222408193_ACD_00001 200 '^{"idInteraccion":"210614222408193_ACD_00001",'
check GET /v3/campaigns/002 200 '^{"idCampania":2,"Nombre":"ChatBot",'
check GET /v3/agents/8 200 '~,"Costo":0,"Legajo":null,'
check GET /v3/parameters/incoming/812 200 '^[{"ParametroTareaEntrada_idTarea":812,"ParametroTareaEntrada_NombreParametro":"Celular",'
check GET /v3/parameters/outgoing/2147483646 200 '=[]'
check GET /v3/agents/abc 400 '^{"type":"about:blank","title":"Bad Request","status":400,'
check GET "/v3/interactions/%27abc" 400 '^{"type":"about:blank","title":"Bad Request",'

value="smoke-$(date +%s%N)"
check POST /v3/parameters/outgoing '20[01]' '=ok' -H 'content-type: application/json' -d "{\"task_id\":999999,\"key\":\"smoke\",\"value\":\"$value\"}"
check GET /v3/parameters/outgoing/999999 200 "=[{\"ParametroTareaSalida_idTarea\":999999,\"ParametroTareaSalida_NombreParametro\":\"smoke\",\"ParametroTareaSalida_Valor\":\"$value\"}]"
check POST /v3/parameters/outgoing 415 '~"status":415' -H 'content-type: text/plain' -d 'x'

check GET /v3/agents/8/ 404 '={"type":"about:blank","title":"Not Found","status":404,"detail":"no route matches GET /v3/agents/8/"}'
check GET /V3/agents/8 404 '~"status":404'
check GET /nothing/here 404 '~"status":404'
check GET / 404 '~"status":404'
check DELETE /v3/agents/8 405 '~"status":405'
check GET /v3/parameters/outgoing 405 '~"status":405'

headers=$(curl -s -D - -o /dev/null -H 'x-request-id: smoke-123' "$base/v3/nothing")
grep -qi '^x-request-id: smoke-123' <<<"$headers" || { echo "FAIL x-request-id not echoed on the catch-all"; failures=$((failures + 1)); }
grep -qi '^content-type: application/problem+json' <<<"$headers" || { echo "FAIL catch-all content type"; failures=$((failures + 1)); }

etag=$(curl -s -D - -o /dev/null "$base/v3/agents/8" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check GET /v3/agents/8 304 '=' -H "if-none-match: $etag"
big=$(mktemp)
head -c 1100000 /dev/zero | tr '\0' ' ' >"$big"
check POST /v3/parameters/outgoing 413 '~"status":413' -H 'content-type: application/json' --data-binary "@$big"
rm -f "$big"
}
