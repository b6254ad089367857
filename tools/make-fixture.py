"""Makes and checks the PyTorch parity fixtures (the format of ../shared/fixtures/README.md).

Usage:
  /usr/bin/python3 tools/make-fixture.py verify DIR...
      Recomputes the cases of existing fixture folders in float64 from their
      weights and inputs: the VAE's encoder and decoder, the feature predictor,
      the UNet, the noise schedule, and the sampling loop through its first mark
      (98 steps: the whole loop takes an hour on two busy cores), and prints each
      relative error; exits 1 if one is above 1e-6 (the expected values are
      float64 results stored as float32: ~1e-7 is the floor). A folder whose
      config.json names vae_weights_seed has no vae.pt: its VAE is made from the
      seed (seeded_state_dict) and first checked value for value against the
      folder's vae-weights-probe.json.
  /usr/bin/python3 tools/make-fixture.py make NAME OUT
      Writes one of the small fixtures committed in test/fixtures:
      tiny-unet-fp  a UNet with n_feat 8 on a 1x4x4x4 latent and a feature
                    predictor, with PyTorch-made expected outputs (unet, fp, and
                    the full 998-step sampling loop at batch 1);
      tiny-vae-exp  the VAE in the experimental layout (the first layer keeps the
                    size): 16^3 volume, 1x2x2x2 latent, encoder and decoder at batch 2;
      tiny-vae-ch   the VAE in the CH layout (every layer halves it): 32^3
                    volume, 4x2x2x2 latent, batch 1. Both max_channels 32, with
                    inputs and expected outputs, config.json naming the weights'
                    seed, and the probe.

The computation is MODEL.md's, in plain torch: the UNet is bench/torch_peer.py's
(imported, so that the benchmark peer and the fixtures share one reference), the
VAE, the feature predictor and the sampler are below. The VAE's weights come
from src/models/random-model.ts's seeded stream, written a second time here
(uniform_stream, seeded_state_dict) so that the 12 M parameters need not be
committed. Needs only torch and numpy.
"""
import collections
import json
import math
import os
import struct
import sys

import numpy as np
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

# The committed VAE fixtures, one per layout of the published models. Their
# widths are 64/128/256 whatever max_channels is (12 M parameters), so no weights
# are stored: config.json names the seed of src/models/random-model.ts's stream,
# which seeded_state_dict reproduces bit for bit. The latents are 2^3: the
# instance norms at the latent's size need voxels to average over (at 2x2x1 the
# CH encoder's logvar came out ill-conditioned: the engine 6.9e-6 against the
# 1e-5 bar, PyTorch's float32 2.0e-6).
TINY_VAES = (
    {
        "name": "tiny-vae-exp",
        "seed": 111,
        "image_shape": [1, 16, 16, 16],
        "latent_shape": [1, 2, 2, 2],
        "vae_max_channels": 32,
        "vae_first_layer_downsample": True,
        "batch": 2,
    },
    {
        "name": "tiny-vae-ch",
        "seed": 112,
        "image_shape": [1, 32, 32, 32],
        "latent_shape": [4, 2, 2, 2],
        "vae_max_channels": 32,
        "vae_first_layer_downsample": False,
        "batch": 1,
    },
)
PROBE_FILE = "vae-weights-probe.json"


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


def instance_norm(weights, h, name):
    return F.instance_norm(h, weight=weights[name + ".weight"], bias=weights[name + ".bias"], eps=NORM_EPS)


def res_block(weights, x, name):
    """ReLU(x + IN(conv(ReLU(IN(conv(x)))))), keys block.0 conv, block.1 norm, block.3 conv, block.4 norm."""
    h = F.conv3d(x, weights[f"{name}.block.0.weight"], weights[f"{name}.block.0.bias"], padding=1)
    h = F.relu(instance_norm(weights, h, f"{name}.block.1"))
    h = F.conv3d(h, weights[f"{name}.block.3.weight"], weights[f"{name}.block.3.bias"], padding=1)
    return F.relu(x + instance_norm(weights, h, f"{name}.block.4"))


def vae_encoder(weights, x, first_layer_downsample):
    """conv_layers: per stage conv, affine InstanceNorm, ResBlock (the last stage a 1x1 conv to the latent); then conv_mu, conv_logvar."""
    h = x
    for i, stride in enumerate((1 if first_layer_downsample else 2, 2, 2, 2, 1)):
        name = f"encoder.conv_layers.{3 * i}"
        padding = weights[name + ".weight"].shape[2] // 2
        h = F.conv3d(h, weights[name + ".weight"], weights[name + ".bias"], stride=stride, padding=padding)
        h = instance_norm(weights, h, f"encoder.conv_layers.{3 * i + 1}")
        h = res_block(weights, h, f"encoder.conv_layers.{3 * i + 2}")
    mu = F.conv3d(h, weights["encoder.conv_mu.weight"], weights["encoder.conv_mu.bias"])
    return mu, F.conv3d(h, weights["encoder.conv_logvar.weight"], weights["encoder.conv_logvar.bias"])


