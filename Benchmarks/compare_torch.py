#!/usr/bin/env python3
"""Compare EnpireLearning with PyTorch CPU (2 threads) and C OpenBLAS on the same shapes, alternating sides.

Usage (from the repository root, one command):
    source scripts/python-env.sh numpy torch && $ENPIRE_PYTHON Benchmarks/compare_torch.py [--rounds 5] [--quick]
        [--json Benchmarks/.build/compare_torch.json]

Builds `LearningTimings` (release) in Benchmarks/ first. Every round runs each side (ours, torch, C sgemm) as
its own process, rotating the order, and records the CPU other processes used meanwhile (harness.py); rounds
with more than 0.1 foreign cores are flagged. Prints the median speed-up with its range over rounds and writes
all raw figures to JSON.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harness  # noqa: E402

QUICK = "--quick" in sys.argv
SCALE = 0.2 if QUICK else 1.0
n = lambda k: max(1, int(k * SCALE))
# Batch sizes of the 64-256-256-8 training-step sweep and timed iterations per block (about 50-100 ms each).
TRAIN_SWEEP = [(64, 200), (256, 50), (1024, 12), (4096, 3)]


def per_call(fn, warmup, iterations, repeats=5):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter() - t0) / iterations)
    return statistics.median(samples)


def torch_timings():
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    nn = torch.nn
    out = {}

    def mlp(sizes):
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        return nn.Sequential(*layers)

    def train_step(sizes, batch):
        model = mlp(sizes)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(batch, sizes[0]), torch.randn(batch, sizes[-1])
        loss_fn = nn.MSELoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return step

    for batch, iterations in TRAIN_SWEEP:
        out[f"train_b{batch}_seconds"] = per_call(train_step([64, 256, 256, 8], batch), n(iterations // 2 + 1),
                                                  n(iterations))
    out["train_wide_seconds"] = per_call(train_step([64, 512, 512, 512, 8], 1024), n(3), n(4))

    model = mlp([64, 256, 256, 8]).eval()
    x = torch.randn(1, 64)
    lat = []
    with torch.inference_mode():
        for _ in range(1000):
            model(x)
        for _ in range(n(20000)):
            t0 = time.perf_counter_ns()
            model(x)
            lat.append((time.perf_counter_ns() - t0) / 1e3)
    lat.sort()
    out["infer_median_us"] = lat[len(lat) // 2]
    out["infer_p99_us"] = lat[int(len(lat) * 0.99)]

    # SAC update, mirroring Benchmarks/Sources/LearningWorkloads/SACUpdateWorkload.swift.
    B, alpha, gamma = 256, 0.2, 0.99
    actor = mlp([20, 256, 256, 4])
    c1, c2, t1, t2 = (mlp([22, 256, 256, 1]) for _ in range(4))
    for p in list(t1.parameters()) + list(t2.parameters()):
        p.requires_grad_(False)
    aopt = torch.optim.Adam(actor.parameters(), lr=3e-4)
    copt = torch.optim.Adam(list(c1.parameters()) + list(c2.parameters()), lr=3e-4)
    s, s2 = torch.randn(B, 20), torch.randn(B, 20)
    a = torch.rand(B, 2) * 2 - 1
    r = torch.randn(B, 1)
    eps, eps2 = torch.randn(B, 2), torch.randn(B, 2)
    half_log_2pi = 0.9189385

    def sample(o, e):
        mean, log_std = o[:, :2], o[:, 2:].clamp(-20, 2)
        act = torch.tanh(mean + log_std.exp() * e)
        logp = (-0.5 * e * e - log_std - half_log_2pi - torch.log(1 - act * act + 1e-6)).sum(1, keepdim=True)
        return act, logp

    def sac_step():
        with torch.no_grad():
            a2, logp2 = sample(actor(s2), eps2)
            sa2 = torch.cat([s2, a2], 1)
            y = r + gamma * (torch.min(t1(sa2), t2(sa2)) - alpha * logp2)
        sa = torch.cat([s, a], 1)
        closs = nn.functional.mse_loss(c1(sa), y) + nn.functional.mse_loss(c2(sa), y)
        copt.zero_grad(set_to_none=True)
        closs.backward()
        copt.step()
        act, logp = sample(actor(s), eps)
        for p in c1.parameters():
            p.requires_grad_(False)
        aloss = (alpha * logp - c1(torch.cat([s, act], 1))).mean()
        aopt.zero_grad(set_to_none=True)
        aloss.backward()
        aopt.step()
        for p in c1.parameters():
            p.requires_grad_(True)

    out["sac_seconds"] = per_call(sac_step, n(10), n(20))
    return out


C_SGEMM = r"""
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int sizes[2] = {256, 1024};
    printf("{");
    for (int s = 0; s < 2; s++) {
        int n = sizes[s], iters = (int)((n == 256 ? 200 : 10) * scale); if (iters < 1) iters = 1;
        float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
        for (int i = 0; i < n * n; i++) { a[i] = (float)rand() / RAND_MAX - 0.5f; b[i] = (float)rand() / RAND_MAX - 0.5f; }
        for (int w = 0; w < 3; w++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double samples[5];
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            for (int i = 0; i < iters; i++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
            samples[r] = (now() - t0) / iters;
        }
        qsort(samples, 5, sizeof(double), cmp);
        printf("%s\"sgemm_%d_seconds\": %.9g", s ? ", " : "", n, samples[2]);
        free(a); free(b); free(c);
    }
    printf("}\n");
    return 0;
}
"""


def c_timings():
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "sgemm.c", Path(tmp) / "sgemm"
        src.write_text(C_SGEMM)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "openblas"], capture_output=True, text=True)
        cmd = ["cc", "-O2", str(src), "-o", str(exe)] + flags.stdout.split()
        subprocess.run(cmd, check=True)
        return json.loads(subprocess.run([str(exe), str(SCALE)], check=True, capture_output=True, text=True).stdout)


ROWS = [(f"train step 64-256-256-8 b{batch}", f"train_b{batch}_seconds", "enpire", "torch", False)
        for batch, _ in TRAIN_SWEEP] + [
    ("train step 64-512x3-8 b1024", "train_wide_seconds", "enpire", "torch", False),
    ("SAC update b256", "sac_seconds", "enpire", "torch", False),
    ("batch-1 inference median", "infer_median_us", "enpire", "torch", False),
    ("batch-1 inference p99", "infer_p99_us", "enpire", "torch", False),
    ("sgemm 256^3 (vs C OpenBLAS)", "sgemm_256_seconds", "enpire", "c", False),
    ("sgemm 1024^3 (vs C OpenBLAS)", "sgemm_1024_seconds", "enpire", "c", False),
]


def unit(key, value):
    if value is None:
        return "-"
    return f"{value:.2f}us" if key.endswith("_us") else f"{value * 1e3:.3f}ms"


def compare_with_torch(args, make_sides, rows, unit_format):
    """The comparison proper, shared with compare_conv.py: checks the round count and that PyTorch imports, builds
    our timer, alternates the sides `make_sides(ours, me)` returns over `args.rounds`, prints the summary and
    writes the JSON (`me` is this script's command line for the Python sides)."""
    torch = harness.preflight(args.rounds, "torch", "numpy torch")
    print("building LearningTimings (release) ...", flush=True)
    ours = harness.build_release_product("LearningTimings")
    me = [sys.executable, str(Path(sys.argv[0]).resolve())] + (["--quick"] if QUICK else [])
    sides = make_sides(ours, me)
    print(f"PyTorch {torch.__version__} (2 threads), {args.rounds} rounds, load average {harness.load_average()}",
          flush=True)
    rounds = harness.alternate(sides, args.rounds, log=lambda line: print(line, flush=True))
    summary = harness.ratio_summary(rounds, rows)
    harness.print_summary(summary, rounds, unit_format)
    harness.write_json(args.json, {"torch_version": torch.__version__, "quick": QUICK, "rounds": rounds,
                                   "summary": summary, "foreign_limit_cores": harness.FOREIGN_LIMIT})


def main():
    parser = argparse.ArgumentParser(description="EnpireLearning vs PyTorch CPU, alternating sides")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (>= 3)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations per side")
    parser.add_argument("--json", default=str(HERE / ".build" / "compare_torch.json"), help="output file")
    parser.add_argument("--side", choices=["torch", "c"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "torch":
        print(json.dumps(torch_timings()))
        return
    if args.side == "c":
        print(json.dumps(c_timings()))
        return
    def sides(ours, me):
        return [("enpire", [ours] + (["--quick"] if QUICK else [])), ("torch", me + ["--side", "torch"]),
                ("c", me + ["--side", "c"])]
    compare_with_torch(args, sides, ROWS, unit)

if __name__ == "__main__":
    main()
