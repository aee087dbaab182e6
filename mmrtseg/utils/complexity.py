"""FLOPs and parameters of a segmentor, as the analysis tools report them."""
import torch
from mmengine.analysis import get_model_complexity_info


def segmentor_complexity(model, height, width):
    """Return ``(flops, params)`` of ``model`` on a 1x3xHxW input: the
    segmentor's forward in tensor mode (the inference network, no loss).

    Args:
        model (nn.Module): An mmseg segmentor; it is put in eval mode.
        height (int): Input height.
        width (int): Input width.
    """
    model.eval()
    inputs = torch.zeros(1, 3, height, width)
    with torch.no_grad():
        info = get_model_complexity_info(
            model, inputs=(inputs, None, 'tensor'), show_table=False,
            show_arch=False)
    return info['flops'], info['params']


def inference_parameters(model):
    """Number of parameters of the inference network: everything but the
    auxiliary (deep-supervision) heads, which only training uses."""
    return sum(p.numel() for name, p in model.named_parameters()
               if not name.startswith('auxiliary_head'))
