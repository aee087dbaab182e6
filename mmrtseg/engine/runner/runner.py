"""The runner of mmrtseg: mmengine's :class:`Runner` whose checkpoint loading
works under torch's weights-only unpickler (see
:mod:`mmrtseg.engine.checkpoint`)."""
from mmengine.runner import Runner

from mmrtseg.engine.checkpoint import allow_checkpoint_globals
from mmrtseg.registry import RUNNERS


@RUNNERS.register_module()
class RTSegRunner(Runner):
    """mmengine's Runner, with ``resume`` and ``load_checkpoint`` reading
    checkpoints with ``weights_only=True`` and the allow-list of
    :func:`mmrtseg.engine.checkpoint.checkpoint_safe_globals`."""

    def resume(self, *args, **kwargs):
        with allow_checkpoint_globals():
            return super().resume(*args, **kwargs)

    def load_checkpoint(self, *args, **kwargs):
        with allow_checkpoint_globals():
            return super().load_checkpoint(*args, **kwargs)
