"""Makes and checks the PyTorch parity fixtures (the format of ../shared/fixtures/README.md).

Usage:
  /usr/bin/python3 tools/make-fixture.py verify DIR...
      Recomputes the UNet and feature-predictor cases of existing fixture folders
      in float64 from their .pt weights and inputs, the noise schedule, and the
      sampling loop through its first mark (98 steps: the whole loop takes an hour
      on two busy cores), and prints each relative error; exits 1 if one is above
      1e-6 (the expected values are float64 results stored as float32: ~1e-7 is
      the floor). The VAE cases are not recomputed (the fixture made here has none).
  /usr/bin/python3 tools/make-fixture.py make OUT
      Writes the small fixture committed in test/fixtures/tiny-unet-fp: a UNet with
      n_feat 8 on a 1x4x4x4 latent and a feature predictor, with PyTorch-made
      expected outputs (unet, fp, and the full 998-step sampling loop at batch 1).

The computation is MODEL.md's, in plain torch: the UNet is bench/torch_peer.py's
(imported, so that the benchmark peer and the fixtures share one reference), the
feature predictor and the sampler are below. Needs only torch and numpy.
"""
import collections
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import torch_peer  # noqa: E402  (the path is set just above)

TOLERANCE = 1e-6
NORM_EPS = 1e-5
SAMPLE_MARKS = (900, 500, 100)
INPUTS = {"encoder.x", "decoder.z", "fp.z", "unet.x", "unet.t", "unet.context", "sample.x_T", "sample.context", "sample.noise"}

# The committed fixture: small enough to keep in git (a few hundred KB), the
# same code paths as the published networks. n_feat 8 is the least GroupNorm(8)
# allows; the 4^3 latent is the least the UNet's two 2x poolings allow.
TINY = {
    "name": "tiny-unet-fp",
    "seed": 110,
    "latent_shape": [1, 4, 4, 4],
    "ddpm_n_feat": 8,
    "ddpm_timesteps": 1000,
    "ddpm_context_indices": [0, 2],
    "fp_output_size": 3,
    "unet_batch": 2,
    "fp_batch": 2,
    "sample_batch": 1,
}


# ---------------------------------------------------------------- reference modules


def unet(weights, x, t, c):
    return torch_peer.unet(weights, torch_peer.stock_ops(weights), x, t, c)


def feature_predictor(weights, z):
    """fc1 -> ReLU -> norm -> fc2 -> ReLU -> norm -> fc3, the norm over each sample's features."""
    h = z.reshape(z.shape[0], -1)
    for layer in ("fc1", "fc2"):
        h = F.relu(F.linear(h, weights[layer + ".weight"], weights[layer + ".bias"]))
        mean = h.mean(dim=1, keepdim=True)
        var = h.var(dim=1, unbiased=False, keepdim=True)
        h = (h - mean) / torch.sqrt(var + NORM_EPS)
    return F.linear(h, weights["fc3.weight"], weights["fc3.bias"])


def schedule(n_T):
    """The reference's float32 linear beta schedule, 1e-4 .. 0.02 scaled by 1000 / n_T."""
    scale = 1000 / n_T
    beta1, beta2 = 1e-4 * scale, 0.02 * scale
    beta = (beta2 - beta1) * torch.arange(0, n_T, dtype=torch.float32) / (n_T - 1) + beta1
    alpha = 1 - beta
    alphabar = torch.cumsum(torch.log(alpha), dim=0).exp()
    sqrtmab = torch.sqrt(1 - alphabar)
    return collections.OrderedDict(
        alpha_t=alpha,
        oneover_sqrta=1 / torch.sqrt(alpha),
        sqrt_beta_t=torch.sqrt(beta),
        alphabar_t=alphabar,
        sqrtab=torch.sqrt(alphabar),
        sqrtmab=sqrtmab,
        mab_over_sqrtmab=(1 - alpha) / sqrtmab,
    )


def sample_loop(weights, x_T, context, noise, last_step=1):
    """The DDPM reverse loop, i = n_T-2 .. last_step; noise[k] is the z drawn at i = n_T-2-k. Returns x and the marked states."""
    n_T = weights["alpha_t"].shape[0]
    x = x_T
    marks = {}
    for k, i in enumerate(range(n_T - 2, last_step - 1, -1)):
        t = torch.full((x.shape[0],), i / n_T, dtype=x.dtype)
        eps = unet(weights, x, t, context)
        z = noise[k] if i > 1 else torch.zeros_like(x)
        x = weights["oneover_sqrta"][i] * (x - eps * weights["mab_over_sqrtmab"][i]) + weights["sqrt_beta_t"][i] * z
        if i in SAMPLE_MARKS:
            marks[f"sample.x_after_step_{i}"] = x
    return x, marks


# ---------------------------------------------------------------- cases


