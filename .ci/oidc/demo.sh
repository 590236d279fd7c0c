#!/usr/bin/env bash
# Headless Authorization Code + PKCE flow against .ci/oidc/provider.mjs, with curl only:
# OP=http://127.0.0.1:9090 bash .ci/oidc/demo.sh   (needs curl, openssl, python3)
set -euo pipefail
OP=${OP:-http://127.0.0.1:9090}
RP=http://127.0.0.1:8080/auth/callback
JAR=$(mktemp)
VERIFIER=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -binary -sha256 | base64 | tr '+/' '-_' | tr -d '=')
STATE=st-$RANDOM$RANDOM NONCE=n-$RANDOM$RANDOM

echo "## 1. authorization request"
LOC=$(curl -s -o /dev/null -c "$JAR" -b "$JAR" -w '%{redirect_url}' -G "$OP/auth" \
  --data-urlencode client_id=yagona --data-urlencode response_type=code \
  --data-urlencode "scope=openid profile email phone pinfl legal" \
  --data-urlencode "redirect_uri=$RP" --data-urlencode "state=$STATE" --data-urlencode "nonce=$NONCE" \
  --data-urlencode "code_challenge=$CHALLENGE" --data-urlencode code_challenge_method=S256 \
  --data-urlencode "acr_values=otp")
echo "-> $LOC"
UID_=${LOC##*/interaction/}

echo "## 2. the sign-in page (a plain form)"
curl -s -b "$JAR" "$OP/interaction/$UID_" | grep -o '<form[^>]*>\|name="[a-z]*" value="[^"]*"' | head -8

echo "## 3. sign in as 'citizen' with acr=otp"
LOC=$(curl -s -o /dev/null -c "$JAR" -b "$JAR" -w '%{redirect_url}' "$OP/interaction/$UID_/login" \
  --data-urlencode account=citizen --data-urlencode acr=otp)
echo "-> $LOC"

echo "## 4. resume -> redirect to the client with the code"
LOC=$(curl -s -o /dev/null -c "$JAR" -b "$JAR" -w '%{redirect_url}' "$LOC")
echo "-> $LOC"
CODE=$(python3 -c 'import sys,urllib.parse as u;q=u.parse_qs(u.urlparse(sys.argv[1]).query);assert q["state"][0]==sys.argv[2];print(q["code"][0])' "$LOC" "$STATE")

echo "## 5. token request (client_secret_basic + code_verifier)"
TOKENS=$(curl -s -u yagona:yagona-secret "$OP/token" --data-urlencode grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$RP" --data-urlencode "code_verifier=$VERIFIER")
echo "$TOKENS" | python3 -m json.tool
IDT=$(echo "$TOKENS" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id_token"])')
AT=$(echo "$TOKENS" | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

echo "## 6. the ID token's header and claims"
python3 - "$IDT" "$NONCE" <<'PY'
import sys, json, base64
def part(s): return json.loads(base64.urlsafe_b64decode(s + '=' * (-len(s) % 4)))
h, p, _ = sys.argv[1].split('.')
print(json.dumps(part(h))); claims = part(p); print(json.dumps(claims, ensure_ascii=False, indent=1))
assert claims['nonce'] == sys.argv[2] and claims['acr'] == 'otp' and claims['pinfl'] == '31505901234567'
PY

echo "## 7. userinfo"
curl -s -H "Authorization: Bearer $AT" "$OP/me" | python3 -m json.tool --no-ensure-ascii

echo "## 8. the same code again is refused"
curl -s -u yagona:yagona-secret "$OP/token" --data-urlencode grant_type=authorization_code \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$RP" --data-urlencode "code_verifier=$VERIFIER"; echo

echo "## 9. RP-initiated logout: GET end_session, then post the confirmation form"
PAGE=$(curl -s -c "$JAR" -b "$JAR" -G "$OP/session/end" --data-urlencode "id_token_hint=$IDT" \
  --data-urlencode "post_logout_redirect_uri=http://127.0.0.1:8080/" --data-urlencode "state=bye")
XSRF=$(echo "$PAGE" | grep -o 'name="xsrf" value="[^"]*"' | sed 's/.*value="//;s/"$//')
echo "xsrf=$XSRF"
LOC=$(curl -s -o /dev/null -c "$JAR" -b "$JAR" -w '%{redirect_url}' "$OP/session/end/confirm" \
  --data-urlencode "xsrf=$XSRF" --data-urlencode logout=yes)
echo "-> $LOC"
rm -f "$JAR"
