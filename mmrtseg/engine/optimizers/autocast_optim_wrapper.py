"""Mixed precision on CPU: bfloat16 autocast, which needs no loss scaling."""
import contextlib

import torch
from mmengine.optim import OptimWrapper

from mmrtseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """An :class:`OptimWrapper` whose forward passes run under
    ``torch.autocast('cpu', dtype)``. mmengine's ``AmpOptimWrapper`` needs a
    GPU; ``tools/train.py --amp`` picks this wrapper on machines without one.

    Args:
        dtype (str): ``'bfloat16'`` (default) or ``'float16'``.
        **kwargs: Arguments of :class:`OptimWrapper` (``optimizer``,
            ``clip_grad``, ``accumulative_counts``).
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError('CPUAutocastOptimWrapper: dtype must be '
                             f'"bfloat16" or "float16", got {dtype!r}')
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextlib.contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