def expected_outputs(ddpm, fp, inputs, sample_through=1):
    """
    Every expected tensor for the cases whose inputs and weights are present, by its name;
    the sampling loop runs down to step `sample_through` (z0 only at 1).
    """
    out = {}
    if ddpm is not None and "unet.x" in inputs:
        out["unet.out"] = unet(ddpm, inputs["unet.x"], inputs["unet.t"], inputs["unet.context"])
    if fp is not None and "fp.z" in inputs:
        out["fp.out"] = feature_predictor(fp, inputs["fp.z"])
    if ddpm is not None and "sample.x_T" in inputs:
        x, marks = sample_loop(ddpm, inputs["sample.x_T"], inputs["sample.context"], inputs["sample.noise"], sample_through)
        out.update(marks)
        # No sample.features: the FP of the loop's end is ill-conditioned at this size
        # (PyTorch's own float32 lands 6e-6 off), too close to the 1e-5 bar to test.
        if sample_through == 1:
            out["sample.z0"] = x
    return out


def as_dtype(tensors, dtype):
    return {k: v.to(dtype) for k, v in tensors.items()} if tensors is not None else None


def relative_error(out, expected):
    expected = expected.double()
    return float((out.double() - expected).norm() / expected.norm())


# ---------------------------------------------------------------- files


