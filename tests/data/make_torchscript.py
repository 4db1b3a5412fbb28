"""Makes the TorchScript files the tests open (checked in beside this script).

    /usr/bin/python3 tests/data/make_torchscript.py    # Debian's python3-torch

tiny_ae.pt      a small fully connected autoencoder, 784 -> 32 -> 3 -> 32 -> 784, with
                encode(x: N x 1 x 28 x 28 in [0, 1]) -> N x 3 and decode(z: N x 3) -> N x 1 x 28 x 28;
                its weights are seeded, and tiny_ae_probe.txt holds encode() of a known image
                and decode() of a known code, for the tests to compare with.
no_decode.pt    has encode but no decode.
wrong_shape.pt  decode returns N x 784 instead of N x 1 x 28 x 28.
nan_decode.pt   decode returns NaN for every code.
nan_encode.pt   encode returns NaN for every image.
no_sigmoid.pt   decode has no sigmoid: its values run outside [0, 1].
raises.pt       decode raises an exception (TorchScript gives it a long traceback).
never_opens.pt  encode never returns (a loop with no end): opening it must not hang.
far_hangs.pt    decode never returns for a code beyond 100 in any coordinate; near the
                origin it is tiny_ae (so it opens, and hangs only where it is asked there).
"""
import os
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))


class TinyAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 3))
        self.dec = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 784), nn.Sigmoid())

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z).view(-1, 1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class NoDecode(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 2))

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)


class WrongShape(TinyAE):
    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z)


class NanDecode(TinyAE):
    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z).view(-1, 1, 28, 28) * float("nan")


class NanEncode(TinyAE):
    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x) * float("nan")


class NoSigmoid(TinyAE):
    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return (self.dec(z) * 4.0 - 1.5).view(-1, 1, 28, 28)


class Raises(TinyAE):
    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if z.size(0) > 0:
            raise RuntimeError("this model refuses every code")
        return self.dec(z).view(-1, 1, 28, 28)


class NeverOpens(TinyAE):
    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        n = 0
        while n >= 0:
            n = (n + 1) % 1000
        return self.enc(x)


class FarHangs(TinyAE):
    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if bool(z.abs().max() > 100.0):
            n = 0
            while n >= 0:
                n = (n + 1) % 1000
        return self.dec(z).view(-1, 1, 28, 28)


torch.manual_seed(0)
tiny = TinyAE().eval()
torch.jit.save(torch.jit.script(tiny), os.path.join(here, "tiny_ae.pt"))
torch.jit.save(torch.jit.script(NoDecode().eval()), os.path.join(here, "no_decode.pt"))
torch.jit.save(torch.jit.script(WrongShape().eval()), os.path.join(here, "wrong_shape.pt"))
for cls, file in ((NanDecode, "nan_decode.pt"), (NanEncode, "nan_encode.pt"), (NoSigmoid, "no_sigmoid.pt"), (Raises, "raises.pt"),
                  (NeverOpens, "never_opens.pt"), (FarHangs, "far_hangs.pt")):
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(cls().eval()), os.path.join(here, file))

# Reference values: the image whose pixel i is (i % 256) / 255, and the code (0.5, -1, 2).
with torch.no_grad():
    x = (torch.arange(784) % 256).float().div(255).view(1, 1, 28, 28)
    z = tiny.encode(x)[0]
    image = tiny.decode(torch.tensor([[0.5, -1.0, 2.0]]))[0, 0]
with open(os.path.join(here, "tiny_ae_probe.txt"), "w") as f:
    f.write(" ".join(f"{v:.7g}" for v in z.tolist()) + "\n")
    f.write(" ".join(f"{v:.7g}" for v in image.flatten().tolist()) + "\n")
