"""The PyTorch peer of the engine's UNet step, for bench/compare.ts.

Usage: /usr/bin/python3 bench/torch_peer.py MANIFEST.json

The manifest lists cases {name, model, batch, x, t, c, eps}: a model folder
(its ddpm.safetensors), the .npy inputs of one UNet evaluation and the
engine's output on them, and the device ("cpu" or "cuda"). For each case
this builds the UNet of MODEL.md in plain torch from the same weights,
checks it against the engine's output, and times one evaluation two ways.

On the CPU (2 threads):
  stock  F.conv3d / F.conv_transpose3d, as nn.Conv3d would call them. Torch
         1.13 sends small convolutions (and batch-1 transposed ones) to its
         slow reference path, so this is what a plain port gets.
  best   every convolution through torch.mkldnn_convolution (oneDNN): a
         transposed conv whose kernel equals its stride (all of the UNet's)
         becomes a 1x1 conv to O*k^3 channels and a pixel shuffle, with the
         weights rearranged once, before timing.
On a CUDA GPU (eager mode, timed to torch.cuda.synchronize):
  stock  strict float32 (cuDNN's TF32 off), the same arithmetic as the engine.
  best   cudnn.benchmark on and TF32 convolutions allowed (PyTorch's default
         for convolutions): eager PyTorch at its fastest, at TF32 accuracy.

With "layers": true in the manifest, each case also times every convolution
inside the UNet evaluation on its own (both ways), grouped by the engine's
kernel signature (e.g. "conv3d 512->512 k3 s1 -> 8x8x4 (B=1)"), so that
bench/compare.ts --layers can set them beside the engine's per-layer times.

Prints one JSON object on stdout. Needs only torch and numpy (no safetensors package).
"""
import json
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

THREADS = 2
GROUPS = 8
RESIDUAL_SCALE = 1.414  # the reference divides by 1.414, not sqrt(2)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, only F32 is read")
        start, end = info["data_offsets"]
        # Offsets need not be 4-byte aligned: copy out of the file buffer.
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=base + start).copy()
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]))
    return tensors


def stock_ops(weights):
    def conv(x, name, padding):
        return F.conv3d(x, weights[name + ".weight"], weights[name + ".bias"], padding=padding)

    def conv_transpose(x, name):
        w = weights[name + ".weight"]
        return F.conv_transpose3d(x, w, weights[name + ".bias"], stride=w.shape[2])

    return conv, conv_transpose


def best_ops(weights):
    one = [1, 1, 1]
    shuffled = {}
    for name, w in weights.items():
        if name.endswith(".weight") and w.dim() == 5 and is_transposed(name):
            i, o, k = w.shape[0], w.shape[1], w.shape[2]
            bias = weights[name[: -len("weight")] + "bias"]
            shuffled[name[: -len(".weight")]] = (w.permute(1, 2, 3, 4, 0).reshape(o * k**3, i, 1, 1, 1).contiguous(), bias.repeat_interleave(k**3), k)

    def conv(x, name, padding):
        return torch.mkldnn_convolution(x, weights[name + ".weight"], weights[name + ".bias"], [padding] * 3, one, one, 1)

    def conv_transpose(x, name):
        w, b, k = shuffled[name]
        y = torch.mkldnn_convolution(x, w, b, [0, 0, 0], one, one, 1)
        n, _, d, h, wd = x.shape
        o = w.shape[0] // k**3
        return y.view(n, o, k, k, k, d, h, wd).permute(0, 1, 5, 2, 6, 3, 7, 4).reshape(n, o, d * k, h * k, wd * k)

    return conv, conv_transpose


def is_transposed(name):
    return name.startswith(("nn_model.up0.0.", "nn_model.up1.model.0.", "nn_model.up2.model.0."))


def unet(weights, ops, x, t, c):
    """MODEL.md's UNet: eps = UNet(x, t, c) for x (B, C, D, H, W), t (B), c (B, K)."""
    conv, conv_transpose = ops
    m = "nn_model."

    def rcb(h, name):
        x1 = F.gelu(F.instance_norm(conv(h, m + name + ".conv1.0", 1)))
        x2 = F.gelu(F.instance_norm(conv(x1, m + name + ".conv2.0", 1)))
        return ((h if h.shape[1] == x2.shape[1] else x1) + x2) / RESIDUAL_SCALE

    def embed(v, name):
        w0 = weights[m + name + ".model.0.weight"]
        h = F.gelu(F.linear(v.reshape(-1, w0.shape[1]), w0, weights[m + name + ".model.0.bias"]))
        e = F.linear(h, weights[m + name + ".model.2.weight"], weights[m + name + ".model.2.bias"])
        return e.view(e.shape[0], e.shape[1], 1, 1, 1)

    def group_norm(h, name):
        return F.group_norm(h, GROUPS, weights[m + name + ".weight"], weights[m + name + ".bias"])

    x0 = rcb(x, "init_conv")
    d1 = F.max_pool3d(rcb(x0, "down1.model.0"), 2)
    d2 = F.max_pool3d(rcb(d1, "down2.model.0"), 2)
    hidden = F.gelu(d2)
    te1, te2 = embed(t, "timeembed1"), embed(t, "timeembed2")
    ce1, ce2 = embed(c, "contextembed1"), embed(c, "contextembed2")
    u1 = F.leaky_relu(group_norm(conv_transpose(hidden, m + "up0.0"), "up0.1"), 0.2)
    u2 = conv_transpose(torch.cat([u1 + te1 + ce1, d2], 1), m + "up1.model.0")
    u2 = rcb(rcb(u2, "up1.model.1"), "up1.model.2")
    u3 = conv_transpose(torch.cat([u2 + te2 + ce2, d1], 1), m + "up2.model.0")
    u3 = rcb(rcb(u3, "up2.model.1"), "up2.model.2")
    out = torch.tanh(group_norm(conv(torch.cat([u3, x0], 1), m + "out.0", 1), "out.1"))
    return conv(out, m + "out.3", 1)


