"""Weight averaging used by the reference real-time zoo for validation."""
from mmengine.model import BaseAveragedModel

from mmrtseg.registry import MODELS


@MODELS.register_module()
class ProgressiveEMA(BaseAveragedModel):
    """Exponential moving average whose decay grows linearly with training
    progress, ``decay = step / total_steps`` (clipped to [0, 1]), as in the
    reference zoo: early weights are forgotten at once, late ones are averaged
    over many steps. Used through mmengine's ``EMAHook``, which swaps the
    averaged weights in for validation and checkpoints them.

    Args:
        model (nn.Module): The model to average.
        total_steps (int): Number of training iterations.
        interval (int): Update every ``interval`` steps. Defaults to 1.
        device (torch.device, optional): Where the copy lives.
        update_buffers (bool): Average buffers (BN statistics) too.
            Defaults to True, as the reference does.
    """

    def __init__(self, model, total_steps, interval=1, device=None,
                 update_buffers=True):
        super().__init__(model, interval, device, update_buffers)
        if total_steps <= 0:
            raise ValueError(
                f'ProgressiveEMA: total_steps must be > 0, got {total_steps}')
        self.total_steps = total_steps

    def avg_func(self, averaged_param, source_param, steps):
        decay = min(max(float(steps) / self.total_steps, 0.0), 1.0)
        averaged_param.lerp_(source_param, 1.0 - decay)
