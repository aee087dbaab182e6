"""Chebyshev contour codes of ESE-Seg.

Xu et al., "Explicit Shape Encoding for Real-Time Instance Segmentation",
ICCV 2019 (https://arxiv.org/abs/1908.09997), section 3: the radius of the
outline as a function of the ray angle, fitted by a Chebyshev polynomial
whose coefficients are the shape code.
"""
import numpy as np
from numpy.polynomial import chebyshev

from mmrtseg.registry import TASK_UTILS
from .polar_contour import PolarContourCoder, ray_angles


@TASK_UTILS.register_module()
class ChebyshevContourCoder(PolarContourCoder):
    """Least-squares Chebyshev fit of the polar signature.

    The ray angles ``theta`` in ``(-pi / 2, 3 pi / 2)`` are mapped to ``t =
    (theta - pi / 2) / pi`` in ``(-1, 1)`` (``t = 0`` points straight down,
    ``t = +-1`` straight up), and the normalised radii (see
    :mod:`polar_contour`) are fitted with ``sum_j c_j T_j(t)`` for ``j <
    num_codes``. A horizontal flip maps ``t`` to ``-t`` on the symmetric
    ray grid, so the code of a flipped mask is the code with its odd
    coefficients negated. The default 18 coefficients are the released
    ESE-Seg model's degree 17. Beyond about 60 coefficients the fit on
    uniform angles becomes ill-conditioned (singular values below ``1e-8``
    of the largest are dropped).

    Args:
        num_codes (int): Number of coefficients (degree + 1). Defaults to
            18.
        num_rays (int): Rays of the signature. Defaults to 360.
        inner_ratio (float): See :class:`PolarContourCoder`. Defaults to
            0.25.
        init_cfg (dict | None): Initialization config. Defaults to None.
    """

    def __init__(self, num_codes=18, num_rays=360, inner_ratio=0.25,
                 init_cfg=None):
        super().__init__(num_codes, num_rays=num_rays,
                         inner_ratio=inner_ratio, init_cfg=init_cfg)

    def basis(self):
        t = ray_angles(self.num_rays) / np.pi - 0.5
        return chebyshev.chebvander(t, self.num_codes - 1)
