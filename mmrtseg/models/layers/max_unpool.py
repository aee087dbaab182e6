"""Max-unpooling with the indices of a 2x2 stride-2 max-pool, as in the
decoders of SegNet (https://arxiv.org/abs/1511.00561) and ENet
(https://arxiv.org/abs/1606.02147)."""
import torch.nn as nn
import torch.nn.functional as F


class MaxUnpool2x2(nn.Module):
    """Put each value back where the matching 2x2 stride-2 max-pool found its
    maximum and fill the rest with zeros; the output is exactly twice the
    input size.

    The output size is passed to the unpooling as Python ints, so that jit
    tracing (FLOP counting, export) accepts it; a 2x2 stride-2 pool halves
    even sizes exactly, which is why the networks using it check that their
    inputs are divisible by their total stride.
    """

    def forward(self, x, indices):
        if x.shape != indices.shape:
            raise ValueError(
                f'{type(self).__name__}: the input {tuple(x.shape)} and the '
                f'pooling indices {tuple(indices.shape)} must have the same '
                'shape (indices of the mirrored encoder pool)')
        output_size = [2 * int(size) for size in x.shape[-2:]]
        return F.max_unpool2d(
            x, indices, kernel_size=2, stride=2, output_size=output_size)
