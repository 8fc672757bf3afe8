"""Shared by the wrk benchmarks (bench/chat.sh, bench/kakao.sh): Kakao skill payloads, wrk Lua
scripts that hand out pre-formatted requests, and reading wrk's --latency report."""
import json
import re


def kakao(i, utterance, lang="ko"):
    """A Kakao i Open Builder skill request for one utterance, as user u{i}."""
    return json.dumps({
        "intent": {"id": "i", "name": "skill"},
        "userRequest": {"timezone": "Asia/Seoul", "utterance": utterance, "lang": lang,
                        "user": {"id": f"u{i}", "type": "botUserKey"}},
        "bot": {"id": "b", "name": "soundalike"},
        "action": {"params": {}, "detailParams": {}},
        "contexts": [],
    }, ensure_ascii=False)


def script(bodies, method, path):
    """A wrk script sending `bodies` round robin. Requests are formatted once in init();
    request() only hands them out, so the load generator spends the same per request on every
    endpoint, /healthz included."""
    return f"""local bodies = {{{",".join(json.dumps(b, ensure_ascii=False) for b in bodies)}}}
local requests = {{}}
local i = 0
init = function(args)
  for n, body in ipairs(bodies) do
    requests[n] = wrk.format("{method}", "{path}", {{["Content-Type"] = "application/json"}}, body)
  end
end
request = function()
  i = i + 1
  return requests[(i % #requests) + 1]
end
"""


def write_scripts(work, scripts):
    """Write each named script to WORK/NAME.lua."""
    for name, text in scripts.items():
        with open(f"{work}/{name}.lua", "w", encoding="utf-8") as out:
            out.write(text)


def parse(path):
    """requests/s, p50 ms, p99 ms and non-2xx count of one `wrk --latency` report."""
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0
