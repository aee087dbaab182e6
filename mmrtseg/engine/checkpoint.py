"""Loading mmengine checkpoints under ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` refuses every class that is not allow-listed.
An mmengine checkpoint (``meta``, ``state_dict``, ``message_hub``,
``optimizer``, ``param_schedulers``) keeps :class:`HistoryBuffer` objects with
numpy arrays in its message hub, so mmengine 0.10.7 cannot resume or load its
own checkpoints. We keep ``weights_only=True`` and allow exactly the classes
that such a checkpoint holds.
"""
import contextlib

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_reconstructors():
    # numpy >= 2 moved ``numpy.core`` to ``numpy._core``; pickles name the
    # module of the numpy that wrote them.
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    return [multiarray._reconstruct, multiarray.scalar]


def checkpoint_safe_globals():
    """The classes and functions an mmengine checkpoint needs to unpickle.

    Returns:
        list: objects for :func:`torch.serialization.safe_globals`.
    """
    allowed = [HistoryBuffer, np.ndarray, np.dtype, getattr]
    allowed += _numpy_reconstructors()
    # numpy's per-dtype classes of the scalars and arrays that the message
    # hub logs (python floats and ints become float64 and int64).
    allowed += [np.dtypes.Float64DType, np.dtypes.Int64DType]
    return allowed


@contextlib.contextmanager
def allow_checkpoint_globals():
    """Context in which ``torch.load`` (weights only) reads mmengine
    checkpoints."""
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        yield
