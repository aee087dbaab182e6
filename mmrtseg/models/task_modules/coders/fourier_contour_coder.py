"""Fourier contour codes, the comparison of ESE-Seg.

Xu et al., "Explicit Shape Encoding for Real-Time Instance Segmentation",
ICCV 2019 (https://arxiv.org/abs/1908.09997) compare Chebyshev polynomials
with a Fourier series fitted to the same polar signature of the outline.
"""
import numpy as np

from mmrtseg.registry import TASK_UTILS
from .polar_contour import PolarContourCoder, ray_angles


@TASK_UTILS.register_module()
class FourierContourCoder(PolarContourCoder):
    """Real Fourier series of the polar signature.

    The normalised radius (see :mod:`polar_contour`) as a function of the
    ray angle ``theta`` is ``a_0 + sum_{n=1..K} (a_n cos(n theta) + b_n
    sin(n theta))``, and the code is ``[a_0, a_1, b_1, ..., a_K, b_K]``, so
    ``num_codes = 1 + 2 K`` must be odd. On the uniform ray grid the basis
    is orthogonal and the least-squares fit is the truncated discrete
    Fourier transform. Unlike the Chebyshev fit, the series is periodic, so
    the outline closes at ``theta = pi``.

    Args:
        num_codes (int): ``1 + 2 K`` coefficients (odd). Defaults to 19
            (K = 9, the closest to Chebyshev's default 18).
        num_rays (int): Rays of the signature (more than ``2 K``).
            Defaults to 360.
        inner_ratio (float): See :class:`PolarContourCoder`. Defaults to
            0.25.
        init_cfg (dict | None): Initialization config. Defaults to None.
    """

    def __init__(self, num_codes=19, num_rays=360, inner_ratio=0.25,
                 init_cfg=None):
        if isinstance(num_codes, int) and not isinstance(num_codes, bool) \
                and num_codes > 0 and num_codes % 2 == 0:
            raise ValueError(
                'FourierContourCoder: num_codes must be odd (1 + 2 K: a '
                f'constant and K cosine/sine pairs), got {num_codes}')
        super().__init__(num_codes, num_rays=num_rays,
                         inner_ratio=inner_ratio, init_cfg=init_cfg)

    def basis(self):
        theta = ray_angles(self.num_rays)
        order = np.arange(1, (self.num_codes - 1) // 2 + 1)
        columns = [np.ones_like(theta)[:, None]]
        pairs = np.stack([np.cos(theta[:, None] * order),
                          np.sin(theta[:, None] * order)], axis=2)
        columns.append(pairs.reshape(len(theta), -1))
        return np.concatenate(columns, axis=1)
