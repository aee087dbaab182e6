"""Activation configs that depend on the number of channels."""
import copy


def channelwise_act_cfg(act_cfg, num_channels):
    """Return ``act_cfg`` made per-channel where the activation has learned
    per-channel parameters.

    ENet [1] uses PReLU with one learned slope per channel, while
    ``nn.PReLU`` defaults to a single slope shared by all channels. For a
    ``PReLU`` config without ``num_parameters`` this sets it to
    ``num_channels``; every other config is returned unchanged (a copy).

    [1] ENet: A Deep Neural Network Architecture for Real-Time Semantic
        Segmentation, https://arxiv.org/abs/1606.02147

    Args:
        act_cfg (dict | None): Activation config, e.g. ``dict(type='PReLU')``.
            ``None`` means no activation and is returned as is.
        num_channels (int): Channels of the tensor the activation acts on.

    Returns:
        dict | None: A config for ``mmcv.cnn.build_activation_layer`` or the
        ``act_cfg`` of ``mmcv.cnn.ConvModule``.
    """
    if act_cfg is None:
        return None
    if not isinstance(act_cfg, dict) or 'type' not in act_cfg:
        raise TypeError('act_cfg must be None or a dict with a "type" key, '
                        f'got {act_cfg!r}')
    act_cfg = copy.deepcopy(act_cfg)
    if act_cfg['type'] == 'PReLU':
        act_cfg.setdefault('num_parameters', num_channels)
    return act_cfg
