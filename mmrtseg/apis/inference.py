"""What a notebook user calls: build a model from a config, load weights."""
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from mmrtseg.engine.checkpoint import allow_checkpoint_globals
from mmrtseg.registry import MODELS
from mmrtseg.utils import explain_unknown_types, register_all_modules


def build_segmentor_from_config(config, cfg_options=None):
    """Build the ``model`` of a config file (or :class:`Config`).

    Args:
        config (str | Config): Config file path or object.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The model, in train mode, on CPU.
    """
    register_all_modules()
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    with explain_unknown_types():
        model = MODELS.build(cfg.model)
    model.cfg = cfg
    return model


def init_model(config, checkpoint=None, device='cpu', cfg_options=None):
    """Build a model from a config and load a checkpoint into it.

    Checkpoints are read with ``weights_only=True`` and mmrtseg's allow-list.

    Args:
        config (str | Config): Config file path or object.
        checkpoint (str, optional): Checkpoint path. Defaults to None.
        device (str): Device to put the model on. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The model in eval mode.
    """
    model = build_segmentor_from_config(config, cfg_options)
    if checkpoint is not None:
        with allow_checkpoint_globals():
            ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        meta = ckpt.get('meta', {})
        if 'dataset_meta' in meta:
            model.dataset_meta = meta['dataset_meta']
    return model.to(device).eval()
