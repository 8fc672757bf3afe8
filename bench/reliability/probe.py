"""The reliability probes against a running server (bench/reliability/run.sh starts one)."""
import argparse, json, os, random, re, resource, socket, statistics, string, subprocess, threading, time
import urllib.parse
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--pid", type=int, required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--soak-minutes", type=float, default=0)
args = ap.parse_args()
base = f"http://127.0.0.1:{args.port}"


def payload(utterance):
    return json.dumps({"userRequest": {"utterance": utterance, "lang": "ko", "user": {"id": "u"}},
                       "bot": {"id": "b"}}, ensure_ascii=False).encode()


def timed(method, path, body=None):
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return (time.perf_counter() - started) * 1000, status


def series(method, path, body=None, n=30):
    runs = [timed(method, path, body) for _ in range(n)]
    ms = sorted(t for t, _ in runs)
    return statistics.median(ms), ms[-1], sorted({s for _, s in runs})


random.seed(7)
letters = string.ascii_lowercase + "가나다라마바사"
worst_name = "".join(random.choice(letters) for _ in range(499))
inputs = {
    "60 KB Kakao utterance": ("POST", "/kakao/skill", payload("Coldplay " * 6667)),
    "60 KB Kakao utterance, one word": ("POST", "/kakao/skill", payload("x" * 60000)),
    "499-char unknown name (longest read)": ("POST", "/kakao/skill", payload(worst_name)),
    "q of 30,000 chars": ("GET", "/api/v1/artists?q=" + "a" * 30000, None),
    "q of 200 chars (longest read)": ("GET", "/api/v1/artists?q=" + urllib.parse.quote(worst_name[:200]), None),
    "typo (Colplay)": ("POST", "/kakao/skill", payload("Colplay")),
}
health = series("GET", "/healthz")
print(f"{'input':<40}{'median ms':>10}{'max ms':>10}{'x healthz':>11}  status")
print(f"{'/healthz (baseline)':<40}{health[0]:>10.2f}{health[1]:>10.2f}{1:>11.1f}  {health[2]}")
for name, (method, path, body) in inputs.items():
    s = series(method, path, body)
    print(f"{name:<40}{s[0]:>10.2f}{s[1]:>10.2f}{s[0] / health[0]:>11.1f}  {s[2]}")


def wrk_p99(path_seconds=10, connections=4):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{path_seconds}s", "--latency",
                          base + "/healthz"], capture_output=True, text=True).stdout
    m = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)], rps


print("\n/healthz under 2 concurrent slow inputs (wrk -c4 10 s each, alternating, 3 pairs)")
stop = threading.Event()


def hammer(body):
    while not stop.is_set():
        timed("POST", "/kakao/skill", body)


quiet, loaded = [], []
for _ in range(3):
    quiet.append(wrk_p99())
    stop.clear()
    threads = [threading.Thread(target=hammer, args=(b,)) for b in
               (payload("Coldplay " * 6667), payload(worst_name))]
    for t in threads:
        t.start()
    loaded.append(wrk_p99())
    stop.set()
    for t in threads:
        t.join()
for (qp, qr), (lp, lr) in zip(quiet, loaded):
    print(f"  quiet p99 {qp:.3f} ms ({qr:.0f} req/s)   with 2 slow clients p99 {lp:.3f} ms ({lr:.0f} req/s)   ratio {lp / qp:.2f}")
print(f"  median p99 ratio {statistics.median(l[0] / q[0] for q, l in zip(quiet, loaded)):.2f}")


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
# 20,000, or as many as this process's file limit allows (keeping room for the probe's own files).
idle_target = min(20000, min(hard, 65536) - 512)
print(f"\n{idle_target:,} idle connections")
idle = []
started = time.perf_counter()
for _ in range(idle_target):
    s = socket.socket()
    s.setblocking(True)
    s.connect(("127.0.0.1", args.port))
    idle.append(s)
print(f"  opened in {time.perf_counter() - started:.1f} s")
time.sleep(1)
during = [timed("GET", "/healthz")[0] for _ in range(10)]
print(f"  /healthz while they are open: median {statistics.median(during):.2f} ms, max {max(during):.2f} ms")
time.sleep(11)
closed = 0
for s in idle:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
    s.close()
print(f"  closed by the server after the header timeout (10 s): {closed} of {len(idle)}")


print("\n/metrics and made-up methods")
def metrics_series():
    with urllib.request.urlopen(base + "/metrics") as r:
        body = r.read()
    return len(body), sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
def made_up_methods(start, count):
    for i in range(start, start + count):
        s = socket.create_connection(("127.0.0.1", args.port))
        s.sendall(f"MADEUP{i}{'X' * 1000} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        while s.recv(65536):
            pass
        s.close()
for _ in range(3):
    timed("GET", "/healthz")
before = metrics_series()
made_up_methods(0, 1000)
after = metrics_series()
made_up_methods(1000, 1000)
again = metrics_series()
# The first made-up method adds the "other" series once; after that nothing may grow.
print(f"  /metrics {before[0]} bytes, {before[1]} series before; {after[0]} bytes, {after[1]} series "
      f"after 1,000 made-up methods; {again[0]} bytes, {again[1]} series after 1,000 more")


def rss_kb():
    with open(f"/proc/{args.pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


print(f"\nserver RSS now {rss_kb() / 1024:.1f} MiB")
if args.soak_minutes > 0:
    print(f"\nsoak: wrk -c64 on /kakao/skill ({args.soak_minutes:.0f} min, mixed utterances), RSS each minute")
    lua = os.path.join(args.work, "soak.lua")
    names = ["Coldplay", "콜드플레이 비슷한 노래", "BTS", "Colplay", "songs like Daft Punk", "아이유 같은 노래"]
    with open(lua, "w", encoding="utf-8") as f:
        f.write("local i = 0\nrequest = function()\n  i = i + 1\n")
        f.write("  local names = {" + ",".join(json.dumps(n, ensure_ascii=False) for n in names) + "}\n")
        f.write("  local u = names[(i % #names) + 1] .. ' ' .. tostring(i % 50000)\n")
        f.write("  return wrk.format('POST', '/kakao/skill', {['Content-Type']='application/json'}, "
                "'{\"userRequest\":{\"utterance\":\"' .. u .. '\",\"lang\":\"ko\"},\"bot\":{\"id\":\"b\"}}')\nend\n")
    proc = subprocess.Popen(["wrk", "-t2", "-c64", f"-d{int(args.soak_minutes * 60)}s", "--latency", "-s", lua,
                             base], stdout=subprocess.PIPE, text=True)
    samples = []
    for minute in range(int(args.soak_minutes) + 1):
        samples.append(rss_kb())
        print(f"  minute {minute:>2}: RSS {samples[-1] / 1024:.1f} MiB", flush=True)
        if minute < args.soak_minutes:
            time.sleep(60)
    out = proc.communicate()[0]
    print("  " + "\n  ".join(l for l in out.splitlines() if "Requests/sec" in l or "99%" in l or "Non-2xx" in l or "errors" in l))
    half = len(samples) // 2
    print(f"  RSS second half vs first half (medians): {statistics.median(samples[half:]) / statistics.median(samples[:half]):.3f}")
