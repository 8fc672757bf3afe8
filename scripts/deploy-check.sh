#!/usr/bin/env bash
# The offline check of the AWS stack CI runs (deploy/aws/template.yaml):
# - cfn-lint, and `sam validate` (the SAM transform) plus `sam validate --lint`, each pinned from
#   PyPI in its own venv under ~/.cache/soundalike/tools (installed once, then reused);
# - the template against the code it deploys: the HTTP API routes are the server's ROUTES
#   (without /metrics), the top-tracks table has the key schema crates/tracks-dynamodb creates,
#   every SOUNDALIKE_* variable it sets is one the binary reads (crates/cli/src/cli.rs).
#   (The Glue tables are checked by the lake crate's tests: `cargo test -p soundalike-lake`.)
# No network and no AWS account: region and credentials are placeholders, telemetry is off.
#   scripts/deploy-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$HOME/.cache/soundalike/tools"
cfn_lint_version=1.58.0
sam_version=1.170.0
install() { # name version: a venv with name==version, unless it is there
  local venv="$tools/$1-$2"
  if [ ! -x "$venv/bin/pip" ] || ! "$venv/bin/pip" show --quiet "$1" 2>/dev/null ||
    [ "$("$venv/bin/pip" show "$1" | sed -n 's/^Version: //p')" != "$2" ]; then
    echo "installing $1 $2 into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "$1==$2"
  fi
}
install cfn-lint "$cfn_lint_version"
install aws-sam-cli "$sam_version"
cfn_lint="$tools/cfn-lint-$cfn_lint_version/bin/cfn-lint"
sam="$tools/aws-sam-cli-$sam_version/bin/sam"

export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline \
  SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
template=deploy/aws/template.yaml
echo "cfn-lint $("$cfn_lint" --version | awk '{print $2}'), $("$sam" --version)"
"$cfn_lint" "$template"
"$sam" validate -t "$template"
"$sam" validate --lint -t "$template"

"$tools/cfn-lint-$cfn_lint_version/bin/python" - "$template" <<'PY'
import re, sys
from cfnlint.decode import decode

template, matches = decode(sys.argv[1])
assert not matches, matches
resources = template["Resources"]
failed = []

# Routes: soundalike_server::ROUTES against the chat function's HttpApi events.
source = open("crates/server/src/routes/mod.rs").read()
block = re.search(r"pub const ROUTES[^=]*=\s*\[(.*?)\];", source, re.S).group(1)
routes = set(re.findall(r'\("([A-Z]+)",\s*"([^"]+)"\)', block)) - {("GET", "/metrics")}
events = {
    (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
    for e in resources["ChatFunction"]["Properties"]["Events"].values()
    if e["Type"] == "HttpApi"
}
if not routes or routes != events:
    failed.append(f"routes: only in ROUTES {sorted(routes - events)}, "
                  f"only in the template {sorted(events - routes)}")

# Key schema: what DynamoTracks::create_if_missing creates against the table resource.
source = open("crates/tracks-dynamodb/src/lib.rs").read()
kinds = {"S": "S", "N": "N", "B": "B"}
code_attributes = {
    (name, kinds[kind])
    for name, kind in re.findall(r'attribute\("(\w+)", ScalarAttributeType::(\w)\)', source)
}
code_keys = [
    (name, kind.upper())
    for name, kind in re.findall(r'key\("(\w+)", KeyType::(Hash|Range)\)', source)
]
table = resources["TopTracksTable"]["Properties"]
template_attributes = {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]}
template_keys = [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]]
if not code_keys or code_attributes != template_attributes or code_keys != template_keys:
    failed.append(f"top-tracks key schema: code {sorted(code_attributes)} {code_keys}, "
                  f"template {sorted(template_attributes)} {template_keys}")
if table.get("BillingMode") != "PAY_PER_REQUEST":
    failed.append("top-tracks table: the code creates it on demand (PAY_PER_REQUEST)")

# Settings: every SOUNDALIKE_* variable the template sets is one the binary reads.
source = open("crates/cli/src/cli.rs").read()
known = set(re.findall(r'env = "(SOUNDALIKE_\w+)"', source))
used = set(re.findall(r"\b(SOUNDALIKE_\w+)\b", open(sys.argv[1]).read()))
if not known or used - known:
    failed.append(f"variables the binary does not read: {sorted(used - known)}")

for failure in failed:
    print("deploy/aws/template.yaml:", failure)
print(f"template against the code: {len(routes)} routes, key {template_keys}, "
      f"{len(used)} settings: "
      f"{'FAILED' if failed else 'ok'}")
sys.exit(1 if failed else 0)
PY