def vae_decoder(weights, z, first_layer_downsample):
    """Per stage a transposed conv (1x1 first, then 3x3x3 stride 2), affine InstanceNorm, ResBlock; final_conv; sigmoid."""
    h = z
    for i in range(4):
        stride, padding = (1, 0) if i == 0 else (2, 1)
        h = F.conv_transpose3d(h, weights[f"decoder.convs.{i}.weight"], weights[f"decoder.convs.{i}.bias"], stride=stride, padding=padding, output_padding=stride - 1)
        h = instance_norm(weights, h, f"decoder.instnorms.{i}")
        h = res_block(weights, h, f"decoder.resblocks.{i}")
    stride = 1 if first_layer_downsample else 2
    h = F.conv_transpose3d(h, weights["decoder.final_conv.weight"], weights["decoder.final_conv.bias"], stride=stride, padding=1, output_padding=stride - 1)
    return torch.sigmoid(h)


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


def expected_outputs(ddpm, fp, inputs, sample_through=1, vae=None, first_layer_downsample=False):
    """
    Every expected tensor for the cases whose inputs and weights are present, by its name;
    the sampling loop runs down to step `sample_through` (z0 only at 1).
    """
    out = {}
    if vae is not None and "encoder.x" in inputs:
        out["encoder.mu"], out["encoder.logvar"] = vae_encoder(vae, inputs["encoder.x"], first_layer_downsample)
    if vae is not None and "decoder.z" in inputs:
        out["decoder.out"] = vae_decoder(vae, inputs["decoder.z"], first_layer_downsample)
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


# ---------------------------------------------------------------- seeded weights (src/models/random-model.ts)

STREAM_STEP = 0x6D2B79F5
NORM_SPREAD = 0.1


