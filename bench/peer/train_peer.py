"""The Python PyTorch peer of `latent-explorer train` + `eval`, for side-by-side benchmarks.

Same data split (splitmix64 order, seed 1, 8,000 / 2,000), same architectures as our presets
(`latent-explorer inspect --arch NAME`), Adam, MSE, the same cosine decay for `conv` as our
trainer's default; `--input-noise` as our `train --input-noise`. Prints one JSON line. Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse, json, math, struct, time
import numpy as np
import torch
from torch import nn

M = (1 << 64) - 1

def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)

def load(folder):
    raw = open(f"{folder}/images-idx3-ubyte", "rb").read()
    n, r, c = struct.unpack(">III", raw[4:16])
    x = torch.from_numpy(np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, r, c).astype(np.float32) / 255)
    y = np.frombuffer(open(f"{folder}/labels-idx1-ubyte", "rb").read(), np.uint8, offset=8).copy()
    order = sorted(range(n), key=lambda i: splitmix64((1 << 32) | i))
    train, val = sorted(order[: n * 4 // 5]), sorted(order[n * 4 // 5:])
    return x[train], y[train], x[val], y[val]

def model(arch, d, vae=False):
    """Our presets; a VAE's encoder ends in 2·d outputs (μ, log σ²)."""
    out = 2 * d if vae else d
    act = nn.ReLU
    if arch == "lecture":
        enc = [nn.Conv2d(1, 32, 3, 2, 1), act(), nn.Conv2d(32, 64, 3, 2, 1), act(), nn.Flatten(), nn.Linear(3136, out)]
        dec = [nn.Linear(d, 3136), act(), nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), act(),
               nn.ConvTranspose2d(32, 1, 3, 2, 1, 1), nn.Sigmoid()]
    elif arch == "mlp":
        enc = [nn.Flatten(), nn.Linear(784, 512), act(), nn.Linear(512, 256), act(), nn.Linear(256, out)]
        dec = [nn.Linear(d, 256), act(), nn.Linear(256, 512), act(), nn.Linear(512, 784), nn.Unflatten(1, (1, 28, 28)),
               nn.Sigmoid()]
    else:  # conv: BatchNorm after every hidden layer, a 512-128 head
        enc = [nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), act(), nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), act(),
               nn.Flatten(), nn.Linear(3136, 512), nn.BatchNorm1d(512), act(), nn.Linear(512, 128), nn.BatchNorm1d(128),
               act(), nn.Linear(128, out)]
        dec = [nn.Linear(d, 128), nn.BatchNorm1d(128), act(), nn.Linear(128, 512), nn.BatchNorm1d(512), act(),
               nn.Linear(512, 3136), nn.BatchNorm1d(3136), act(), nn.Unflatten(1, (64, 7, 7)),
               nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.BatchNorm2d(32), act(), nn.ConvTranspose2d(32, 1, 3, 2, 1, 1),
               nn.Sigmoid()]
    return nn.Sequential(*enc), nn.Sequential(*dec)

def knn5(ztr, ytr, zva, yva):
    nearest = torch.cdist(zva, ztr).topk(5, largest=False).indices.numpy()
    correct = 0
    for row, truth in zip(nearest, yva):
        labels = ytr[row]
        votes = np.bincount(labels, minlength=256)
        best = votes.max()
        correct += next(l for l in labels if votes[l] == best) == truth
    return correct / len(yva)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="lecture", choices=["lecture", "mlp", "conv"])
    p.add_argument("--epochs", type=int, default=100000)
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--latent", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="ae", choices=["ae", "vae"])
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--input-noise", type=float, default=0.0, help="denoising: sigma of noise on the inputs")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr, xva, yva = load(a.data)
    vae = a.model == "vae"
    noise = a.input_noise
    enc, dec = model(a.arch, a.latent, vae)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    cosine = a.arch == "conv"
    n, steps = len(xtr), math.ceil(len(xtr) / a.batch)
    seconds, seen, epochs = 0.0, 0, 0
    enc.train(); dec.train()
    for e in range(a.epochs):
        perm = torch.randperm(n)
        for s in range(steps):
            if a.seconds and seconds >= a.seconds:
                break
            if cosine:
                progress = max((e * steps + s) / (a.epochs * steps), seconds / a.seconds if a.seconds else 0)
                for g in opt.param_groups:
                    g["lr"] = a.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1))))
            t0 = time.perf_counter()
            x = xtr[perm[s * a.batch:(s + 1) * a.batch]]
            opt.zero_grad()
            if vae:  # as our computeLoss: MSE per pixel + β·KL per image / pixels
                mu, logvar = enc(x).chunk(2, 1)
                z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
                loss = nn.functional.mse_loss(dec(z), x) + a.beta * kl / 784
            else:  # a denoising AE sees a noisy image and is scored against the clean one
                loss = nn.functional.mse_loss(dec(enc(x + noise * torch.randn_like(x) if noise else x)), x)
            loss.backward()
            opt.step()
            seconds += time.perf_counter() - t0
            seen += len(x)
        else:
            epochs += 1
            continue
        break
    enc.eval(); dec.eval()
    with torch.no_grad():
        zva, zt = enc(xva), enc(xtr)
        if vae:
            zva, zt = zva.chunk(2, 1)[0], zt.chunk(2, 1)[0]
        mse = nn.functional.mse_loss(dec(zva), xva).item()
    print(json.dumps({"arch": a.arch, "epochs": epochs, "seconds": seconds, "train_images_per_second": seen / seconds,
                      "val_mse": mse, "knn5_accuracy": knn5(zt, ytr, zva, yva)}))

if __name__ == "__main__":
    main()
