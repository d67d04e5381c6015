"""Storefront throughput benchmark.

Starts the production server (``duken serve``, several worker processes) on the imported demo
catalog and measures, with wrk on loopback, requests/s, p50/p99 latency and the server's CPU
milliseconds per request for: the home page, category pages (rotating over all categories),
product pages (rotating over all products), search (rotating over real product words) and
add-to-cart. Every request comes from a returning visitor with a session and a non-empty cart
who accepted the consent banner, so every view is also recorded in the interaction log and the
personal widgets ("for you", recently viewed) are on the pages — the real path of a customer
who said yes (``--consent necessary`` or ``none`` measures the others); there is no whole-page
cache, so each page is rendered for its visitor.

    python bench/storefront.py [--duration 15] [--connections 16] [--workers N] [--consent all]

Needs wrk (Debian package ``wrk``). Uses its own database under var/bench (imported and its
recommendations trained once, as in the demo store).
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATA = ROOT / "data" / "online-retail" / "online_retail_until_2011-09.parquet"

LUA_ROTATE = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
local cookie = "%(cookie)s"
request = function()
  i = i + 1
  local p = paths[(i %% #paths) + 1]
  return wrk.format("GET", p, {["Cookie"] = cookie})
end
"""

LUA_POST = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i + 1
  local b = bodies[(i %% #bodies) + 1]
  return wrk.format("POST", "%(path)s", {
    ["Cookie"] = "%(cookie)s",
    ["X-CSRFToken"] = "%(csrf)s",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
  }, b)
end
"""


def env_for(var_dir):
    env = dict(os.environ)
    env.update(DUKEN_VAR_DIR=str(var_dir), DEBUG="0", DUKEN_TASKS_IMMEDIATE="0")
    env.pop("DATABASE_URL", None) if not os.environ.get("BENCH_DATABASE_URL") else env.update(
        DATABASE_URL=os.environ["BENCH_DATABASE_URL"]
    )
    return env


def duken(args, env, **kw):
    return subprocess.run([PY, "-m", "duken.cli", *args], env=env, cwd=ROOT, check=True, **kw)


def prepare(var_dir, env):
    var_dir.mkdir(parents=True, exist_ok=True)
    duken(["migrate", "--verbosity", "0"], env)
    duken(["setup_store", "--verbosity", "0"], env)
    marker = var_dir / "bench-imported"
    if not marker.exists():
        t = time.perf_counter()
        duken(["import_retail", str(DATA)], env, stdout=subprocess.DEVNULL)
        print(f"imported the catalog in {time.perf_counter() - t:.1f} s")
        marker.touch()
    trained = var_dir / "bench-trained"
    if not trained.exists():
        # As in the demo store: the recommendation lists are trained, so product pages show
        # "bought together" and "similar" from the real order history.
        t = time.perf_counter()
        duken(["recs", "train"], env, stdout=subprocess.DEVNULL)
        print(f"trained the recommendations in {time.perf_counter() - t:.1f} s")
        trained.touch()
    duken(["collectstatic", "--noinput", "--verbosity", "0"], env)


def url_lists(env):
    """Ask Django for the real URLs of every category and product and the search words."""
    code = r"""
import json, re, django
django.setup()
from collections import Counter
from django.urls import reverse
from django.utils import translation
from duken.catalog.models import Category, Product
translation.activate("ru")
cats = [c.get_absolute_url() for c in Category.objects.filter(is_active=True, product_count__gt=0)]
prods = list(Product.objects.filter(is_active=True).values_list("slug", "pk", "name"))
words = Counter(w.lower() for _, _, n in prods for w in re.findall(r"[A-Za-z]{4,}", n))
print(json.dumps({
  "home": reverse("storefront:home"),
  "categories": cats,
  "products": [reverse("storefront:product", args=[s]) for s, _, _ in prods],
  "product_ids": [pk for _, pk, _ in prods],
  "search": reverse("storefront:search"),
  "words": [w for w, c in words.most_common(400)],
  "cart_add": reverse("storefront:cart_add"),
  "consent": reverse("privacy:consent"),
}))
"""
    out = subprocess.run(
        [PY, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "duken.settings"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


PROFILE_CODE = r"""
import json, os, sys, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.urls import reverse
urls = json.loads(sys.stdin.read())
client = Client()
for pid in urls["product_ids"][:3]:
    client.post(urls["cart_add"], {"product_id": pid, "quantity": 1})
pages = {
    "home": [urls["home"]],
    "category": urls["categories"],
    "product": urls["products"][:300],
    "search": [urls["search"] + "?q=" + w for w in urls["words"][:100]],
}
out = {}
for name, paths in pages.items():
    queries = []
    with connection.execute_wrapper(lambda run, sql, *a: queries.append(sql) or run(sql, *a)):
        client.get(paths[0])
    for p in paths[:50]:
        client.get(p)
    warm = []
    with connection.execute_wrapper(lambda run, sql, *a: warm.append(sql) or run(sql, *a)):
        client.get(paths[60 % len(paths)])
    start = time.perf_counter()
    for i in range(200):
        response = client.get(paths[i % len(paths)])
        assert response.status_code == 200, (paths[i % len(paths)], response.status_code)
    ms = (time.perf_counter() - start) / 200 * 1000
    out[name] = {
        "queries_first_visit": len(queries),
        "queries_later": len(warm),
        "ms_in_process": round(ms, 2),
    }
print(json.dumps(out))
"""


def profile_pages(env, urls):
    """Queries per page (first visit, nothing cached) and the time Django spends on a page
    in-process (no HTTP server), to see where a page's cost is before optimizing it."""
    out = subprocess.run(
        [PY, "-c", PROFILE_CODE],
        input=json.dumps(urls),
        env={**env, "DJANGO_SETTINGS_MODULE": "duken.settings", "DUKEN_REQUEST_LOG": "0"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(base, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def visitor_session(base, urls, consent=None):
    """A returning visitor: a session cookie, a CSRF token and a cart with three products."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + urls["products"][0]).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    if consent:
        # The visitor answered the consent banner: with "all", every page view below is
        # recorded in the interaction log.
        body = urllib.parse.urlencode({"choice": consent, "next": "/"}).encode()
        req = urllib.request.Request(
            base + urls["consent"], data=body, headers={"X-CSRFToken": csrf, "Referer": base + "/"}
        )
        opener.open(req).read()
    for pid in urls["product_ids"][:3]:
        body = urllib.parse.urlencode({"product_id": pid, "quantity": 1}).encode()
        req = urllib.request.Request(
            base + urls["cart_add"], data=body, headers={"X-CSRFToken": csrf, "Referer": base + "/"}
        )
        opener.open(req).read()
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "adding to the cart did not create a session"
    assert not consent or "dk_consent" in cookies, "the consent choice was not stored"
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), csrf


def proc_cpu_seconds(pid):
    """CPU time (user + system) of a process and all its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    if children_file.exists():
        pids += [int(p) for p in children_file.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        if p == pid:  # workers that were recycled and reaped by the master
            total += (int(fields[13]) + int(fields[14])) / ticks
    return total


def parse_wrk(text):
    def dur(s):
        m = re.match(r"([\d.]+)(us|ms|s|m)", s)
        v, unit = float(m.group(1)), m.group(2)
        return v * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    out["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
    out["p50_ms"], out["p99_ms"] = dur(lat["50"]), dur(lat["99"])
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return out


def run_wrk(base, script, duration, connections, threads, server_pid):
    cpu0 = proc_cpu_seconds(server_pid)
    res = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            script,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = proc_cpu_seconds(server_pid) - cpu0
    fig = parse_wrk(res.stdout)
    fig["cpu_ms_per_request"] = cpu * 1000 / max(fig["requests"], 1)
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=15, help="seconds per page type")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=None, help="server worker processes")
    ap.add_argument("--var-dir", default=str(ROOT / "var" / "bench"))
    ap.add_argument("--only", nargs="*", help="page types to run (default: all)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument(
        "--consent",
        choices=["all", "necessary", "none"],
        default="all",
        help="how the visitor answered the consent banner: 'all' (default: page views are "
        "recorded in the interaction log, personal widgets shown), 'necessary', or 'none' "
        "(not answered yet)",
    )
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    var_dir = Path(args.var_dir)
    env = env_for(var_dir)
    prepare(var_dir, env)
    urls = url_lists(env)
    profile = profile_pages(env, urls)
    print("\nIn-process profile (Django test client, no server):")
    print("queries: on the process's first page, and on a later page of the same type")
    print(f"{'page':<12} {'first':>6} {'later':>6} {'ms/page':>8}")
    for name, f in profile.items():
        print(
            f"{name:<12} {f['queries_first_visit']:>6} {f['queries_later']:>6} "
            f"{f['ms_in_process']:>8.2f}"
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [PY, "-m", "duken.cli", "serve", "--port", str(port), "--no-collectstatic"]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    log = open(var_dir / "bench-server.log", "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        serve, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    results = {}
    try:
        wait_up(base)
        cookie, csrf = visitor_session(base, urls, None if args.consent == "none" else args.consent)
        rng = random.Random(7)
        tmp = Path(tempfile.mkdtemp(prefix="duken-bench-"))
        searches = [f"{urls['search']}?q={urllib.parse.quote(w)}" for w in urls["words"]]
        rng.shuffle(searches)
        products = list(urls["products"])
        rng.shuffle(products)
        pages = {
            "home": [urls["home"]],
            "category": urls["categories"],
            "product": products,
            "search": searches,
        }
        scripts = {}
        for name, paths in pages.items():
            pf = tmp / f"{name}.txt"
            pf.write_text("\n".join(paths) + "\n")
            sf = tmp / f"{name}.lua"
            sf.write_text(LUA_ROTATE % {"paths": pf, "cookie": cookie})
            scripts[name] = sf
        bodies = tmp / "cart.txt"
        ids = list(urls["product_ids"])
        rng.shuffle(ids)
        bodies.write_text("\n".join(f"product_id={i}&quantity=1" for i in ids) + "\n")
        sf = tmp / "cart_add.lua"
        sf.write_text(
            LUA_POST % {"bodies": bodies, "path": urls["cart_add"], "cookie": cookie, "csrf": csrf}
        )
        scripts["add_to_cart"] = sf
        # Warm every worker's caches (compiled templates, menu) before measuring.
        for name in scripts:
            if not args.only or name in args.only:
                run_wrk(base, str(scripts[name]), 3, args.connections, args.threads, server.pid)
        for name, script in scripts.items():
            if args.only and name not in args.only:
                continue
            results[name] = run_wrk(
                base, str(script), args.duration, args.connections, args.threads, server.pid
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    print(
        f"\nDuken storefront, {os.cpu_count()} cores, {args.connections} connections, "
        f"{args.duration} s per page type, wrk on the same machine"
    )
    print(f"{'page':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'errors':>7}")
    failed = False
    for name, f in results.items():
        errors = f["non_2xx"] + f["socket_errors"]
        failed |= errors > 0
        print(
            f"{name:<12} {f['rps']:>8.1f} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f} "
            f"{f['cpu_ms_per_request']:>11.2f} {errors:>7}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"wrk": results, "profile": profile}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