def uniform_stream(seed, start, count):
    """
    Values start+1 .. start+count of random-model.ts's uniformStream(seed) (mulberry32), as float64:
    the k-th hashes the counter seed + k * STREAM_STEP mod 2^32 alone, in uint32 arithmetic as JS's Math.imul.
    """
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    a = ((k * np.uint64(STREAM_STEP) + np.uint64(seed & 0xFFFFFFFF)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    t = (a ^ (a >> np.uint32(15))) * (a | np.uint32(1))
    t ^= t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))
    return (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0


def vae_layers(latent_channels, max_channels):
    """MODEL.md's VAE as (kind, name, in, out, kernel) in state-dict order, as architecture.ts's vaeLayers lists it."""
    layers = []

    def res_block(name, c):
        layers.extend([("conv", f"{name}.block.0", c, c, 3), ("norm", f"{name}.block.1", c, c, 0)])
        layers.extend([("conv", f"{name}.block.3", c, c, 3), ("norm", f"{name}.block.4", c, c, 0)])

    channels = 1
    for i, (out, kernel) in enumerate(((64, 3), (128, 3), (256, 3), (max_channels, 3), (latent_channels, 1))):
        layers.extend([("conv", f"encoder.conv_layers.{3 * i}", channels, out, kernel), ("norm", f"encoder.conv_layers.{3 * i + 1}", out, out, 0)])
        res_block(f"encoder.conv_layers.{3 * i + 2}", out)
        channels = out
    layers.extend([("conv", f"encoder.conv_{part}", latent_channels, latent_channels, 1) for part in ("mu", "logvar")])
    widths = (latent_channels, max_channels, 256, 128, 64)
    layers.extend([("convTranspose", f"decoder.convs.{i}", widths[i], widths[i + 1], 1 if i == 0 else 3) for i in range(4)])
    layers.extend([("norm", f"decoder.instnorms.{i}", widths[i + 1], widths[i + 1], 0) for i in range(4)])
    for i in range(4):
        res_block(f"decoder.resblocks.{i}", widths[i + 1])
    layers.append(("convTranspose", "decoder.final_conv", 64, 1, 3))
    return layers


def seeded_state_dict(layers, seed):
    """
    random-model.ts's randomWeights(layers, uniformStream(seed)), bit for bit: each tensor drawn in order,
    row-major; uniform +-1/sqrt(fan_in) (a transposed conv's fan_in counts its output channels, as
    PyTorch's), norm weights 1 +- NORM_SPREAD and biases +-NORM_SPREAD; float64 arithmetic, then float32.
    """
    weights = collections.OrderedDict()
    drawn = 0
    for kind, name, c_in, c_out, kernel in layers:
        if kind == "norm":
            shapes = {"weight": (c_out,), "bias": (c_out,)}
        else:
            weight = (c_in, c_out) if kind == "convTranspose" else (c_out, c_in)
            shapes = {"weight": weight + (kernel,) * 3, "bias": (c_out,)}
        fan_in = (c_out if kind == "convTranspose" else c_in) * kernel**3
        for suffix, shape in shapes.items():
            count = int(np.prod(shape))
            r = 2 * uniform_stream(seed, drawn, count) - 1
            drawn += count
            if kind == "norm":
                values = (1.0 if suffix == "weight" else 0.0) + r * NORM_SPREAD
            else:
                values = r * (1 / math.sqrt(fan_in))
            weights[f"{name}.{suffix}"] = torch.from_numpy(values.astype(np.float32).reshape(shape))
    return weights


def seeded_vae(config):
    return seeded_state_dict(vae_layers(config["latent_shape"][0], config["vae_max_channels"]), config["vae_weights_seed"])


def weights_probe(weights):
    """Each tensor's shape and its first, middle and last values: what test/models/random-model.test.ts compares with the TS stream."""
    probe = []
    for name, tensor in weights.items():
        flat = tensor.reshape(-1)
        probe.append({"name": name, "shape": list(tensor.shape), "values": [float(flat[i]) for i in (0, flat.numel() // 2, flat.numel() - 1)]})
    return probe


# ---------------------------------------------------------------- verify


def verify(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    ddpm = as_dtype(load_weights(os.path.join(folder, "ddpm.pt")), torch.float64)
    fp = as_dtype(load_weights(os.path.join(folder, "fp.pt")), torch.float64)
    vae = load_weights(os.path.join(folder, "vae.pt"))
    if "vae_weights_seed" in config:
        vae = seeded_vae(config)
        with open(os.path.join(folder, PROBE_FILE)) as f:
            recorded = json.load(f)
        same = recorded == weights_probe(vae)
        print(f"{folder} {PROBE_FILE} {'matches' if same else 'DIFFERS from'} the seeded stream")
        if not same:
            return False
    cases = read_cases(os.path.join(folder, "cases.safetensors"))
    if ddpm is not None:
        rebuilt = schedule(ddpm["alpha_t"].shape[0])
        for name, values in rebuilt.items():
            error = relative_error(values, ddpm[name])
            print(f"{folder} schedule {name} {error:.3e}")
            if error > TOLERANCE:
                return False
    with torch.no_grad():
        outputs = expected_outputs(
            ddpm, fp, as_dtype(cases, torch.float64), SAMPLE_MARKS[0], as_dtype(vae, torch.float64), config.get("vae_first_layer_downsample", False)
        )
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


def make_vae(out_dir, spec):
    config = {
        "name": spec["name"],
        "vae_weights_seed": spec["seed"],
        "generator": "tools/make-fixture.py (MODEL.md in plain torch), weights from the seeded stream of src/models/random-model.ts",
        "image_shape": spec["image_shape"],
        "latent_shape": spec["latent_shape"],
        "vae_latent_dim_channels": spec["latent_shape"][0],
        "vae_first_layer_downsample": spec["vae_first_layer_downsample"],
        "vae_max_channels": spec["vae_max_channels"],
    }
    vae = seeded_vae(config)
    generator = torch.Generator().manual_seed(spec["seed"])
    batch = spec["batch"]
    inputs = collections.OrderedDict()
    inputs["encoder.x"] = torch.rand((batch, *spec["image_shape"]), generator=generator, dtype=torch.float64).to(torch.float32)
    inputs["decoder.z"] = torch.randn((batch, *spec["latent_shape"]), generator=generator, dtype=torch.float64).to(torch.float32)
    fld = spec["vae_first_layer_downsample"]
    with torch.no_grad():
        truth = expected_outputs(None, None, as_dtype(inputs, torch.float64), vae=as_dtype(vae, torch.float64), first_layer_downsample=fld)
        single = expected_outputs(None, None, inputs, vae=vae, first_layer_downsample=fld)
    config["torch_fp32_rel_err_vs_fp64"] = {k: relative_error(single[k], truth[k]) for k in truth}
    config["torch_version"] = torch.__version__
    os.makedirs(out_dir, exist_ok=True)
    write_cases(os.path.join(out_dir, "cases.safetensors"), collections.OrderedDict(list(inputs.items()) + list(truth.items())))
    with open(os.path.join(out_dir, PROBE_FILE), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(entry) for entry in weights_probe(vae)) + "\n]\n")
    write_json(os.path.join(out_dir, "config.json"), config)
    list_folder(out_dir)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def list_folder(out_dir):
    for name in sorted(os.listdir(out_dir)):
        print(f"wrote {os.path.join(out_dir, name)} ({os.path.getsize(os.path.join(out_dir, name))} bytes)")


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
    write_json(os.path.join(out_dir, "config.json"), config)
    list_folder(out_dir)


def main():
    torch.set_num_threads(2)
    if len(sys.argv) >= 3 and sys.argv[1] == "verify":
        results = [verify(folder) for folder in sys.argv[2:]]
        print("all within" if all(results) else "FAILED: above", TOLERANCE)
        sys.exit(0 if all(results) else 1)
    makers = {TINY["name"]: (make, TINY)} | {spec["name"]: (make_vae, spec) for spec in TINY_VAES}
    if len(sys.argv) == 4 and sys.argv[1] == "make" and sys.argv[2] in makers:
        maker, spec = makers[sys.argv[2]]
        maker(sys.argv[3], spec)
        return
    print(__doc__.strip(), file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