def layer_signature(kind, x, y, w):
    """The engine's KernelWork signature of a conv layer (src/ops/conv3d.ts, conv-transpose3d.ts)."""
    k = w.shape[2]
    size = "x".join(str(s) for s in y.shape[2:])
    if kind == "conv":
        return f"conv3d {w.shape[1]}->{w.shape[0]} k{k} s1 -> {size} (B={x.shape[0]})"
    return f"convTranspose3d {w.shape[0]}->{w.shape[1]} k{k} s{k} -> {size} (B={x.shape[0]})"


def timed_ops(weights, ops, sync, run_ms):
    """`ops` with every call timed alone and added to run_ms[signature] (one evaluation's total per layer shape)."""

    def timed(kind, fn):
        def call(x, name, *rest):
            sync()
            start = time.perf_counter()
            y = fn(x, name, *rest)
            sync()
            key = layer_signature(kind, x, y, weights[name + ".weight"])
            calls, ms = run_ms.get(key, (0, 0.0))
            run_ms[key] = (calls + 1, ms + (time.perf_counter() - start) * 1000)
            return y

        return call

    conv, conv_transpose = ops
    return timed("conv", conv), timed("convTranspose", conv_transpose)


def time_layers(weights, ops, x, t, c, repeats, sync):
    """Per layer shape: calls per evaluation and each evaluation's time in those calls, and each of those
    evaluations' whole time (after 1 warm-up), so that what is not a convolution comes from the same runs."""
    runs, totals = [], []
    for _ in range(repeats + 1):
        run_ms = {}
        start = time.perf_counter()
        unet(weights, timed_ops(weights, ops, sync, run_ms), x, t, c)
        sync()
        totals.append((time.perf_counter() - start) * 1000)
        runs.append(run_ms)
    layers = [{"signature": k, "calls": calls, "ms": [r[k][1] for r in runs[1:]]} for k, (calls, _) in runs[0].items()]
    return {"layers": layers, "wholeMs": totals[1:]}


def relative_error(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def time_ms(fn, repeats, sync):
    fn()  # warm-up: oneDNN primitive creation, cuDNN algorithm choice, allocator
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return times


def load_npy(path):
    return torch.from_numpy(np.load(path))


def cuda_mode(fast):
    torch.backends.cudnn.benchmark = fast
    torch.backends.cudnn.allow_tf32 = fast
    torch.backends.cuda.matmul.allow_tf32 = fast


def run_case(case, weights, repeats, device, layers):
    x, t, c = (load_npy(case[k]).to(device) for k in ("x", "t", "c"))
    engine = load_npy(case["eps"])
    on_gpu = device == "cuda"
    sync = torch.cuda.synchronize if on_gpu else (lambda: None)
    stock = stock_ops(weights)
    best = stock if on_gpu else best_ops(weights)
    with torch.inference_mode():
        if on_gpu:
            cuda_mode(False)
        reference = unet(weights, stock, x, t, c).cpu()
        stock_ms = time_ms(lambda: unet(weights, stock, x, t, c), repeats, sync)
        if on_gpu:
            cuda_mode(True)
        routed = unet(weights, best, x, t, c).cpu()
        best_ms = time_ms(lambda: unet(weights, best, x, t, c), repeats, sync)
        if layers:
            if on_gpu:
                cuda_mode(False)
            stock_layers = time_layers(weights, stock, x, t, c, repeats, sync)
            if on_gpu:
                cuda_mode(True)
            best_layers = time_layers(weights, best, x, t, c, repeats, sync)
    result = {
        "name": case["name"],
        "engineVsStock": relative_error(engine, reference),
        "bestVsStock": relative_error(routed, reference),
        "stockMs": stock_ms,
        "bestMs": best_ms,
        "stockMedianMs": statistics.median(stock_ms),
        "bestMedianMs": statistics.median(best_ms),
    }
    if layers:
        result["layers"] = {"stock": stock_layers, "best": best_layers}
    return result


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    device = manifest.get("device", "cpu")
    torch.set_num_threads(THREADS)
    results, loaded = [], {}
    for case in manifest["cases"]:
        if case["model"] not in loaded:
            weights = read_safetensors(case["model"] + "/ddpm.safetensors")
            loaded = {case["model"]: {k: v.to(device) for k, v in weights.items()}}
        print(f"torch: {case['name']} on {device}", file=sys.stderr, flush=True)
        results.append(run_case(case, loaded[case["model"]], manifest["repeats"], device, manifest.get("layers", False)))
    where = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "device": where, "cases": results}, sys.stdout)


if __name__ == "__main__":
    main()
