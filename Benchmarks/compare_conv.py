#!/usr/bin/env python3
"""Compare EnpireLearning's convolutional encoder with PyTorch CPU (2 threads) on the same shapes, alternating sides.

Usage (from the repository root, one command):
    source scripts/python-env.sh numpy torch && $ENPIRE_PYTHON Benchmarks/compare_conv.py [--rounds 3] [--quick]
        [--json Benchmarks/.build/compare_conv.json]

The network on both sides (ConvEncoderSpecification's default, see Benchmarks/Sources/LearningWorkloads/
ConvWorkload.swift): Conv2d(3→32, 3×3, stride 2, padding 1) → GroupNorm(8) → ReLU → residual block(32) →
Conv2d(32→64, 3×3, stride 2, padding 1) → GroupNorm(8) → ReLU → residual block(64) → spatial softmax →
Linear(128→64) → ReLU → Linear(64→8); a residual block is relu(x + GN(conv(relu(GN(conv(x)))))) with 3×3
stride-1 convs. Timed: evaluation forward and one training step (forward, MSE, backward, Adam lr 1e-3) on a
fixed random batch, batch 1 and 64, 3×96×96 and 3×128×128 inputs.

Builds `LearningTimings` (release) in Benchmarks/ and runs it with `--conv`. Every round runs each side as its own
process, rotating the order, and records the CPU other processes used meanwhile (harness.py).
"""
import argparse, json, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare_torch import compare_with_torch, per_call  # noqa: E402

QUICK = "--quick" in sys.argv
SCALE = 0.2 if QUICK else 1.0
n = lambda k: max(1, int(k * SCALE))
SIZES, BATCHES = [96, 128], [1, 64]


def torch_timings():
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    nn = torch.nn

    class Residual(nn.Module):
        def __init__(self, channels, groups):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
            self.norm1 = nn.GroupNorm(groups, channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
            self.norm2 = nn.GroupNorm(groups, channels)

        def forward(self, x):
            h = torch.relu(self.norm1(self.conv1(x)))
            return torch.relu(x + self.norm2(self.conv2(h)))

    class SpatialSoftmax(nn.Module):
        def __init__(self, height, width):
            super().__init__()
            ys, xs = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
            self.register_buffer("coords", torch.stack([xs.reshape(-1), ys.reshape(-1)], 1))  # [HW, 2]

        def forward(self, x):
            b, c, h, w = x.shape
            p = torch.softmax(x.reshape(b * c, h * w), dim=1)
            return (p @ self.coords).reshape(b, 2 * c)  # [x0, y0, x1, y1, ...]

    def encoder(size, channels=(32, 64), groups=8):
        layers, c_in, s = [], 3, size
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.GroupNorm(groups, c), nn.ReLU(),
                       Residual(c, groups)]
            c_in, s = c, (s + 2 - 3) // 2 + 1
        layers += [SpatialSoftmax(s, s), nn.Linear(2 * c_in, 64), nn.ReLU(), nn.Linear(64, 8)]
        return nn.Sequential(*layers)

    out = {}
    for size in SIZES:
        for batch in BATCHES:
            model = encoder(size)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x, y = torch.randn(batch, 3, size, size), torch.randn(batch, 8)
            loss_fn = nn.MSELoss()

            def forward():
                with torch.no_grad():
                    model.eval()
                    model(x)

            def step():
                model.train()
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()

            large = batch > 1
            out[f"conv{size}_b{batch}_forward_seconds"] = per_call(
                forward, 1 if large else 5, n(3) if large else n(20), 3 if large else 5)
            out[f"conv{size}_b{batch}_train_seconds"] = per_call(
                step, 1 if large else 5, n(2) if large else n(10), 3 if large else 5)
    return out


ROWS = [(f"{kind} {size}x{size} b{batch}", f"conv{size}_b{batch}_{key}_seconds", "enpire", "torch", False)
        for size in SIZES for batch in BATCHES for kind, key in [("forward", "forward"), ("train step", "train")]]


def unit(key, value):
    return "-" if value is None else f"{value * 1e3:.2f}ms"


def main():
    parser = argparse.ArgumentParser(description="EnpireLearning conv encoder vs PyTorch CPU, alternating sides")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (>= 3)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations per side")
    parser.add_argument("--json", default=str(HERE / ".build" / "compare_conv.json"), help="output file")
    parser.add_argument("--side", choices=["torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "torch":
        print(json.dumps(torch_timings()))
        return
    compare_with_torch(args, lambda ours, me: [("enpire", [ours, "--conv"] + (["--quick"] if QUICK else [])),
                                               ("torch", me + ["--side", "torch"])], ROWS, unit)

if __name__ == "__main__":
    main()