def read_cases(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        values = torch.frombuffer(bytearray(data[8 + header_len + start : 8 + header_len + end]), dtype=torch.float32)
        tensors[name] = values.reshape(info["shape"])
    return tensors


def write_cases(path, tensors):
    """F32 safetensors, the header padded to 8 bytes as the format recommends."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_weights(path):
    return dict(torch.load(path)) if os.path.exists(path) else None


def save_state_dict(path, tensors):
    """As `torch.save(module.state_dict())` writes it: an OrderedDict whose _metadata names every module."""
    state = collections.OrderedDict((k, v.to(torch.float32).contiguous()) for k, v in tensors.items())
    modules = {""} | {".".join(k.split(".")[:n]) for k in tensors for n in range(1, k.count(".") + 1)}
    state._metadata = collections.OrderedDict((m, {"version": 1}) for m in sorted(modules, key=lambda m: (m.count("."), m)))
    torch.save(state, path)


# ---------------------------------------------------------------- verify


def verify(folder):
    ddpm = as_dtype(load_weights(os.path.join(folder, "ddpm.pt")), torch.float64)
    fp = as_dtype(load_weights(os.path.join(folder, "fp.pt")), torch.float64)
    cases = read_cases(os.path.join(folder, "cases.safetensors"))
    if ddpm is not None:
        rebuilt = schedule(ddpm["alpha_t"].shape[0])
        for name, values in rebuilt.items():
            error = relative_error(values, ddpm[name])
            print(f"{folder} schedule {name} {error:.3e}")
            if error > TOLERANCE:
                return False
    with torch.no_grad():
        outputs = expected_outputs(ddpm, fp, as_dtype(cases, torch.float64), SAMPLE_MARKS[0])
    worst = 0.0
    for name, out in outputs.items():
        if name not in cases:
            continue
        error = relative_error(out, cases[name])
        worst = max(worst, error)
        print(f"{folder} {name} {error:.3e}", flush=True)
    skipped = sorted(k for k in cases if k not in outputs and k not in INPUTS)
    if skipped:
        print(f"{folder}: not recomputed: {', '.join(skipped)}")
    return worst <= TOLERANCE


# ---------------------------------------------------------------- make


def unet_shapes(channels, n, context):
    """Parameter shapes of MODEL.md's UNet, in the order the reference module registers them."""
    shapes = collections.OrderedDict()

    def rcb(name, i, o):
        shapes[f"{name}.conv1.0.weight"], shapes[f"{name}.conv1.0.bias"] = (o, i, 3, 3, 3), (o,)
        shapes[f"{name}.conv2.0.weight"], shapes[f"{name}.conv2.0.bias"] = (o, o, 3, 3, 3), (o,)

    def embed(name, i, o):
        shapes[f"{name}.model.0.weight"], shapes[f"{name}.model.0.bias"] = (o, i), (o,)
        shapes[f"{name}.model.2.weight"], shapes[f"{name}.model.2.bias"] = (o, o), (o,)

    def conv_transpose(name, i, o, k):
        shapes[f"{name}.weight"], shapes[f"{name}.bias"] = (i, o, k, k, k), (o,)

    def norm(name, c):
        shapes[f"{name}.weight"], shapes[f"{name}.bias"] = (c,), (c,)

    rcb("init_conv", channels, n)
    rcb("down1.model.0", n, n)
    rcb("down2.model.0", n, 2 * n)
    embed("timeembed1", 1, 2 * n)
    embed("timeembed2", 1, n)
    embed("contextembed1", context, 2 * n)
    embed("contextembed2", context, n)
    conv_transpose("up0.0", 2 * n, 2 * n, 1)
    norm("up0.1", 2 * n)
    conv_transpose("up1.model.0", 4 * n, n, 2)
    rcb("up1.model.1", n, n)
    rcb("up1.model.2", n, n)
    conv_transpose("up2.model.0", 2 * n, n, 2)
    rcb("up2.model.1", n, n)
    rcb("up2.model.2", n, n)
    shapes["out.0.weight"], shapes["out.0.bias"] = (n, 2 * n, 3, 3, 3), (n,)
    norm("out.1", n)
    shapes["out.3.weight"], shapes["out.3.bias"] = (channels, n, 3, 3, 3), (channels,)
    return collections.OrderedDict((f"nn_model.{k}", v) for k, v in shapes.items())


def random_weights(shapes, generator, norms):
    """PyTorch's default init scale (uniform +-1/sqrt(fan_in)); norm weights near 1 and biases near 0 so that they matter."""
    weights = collections.OrderedDict()
    fan_in = {}
    for name, shape in shapes.items():
        base = name.rsplit(".", 1)[0]
        if base in norms:
            centre = 1.0 if name.endswith(".weight") else 0.0
            weights[name] = centre + 0.1 * torch.randn(shape, generator=generator, dtype=torch.float64)
            continue
        if name.endswith(".weight"):
            # PyTorch takes dimension 1 as fan-in for transposed convolutions too.
            fan_in[base] = shape[1] * (shape[2] ** 3 if len(shape) == 5 else 1)
        bound = 1 / fan_in[base] ** 0.5
        weights[name] = (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * bound
    return weights


def fp_shapes(inputs, outputs):
    h1, h2 = inputs // 2, inputs // 4
    return collections.OrderedDict(
        [("fc1.weight", (h1, inputs)), ("fc1.bias", (h1,)), ("fc2.weight", (h2, h1)), ("fc2.bias", (h2,)), ("fc3.weight", (outputs, h2)), ("fc3.bias", (outputs,))]
    )


def make(out_dir, spec):
    generator = torch.Generator().manual_seed(spec["seed"])
    latent = spec["latent_shape"]
    context_size = len(spec["ddpm_context_indices"])
    latent_size = latent[0] * latent[1] * latent[2] * latent[3]
    n_T = spec["ddpm_timesteps"]

    ddpm = collections.OrderedDict(schedule(n_T))
    ddpm.update(random_weights(unet_shapes(latent[0], spec["ddpm_n_feat"], context_size), generator, {"nn_model.up0.1", "nn_model.out.1"}))
    fp = random_weights(fp_shapes(latent_size, spec["fp_output_size"]), generator, set())
    # What is stored is float32: the float64 truth is computed from exactly those values.
    ddpm = collections.OrderedDict((k, v.to(torch.float32)) for k, v in ddpm.items())
    fp = collections.OrderedDict((k, v.to(torch.float32)) for k, v in fp.items())

    def randn(*shape):
        return torch.randn(shape, generator=generator, dtype=torch.float64).to(torch.float32)

    def uniform(*shape):
        return torch.rand(shape, generator=generator, dtype=torch.float64).to(torch.float32)

    b_unet, b_fp, b_sample = spec["unet_batch"], spec["fp_batch"], spec["sample_batch"]
    inputs = collections.OrderedDict()
    inputs["unet.x"] = randn(b_unet, *latent)
    inputs["unet.t"] = torch.tensor([0.123, 0.877], dtype=torch.float32)[:b_unet]
    inputs["unet.context"] = uniform(b_unet, context_size)
    inputs["fp.z"] = randn(b_fp, *latent)
    inputs["sample.x_T"] = randn(b_sample, *latent)
    inputs["sample.context"] = uniform(b_sample, context_size)
    inputs["sample.noise"] = randn(n_T - 3, b_sample, *latent)

    with torch.no_grad():
        truth = expected_outputs(as_dtype(ddpm, torch.float64), as_dtype(fp, torch.float64), as_dtype(inputs, torch.float64))
        single = expected_outputs(ddpm, fp, inputs)
    os.makedirs(out_dir, exist_ok=True)
    save_state_dict(os.path.join(out_dir, "ddpm.pt"), ddpm)
    save_state_dict(os.path.join(out_dir, "fp.pt"), fp)
    write_cases(os.path.join(out_dir, "cases.safetensors"), collections.OrderedDict(list(inputs.items()) + list(truth.items())))
    config = {
        "name": spec["name"],
        "seed": spec["seed"],
        "generator": "tools/make-fixture.py (MODEL.md in plain torch), random init",
        "latent_shape": latent,
        "fp_input_size": latent_size,
        "fp_output_size": spec["fp_output_size"],
        "ddpm_n_feat": spec["ddpm_n_feat"],
        "ddpm_timesteps": n_T,
        "ddpm_context_indices": spec["ddpm_context_indices"],
        "torch_fp32_rel_err_vs_fp64": {k: relative_error(single[k], truth[k]) for k in truth},
        "torch_version": torch.__version__,
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    for name in sorted(os.listdir(out_dir)):
        print(f"wrote {os.path.join(out_dir, name)} ({os.path.getsize(os.path.join(out_dir, name))} bytes)")


def main():
    torch.set_num_threads(2)
    if len(sys.argv) >= 3 and sys.argv[1] == "verify":
        results = [verify(folder) for folder in sys.argv[2:]]
        print("all within" if all(results) else "FAILED: above", TOLERANCE)
        sys.exit(0 if all(results) else 1)
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2], TINY)
        return
    print(__doc__.strip(), file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
