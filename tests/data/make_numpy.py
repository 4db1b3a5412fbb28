"""Makes the NumPy test files (run with Debian's /usr/bin/python3; numpy comes with python3-torch).

keras_like.npz      np.savez_compressed, Keras's mnist.npz layout: x_train (30, 28, 28) uint8,
                    y_train (30,) uint8, x_test (10, 28, 28) uint8, y_test (10,) int64.
stored_xy.npz       np.savez (stored entries): x (25, 784) float32 in [0, 1], y (25,) int32.
digits_images.npy   (12, 28, 28) float64 in [0, 1], and digits_labels.npy (12,) uint8 beside it.
The pixel values are a fixed pattern of each image's index, so tests can check them exactly:
pixel (r, c) of image i is (i * 7 + r * 3 + c) % 256 (divided by 255 for floats).
"""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def pattern(n, flat=False):
    i = np.arange(n).reshape(n, 1, 1)
    r = np.arange(28).reshape(1, 28, 1)
    c = np.arange(28).reshape(1, 1, 28)
    a = ((i * 7 + r * 3 + c) % 256).astype(np.uint8)
    return a.reshape(n, 784) if flat else a


np.savez_compressed(os.path.join(here, "keras_like.npz"),
                    x_train=pattern(30), y_train=(np.arange(30) % 10).astype(np.uint8),
                    x_test=pattern(10), y_test=(np.arange(10) % 10).astype(np.int64))
np.savez(os.path.join(here, "stored_xy.npz"), x=(pattern(25, flat=True) / 255.0).astype(np.float32),
         y=(np.arange(25) % 5).astype(np.int32))
np.save(os.path.join(here, "digits_images.npy"), pattern(12) / 255.0)
np.save(os.path.join(here, "digits_labels.npy"), (np.arange(12) % 3).astype(np.uint8))
